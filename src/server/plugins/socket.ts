import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import {
  queueRoom,
  SOCKET_PATH,
  zSubscribeQueue,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '../../shared/socket-events.js';
import type { RecallParametersUpdatedEvent } from '../../shared/recall.js';
import type { RecallEventPublisher } from '../events/recall-events.js';

export type RecallSocketServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface SocketOptions {
  /** Origins allowed to open a socket from a browser; `true` reflects any origin. */
  corsOrigin: string[] | boolean;
}

/**
 * The Socket.IO server at InvokeAI's path. Clients join a queue's room with `subscribe_queue` and
 * leave with `unsubscribe_queue`; recall events go only to the room of their queue.
 */
export function attachSocketServer(app: FastifyInstance, options: SocketOptions): RecallSocketServer {
  const io: RecallSocketServer = new Server(app.server, {
    path: SOCKET_PATH,
    cors: { origin: options.corsOrigin },
    serveClient: false,
  });

  io.on('connection', (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    const handle = (action: 'join' | 'leave') => (payload: unknown, ack?: (r: SubscriptionAck) => void) => {
      const parsed = zSubscribeQueue.safeParse(payload);
      if (!parsed.success) {
        app.log.debug({ socket: socket.id, payload }, `rejected ${action} of an invalid queue id`);
        if (typeof ack === 'function') ack({ ok: false, error: `queue_id ${parsed.error.issues[0]?.message ?? 'is invalid'}` });
        return;
      }
      const room = queueRoom(parsed.data.queue_id);
      void Promise.resolve(action === 'join' ? socket.join(room) : socket.leave(room)).then(() => {
        app.log.debug({ socket: socket.id, queue_id: parsed.data.queue_id }, `socket ${action === 'join' ? 'subscribed to' : 'unsubscribed from'} queue`);
        if (typeof ack === 'function') ack({ ok: true, queue_id: parsed.data.queue_id });
      });
    };
    socket.on('subscribe_queue', handle('join'));
    socket.on('unsubscribe_queue', handle('leave'));
  });

  app.addHook('onClose', async () => {
    await io.close();
  });
  return io;
}

/** Forwards recall events to Socket.IO rooms: the one piece that links the domain to the socket. */
export class SocketRecallPublisher implements RecallEventPublisher {
  constructor(private readonly io: RecallSocketServer) {}
  async publish(event: RecallParametersUpdatedEvent): Promise<boolean> {
    this.io.to(queueRoom(event.queue_id)).emit('recall_parameters_updated', event);
    return true;
  }
}
