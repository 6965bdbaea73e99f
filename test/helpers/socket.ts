import { io, type Socket } from 'socket.io-client';
import type { RecallParametersUpdatedEvent } from '../../src/shared/recall.js';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents, type SubscriptionAck } from '../../src/shared/socket-events.js';

export interface QueueListener {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  events: RecallParametersUpdatedEvent[];
  /** Resolves with the next event (or the `n`-th overall) within the timeout. */
  next(timeoutMs?: number): Promise<RecallParametersUpdatedEvent>;
  close(): void;
}

/** A real socket.io client subscribed to a queue, collecting recall events. */
export async function listen(url: string, queueId: string, opts: { auth?: Record<string, string> } = {}): Promise<QueueListener> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(opts.auth ? { auth: opts.auth } : {}),
  });
  const events: RecallParametersUpdatedEvent[] = [];
  let waiter: ((e: RecallParametersUpdatedEvent) => void) | null = null;
  let consumed = 0;
  socket.on('recall_parameters_updated', (e) => {
    events.push(e);
    if (waiter) {
      const w = waiter;
      waiter = null;
      consumed++;
      w(e);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = await new Promise<SubscriptionAck>((resolve) => socket.emit('subscribe_queue', { queue_id: queueId }, resolve));
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error}`);
  return {
    socket,
    events,
    next: (timeoutMs = 3000) => {
      if (events.length > consumed) return Promise.resolve(events[consumed++]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiter = null;
          reject(new Error(`no recall_parameters_updated event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = (e) => {
          clearTimeout(t);
          resolve(e);
        };
      });
    },
    close: () => socket.close(),
  };
}

/** Waits long enough for a stray event to arrive, so a test can assert that none did. */
export const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

export type ConnectOutcome =
  | { ok: true; socket: Socket<ServerToClientEvents, ClientToServerEvents> }
  | { ok: false; message: string; data: unknown };

/** Opens a socket and reports whether the handshake was accepted, with the server's reason if not. */
export async function connectSocket(
  url: string,
  opts: { auth?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<ConnectOutcome> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.headers ? { extraHeaders: opts.headers } : {}),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, socket }));
    socket.once('connect_error', (err: Error & { data?: unknown; description?: unknown }) => {
      socket.close();
      resolve({ ok: false, message: err.message, data: err.data ?? err.description });
    });
  });
}

/** Sends `subscribe_queue` and resolves with the server's answer. */
export const subscribe = (socket: Socket<ServerToClientEvents, ClientToServerEvents>, queueId: string) =>
  new Promise<SubscriptionAck>((resolve) => socket.emit('subscribe_queue', { queue_id: queueId }, resolve));
