import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { zQueueId } from '../../shared/queue.js';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/socket-events.js';
import { tokenRequired } from '../features/auth/authSlice.js';
import { loadModels } from '../features/models/load-models.js';
import { noticeShown } from '../features/notices/noticesSlice.js';
import {
  queueSubscribed,
  queueSubscriptionFailed,
  queueSubscriptionRequested,
  socketConnected,
  socketDisconnected,
  socketReconnecting,
} from '../features/queue/queueSlice.js';
import { queueSelected } from './actions.js';
import type { RecallApi } from './api.js';
import { logger } from './logging.js';
import { catchUp, handleRecallEvent } from './recall/sync.js';
import { applyUserState, isForbidden, readUserState, restoreUserState } from './restore-user-state.js';
import { createSerialQueue } from './serial-queue.js';
import type { AppStore } from './store.js';
import { startUserStateSaver } from './user-state-saver.js';

const log = logger('socket');

type RecallSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveSessionOptions {
  /** Server origin; the page's own when omitted. */
  url?: string;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  saveDebounceMs?: number;
  /** The access token to connect with, read at each (re)connection; none when omitted. */
  token?: () => string | null;
}

export interface LiveSession {
  /** Leaves the current queue and joins another: its saved state is restored, then its recalls caught up. */
  selectQueue(queueId: string): Promise<void>;
  reloadModels(): Promise<void>;
  /** The token changed (entered, replaced or forgotten): connects again with it, then reloads what failed without it. */
  reauthenticate(): void;
  /** Saves pending edits now (keepalive: usable while the page unloads). */
  flush(opts?: { keepalive?: boolean }): Promise<void>;
  /** Resolves when all queued work (events, catch-ups, switches) has finished. */
  idle(): Promise<void>;
  close(): void;
}

/**
 * Connects the store to the server: joins the queue's Socket.IO room, turns each
 * `recall_parameters_updated` event into store actions, and catches up from the stored recall
 * whenever it (re)connects or sees a gap in revisions, so no recall is lost and none applied twice.
 */
export function startLiveSession(store: AppStore, api: RecallApi, opts: LiveSessionOptions = {}): LiveSession {
  const tasks = createSerialQueue((err) => {
    log.error({ error: String(err) }, 'Unexpected error while applying an update');
    store.dispatch(noticeShown('error', `Something went wrong applying an update: ${String(err)}`));
  });
  const saver = startUserStateSaver(store, api, opts.saveDebounceMs);
  const token = opts.token ?? (() => null);
  /** The token of the last handshake, so a refusal of a token replaced since is not reported. */
  let handshakeToken: string | null = null;
  const socketOptions: Partial<ManagerOptions & SocketOptions> = {
    path: SOCKET_PATH,
    // A function, so each reconnection sends the token in use then (InvokeAI clients send `auth: {token}`).
    auth: (cb) => {
      handshakeToken = token();
      cb(handshakeToken ? { token: handshakeToken } : {});
    },
    autoConnect: false,
    // Come back quickly after a short drop; the catch-up on connect covers what was missed.
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    ...opts.socketOptions,
  };
  const socket: RecallSocket = opts.url ? io(opts.url, socketOptions) : io(socketOptions);
  const queueId = () => store.getState().queue.queueId;
  let connectedOnce = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  async function subscribe(queue: string): Promise<void> {
    store.dispatch(queueSubscriptionRequested());
    try {
      const ack = await socket.timeout(5000).emitWithAck('subscribe_queue', { queue_id: queue });
      if (queue !== queueId()) return;
      if (ack.ok) {
        store.dispatch(queueSubscribed());
        log.debug({ queue }, 'Subscribed to queue %s', queue);
      } else {
        store.dispatch(queueSubscriptionFailed());
        store.dispatch(noticeShown('error', `The server refused queue ${queue}: ${ack.error}`));
      }
    } catch (err) {
      log.warn({ queue, error: String(err) }, 'No answer to subscribe_queue');
      if (queue === queueId()) store.dispatch(queueSubscriptionFailed());
    }
  }

  /** Catches up now, and again in a moment if the server could not be asked. */
  async function catchUpOrRetry(reason: string): Promise<void> {
    if ((await catchUp(store, api, reason)) || retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (socket.connected) void tasks.run(() => catchUpOrRetry('retry'));
    }, 2000);
  }

  socket.on('connect', () => {
    log.info({ id: socket.id }, 'Connected');
    store.dispatch(socketConnected());
    saver.retryFailed();
    const reconnect = connectedOnce;
    connectedOnce = true;
    void tasks.run(async () => {
      // What failed before this connection (the server was away, or wanted a token) is loaded again.
      if (reconnect || store.getState().models.status === 'failed') await loadModels(store, api);
      if (store.getState().queue.restore === 'failed') await restoreUserState(store, api, queueId());
      await subscribe(queueId());
      await catchUpOrRetry(reconnect ? 'reconnected' : 'connected');
    });
  });
  socket.on('disconnect', (reason) => {
    log.warn({ reason }, 'Disconnected: %s', reason);
    store.dispatch(socketDisconnected(reason));
    // The server closed us on purpose (e.g. a restart): socket.io does not retry that by itself.
    if (reason === 'io server disconnect' && !closed) socket.connect();
  });
  socket.on('connect_error', (err) => {
    log.warn({ error: err.message }, 'Cannot connect: %s', err.message);
    store.dispatch(socketDisconnected(err.message));
    // A refused handshake is not retried by socket.io: the page connects again once it has a token.
    const code = (err as Error & { data?: { code?: unknown } }).data?.code;
    if (code === 'RECALL_ERR_UNAUTHORIZED' && handshakeToken === token()) store.dispatch(tokenRequired(err.message));
  });
  socket.io.on('reconnect_attempt', (attempt) => {
    log.debug({ attempt }, 'Reconnecting (attempt %d)', attempt);
    store.dispatch(socketReconnecting());
  });
  socket.on('recall_parameters_updated', (event) => {
    void tasks.run(async () => {
      const outcome = await handleRecallEvent(store, api, event);
      if (outcome === 'gap') await catchUpOrRetry('missed recalls');
    });
  });

  void tasks.run(() => loadModels(store, api));
  void tasks.run(() => restoreUserState(store, api, queueId()));
  socket.connect();

  return {
    selectQueue: (next) =>
      tasks.run(async () => {
        const parsed = zQueueId.safeParse(next);
        if (!parsed.success) throw new Error(`Invalid queue id ${JSON.stringify(next)}: ${parsed.error.issues[0]?.message}`);
        const previous = queueId();
        if (parsed.data === previous) return;
        await saver.flush();
        // Read first: a queue this token may not use leaves the page as it is (docs/security.md).
        const saved = await readUserState(api, parsed.data);
        if (!saved.ok && isForbidden(saved.error)) {
          log.warn({ queue: parsed.data }, 'Not allowed to use queue %s', parsed.data);
          store.dispatch(noticeShown('error', `Cannot open queue ${parsed.data}: ${saved.error.message}`));
          return;
        }
        if (socket.connected) socket.emit('unsubscribe_queue', { queue_id: previous });
        store.dispatch(queueSelected(parsed.data));
        log.info({ from: previous, to: parsed.data }, 'Switched to queue %s', parsed.data);
        applyUserState(store, parsed.data, saved);
        if (socket.connected) {
          await subscribe(parsed.data);
          await catchUpOrRetry('queue selected');
        }
      }),
    reloadModels: () => tasks.run(() => loadModels(store, api)),
    reauthenticate: () => {
      if (closed) return;
      log.info('Connecting again with the new token');
      // 'io client disconnect' is not retried by socket.io; connect() starts over with the token now in use.
      if (socket.connected) socket.disconnect();
      socket.connect();
    },
    flush: (o) => saver.flush(o),
    idle: () => tasks.idle(),
    close: () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      saver.stop();
      socket.close();
    },
  };
}
