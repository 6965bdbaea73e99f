import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { Adapter, SessionAwareAdapter } from 'socket.io-adapter';
import {
  queueRoom,
  SOCKET_PATH,
  zSubscribeQueue,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '../../shared/socket-events.js';
import type { RecallBroadcast, RecallParametersUpdatedEvent } from '../../shared/recall.js';
import type { AccessService } from '../access/service.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import { socketAuthentication, socketMayUseQueue } from './auth.js';
import type { OriginPolicy } from './cross-origin.js';
import type { RedisBus } from './redis-bus.js';

export type RecallSocketServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface SocketOptions {
  /** Which browser pages may open a socket (the same rule as the REST API). */
  origins: OriginPolicy;
  /** Access control: the handshake must carry a token, and a token joins only its own queues. */
  access: AccessService;
  /** Socket.IO adapter; the Redis one makes room broadcasts cross processes. Default: in-memory. */
  adapter?: ServerOptions['adapter'];
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
    ...(options.adapter ? { adapter: options.adapter } : {}),
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

const QUEUE_ROOM_PREFIX = queueRoom('');

/** Queues that at least one client of this process is subscribed to. */
export function localQueueIds(io: RecallSocketServer): string[] {
  return [...io.of('/').adapter.rooms.keys()].filter((r) => r.startsWith(QUEUE_ROOM_PREFIX)).map((r) => r.slice(QUEUE_ROOM_PREFIX.length));
}

/**
 * Forwards recall events to Socket.IO rooms: the one piece that links the domain to the socket.
 * With a Redis bus, a broadcast reaches every process; while the bus is down it reaches this
 * process's clients only (`local_only`), and `resync` makes up for it once the bus is back.
 */
export class SocketRecallPublisher implements RecallEventPublisher {
  /** Queues recalled here while the bus was down: other processes' clients missed them. */
  private readonly missed = new Set<string>();

  constructor(
    private readonly io: RecallSocketServer,
    private readonly bus?: RedisBus,
    private readonly log?: Logger,
  ) {}

  /** Without a bus the event is handed on at once, and the answer given at once too. */
  publish(event: RecallParametersUpdatedEvent): RecallBroadcast | Promise<RecallBroadcast> {
    const room = queueRoom(event.queue_id);
    if (!this.bus) {
      // With the in-process adapter an empty room means nobody anywhere listens, and encoding an
      // event for nobody cost a tenth of a recall. An adapter spanning processes always gets it.
      const adapter = this.io.of('/').adapter;
      if (isInProcessAdapter(adapter) && !adapter.rooms.has(room)) return 'delivered';
      this.io.to(room).emit('recall_parameters_updated', event);
      return 'delivered';
    }
    return this.publishOnBus(event, room, this.bus);
  }

  private async publishOnBus(event: RecallParametersUpdatedEvent, room: string, bus: RedisBus): Promise<RecallBroadcast> {
    if (bus.ready) {
      // The adapter emits to this process's clients as well as publishing; only the publish can fail.
      if (await bus.published(() => this.io.to(room).emit('recall_parameters_updated', event))) return 'delivered';
    } else {
      this.io.local.to(room).emit('recall_parameters_updated', event);
    }
    this.missed.add(event.queue_id);
    return 'local_only';
  }

  /**
   * After a bus outage: every queue recalled here during it gets its stored state broadcast to all
   * processes, and every queue with clients here gets its stored state sent to them (they may have
   * missed other processes' recalls). Each event is a full state at the stored revision, so clients
   * that already have it drop it as a repeat.
   */
  async resync(load: (queueId: string) => Promise<RecallParametersUpdatedEvent | null>): Promise<void> {
    const missed = new Set(this.missed);
    this.missed.clear();
    const queues = new Set([...missed, ...localQueueIds(this.io)]);
    let sent = 0;
    for (const queueId of queues) {
      try {
        const event = await load(queueId);
        if (!event) continue;
        if (missed.has(queueId)) await this.publish(event);
        else this.io.local.to(queueRoom(queueId)).emit('recall_parameters_updated', event);
        sent++;
      } catch (err) {
        if (missed.has(queueId)) this.missed.add(queueId);
        this.log?.warn({ err }, `Could not send the stored recall state of queue ${queueId} after the Redis outage`);
      }
    }
    this.log?.info(`Sent the stored recall state of ${sent} queue(s) after the Redis outage`);
  }
}
