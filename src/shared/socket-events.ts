import { z } from 'zod';
import { zQueueId } from './queue.js';
import type { ErrorCode } from './errors.js';
import type { RecallParametersUpdatedEvent } from './recall.js';

/** Path of the Socket.IO endpoint, as InvokeAI serves it. */
export const SOCKET_PATH = '/ws/socket.io';

export const zSubscribeQueue = z.object({ queue_id: zQueueId });
export type SubscribeQueue = z.infer<typeof zSubscribeQueue>;

/** Events the server sends. */
export interface ServerToClientEvents {
  recall_parameters_updated: (event: RecallParametersUpdatedEvent) => void;
}

/** Events a client sends. The acknowledgement tells whether the subscription was taken. */
export interface ClientToServerEvents {
  subscribe_queue: (payload: SubscribeQueue, ack?: (result: SubscriptionAck) => void) => void;
  unsubscribe_queue: (payload: SubscribeQueue, ack?: (result: SubscriptionAck) => void) => void;
}

/** The answer to `subscribe_queue`; a refusal says why, with the API's error code when it is one. */
export type SubscriptionAck = { ok: true; queue_id: string } | { ok: false; error: string; code?: ErrorCode };

/** Socket.IO room of a queue: InvokeAI's naming, so room-level tooling carries over. */
export const queueRoom = (queueId: string): string => `queue:${queueId}`;
