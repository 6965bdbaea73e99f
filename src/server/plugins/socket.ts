import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import {
  queueRoom,
  SOCKET_PATH,
  zSubscribeQueue,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '../../shared/socket-events.js';
import type { RecallBroadcast, RecallParametersUpdatedEvent } from '../../shared/recall.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import type { RedisBus } from './redis-bus.js';

export type RecallSocketServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface SocketOptions {
  /** Origins allowed to open a socket from a browser; `true` reflects any origin. */
  corsOrigin: string[] | boolean;
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
    cors: { origin: options.corsOrigin },
    serveClient: false,
    ...(options.adapter ? { adapter: options.adapter } : {}),
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

  async publish(event: RecallParametersUpdatedEvent): Promise<RecallBroadcast> {
    const room = queueRoom(event.queue_id);
    if (!this.bus) {
      this.io.to(room).emit('recall_parameters_updated', event);
      return 'delivered';
    }
    if (this.bus.ready) {
      // The adapter emits to this process's clients as well as publishing; only the publish can fail.
      if (await this.bus.published(() => this.io.to(room).emit('recall_parameters_updated', event))) return 'delivered';
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
