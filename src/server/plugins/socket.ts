import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { Adapter, SessionAwareAdapter } from 'socket.io-adapter';
import {
  queueRoom,
  SOCKET_PATH,
  zSubscribeQueue,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '../../shared/socket-events.js';
import type { RecallParametersUpdatedEvent } from '../../shared/recall.js';
import type { AccessService } from '../access/service.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import { socketAuthentication, socketMayUseQueue } from './auth.js';
import type { OriginPolicy } from './cross-origin.js';

export type RecallSocketServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface SocketOptions {
  /** Which browser pages may open a socket (the same rule as the REST API). */
  origins: OriginPolicy;
  /** Access control: the handshake must carry a token, and a token joins only its own queues. */
  access: AccessService;
}

/**
 * The Socket.IO server at InvokeAI's path. Clients join a queue's room with `subscribe_queue` and
 * leave with `unsubscribe_queue`; recall events go only to the room of their queue.
 */
export function attachSocketServer(app: FastifyInstance, options: SocketOptions): RecallSocketServer {
  const io: RecallSocketServer = new Server(app.server, {
    path: SOCKET_PATH,
    cors: { origin: options.origins.corsOrigins.length ? options.origins.corsOrigins : false },
    // CORS does not bind WebSockets, so foreign origins are refused at the handshake itself.
    allowRequest: (req, callback) => {
      const refusal = options.origins.refusal(req.headers.origin, req.headers.host);
      if (refusal) app.log.warn(`socket: ${refusal}`);
      callback(refusal, refusal === null);
    },
    serveClient: false,
  });
  io.use(socketAuthentication(options.access));

  io.on('connection', (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    const handle = (action: 'join' | 'leave') => (payload: unknown, ack?: (r: SubscriptionAck) => void) => {
      const parsed = zSubscribeQueue.safeParse(payload);
      if (!parsed.success) {
        app.log.debug({ socket: socket.id, payload }, `rejected ${action} of an invalid queue id`);
        if (typeof ack === 'function') ack({ ok: false, error: `queue_id ${parsed.error.issues[0]?.message ?? 'is invalid'}` });
        return;
      }
      if (action === 'join') {
        const allowed = socketMayUseQueue(options.access, socket, parsed.data.queue_id);
        if (!allowed.ok) {
          app.log.info({ socket: socket.id, queue_id: parsed.data.queue_id }, `refused subscription: ${allowed.error}`);
          if (typeof ack === 'function') ack({ ok: false, error: allowed.error, code: 'RECALL_ERR_FORBIDDEN' });
          return;
        }
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

/** Whether an adapter is Socket.IO's own in-process one (not a subclass that spans processes). */
const isInProcessAdapter = (adapter: object): boolean => {
  const proto = Object.getPrototypeOf(adapter) as unknown;
  return proto === Adapter.prototype || proto === SessionAwareAdapter.prototype;
};

/** Forwards recall events to Socket.IO rooms: the one piece that links the domain to the socket. */
export class SocketRecallPublisher implements RecallEventPublisher {
  constructor(private readonly io: RecallSocketServer) {}
  async publish(event: RecallParametersUpdatedEvent): Promise<boolean> {
    const room = queueRoom(event.queue_id);
    const adapter = this.io.of('/').adapter;
    // With the in-process adapter an empty room means nobody anywhere listens, and encoding an
    // event for nobody cost a tenth of a recall. An adapter spanning processes always gets it.
    if (isInProcessAdapter(adapter) && !adapter.rooms.has(room)) return true;
    this.io.to(room).emit('recall_parameters_updated', event);
    return true;
  }
}
