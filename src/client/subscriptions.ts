import { io, type Socket } from 'socket.io-client';
import type { RecallParametersUpdatedEvent } from '../shared/recall.js';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents, type SubscriptionAck } from '../shared/socket-events.js';

export type RecallEventHandler = (event: RecallParametersUpdatedEvent) => void;

/** Stops the subscription; `ready` resolves once the server took it (rejects if it refused). */
export type Unsubscribe = (() => void) & { ready: Promise<void> };

const ACK_TIMEOUT_MS = 10_000;

/**
 * One Socket.IO connection per client, shared by every subscription. Queues are joined with
 * `subscribe_queue` (InvokeAI's event) and joined again after a reconnect; a queue is left when its
 * last handler goes, and the socket closes when no queue is left.
 */
export class SubscriptionHub {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private readonly handlers = new Map<string, Set<RecallEventHandler>>();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  subscribe(queueId: string, handler: RecallEventHandler): Unsubscribe {
    const socket = this.connect();
    let set = this.handlers.get(queueId);
    const first = !set;
    if (!set) this.handlers.set(queueId, (set = new Set()));
    set.add(handler);
    const ready = first ? this.join(socket, queueId) : Promise.resolve();
    ready.catch(() => undefined); // a caller who never awaits `ready` must not see an unhandled rejection

    let active = true;
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      const current = this.handlers.get(queueId);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.handlers.delete(queueId);
        if (socket.connected) socket.emit('unsubscribe_queue', { queue_id: queueId });
      }
      if (this.handlers.size === 0) this.close();
    };
    return Object.assign(unsubscribe, { ready });
  }

  close(): void {
    this.handlers.clear();
    this.socket?.close();
    this.socket = null;
  }

  private connect(): Socket<ServerToClientEvents, ClientToServerEvents> {
    if (this.socket) return this.socket;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.baseUrl, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      ...(this.token ? { auth: { token: this.token }, extraHeaders: { Authorization: `Bearer ${this.token}` } } : {}),
    });
    socket.on('recall_parameters_updated', (event) => {
      for (const h of this.handlers.get(event.queue_id) ?? []) h(event);
    });
    // After a reconnect the server has forgotten the rooms: join every queue again.
    socket.io.on('reconnect', () => {
      for (const queueId of this.handlers.keys()) socket.emit('subscribe_queue', { queue_id: queueId });
    });
    this.socket = socket;
    return socket;
  }

  /** Joins a queue; InvokeAI acknowledges with nothing, Recall with `{ok}`. */
  private async join(socket: Socket<ServerToClientEvents, ClientToServerEvents>, queueId: string): Promise<void> {
    let onError: ((err: Error) => void) | undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (err: Error) => reject(new Error(`cannot connect to ${this.baseUrl}: ${err.message}`));
      socket.once('connect_error', onError);
    });
    try {
      // The ack is optional in the event's type, which hides it from emitWithAck's typing.
      const acked = (socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(ev: string, p: unknown): Promise<SubscriptionAck | undefined> })
        .emitWithAck('subscribe_queue', { queue_id: queueId })
        .catch(() => {
          throw new Error(`the server did not confirm the subscription to queue ${queueId}`);
        });
      const ack = await Promise.race([acked, failed]);
      if (ack && ack.ok === false) throw new Error(`subscription to queue ${queueId} refused: ${ack.error}`);
    } finally {
      socket.off('connect_error', onError);
    }
  }
}
