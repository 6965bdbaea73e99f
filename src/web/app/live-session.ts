import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { zQueueId } from '../../shared/queue.js';
import { zRecallParametersUpdatedEvent, type RecallParametersUpdatedEvent } from '../../shared/recall.js';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/socket-events.js';
import { modelsLoaded, modelsLoadFailed, modelsRequested } from '../features/models/modelsSlice.js';
import { noticeShown } from '../features/notices/noticesSlice.js';
import {
  queueSubscribed,
  queueSubscriptionFailed,
  queueSubscriptionRequested,
  revisionReset,
  socketConnected,
  socketDisconnected,
  socketReconnecting,
  userStateNotFound,
  userStateRestoreFailed,
} from '../features/queue/queueSlice.js';
import { queueSelected, userStateRestored } from './actions.js';
import type { RecallApi } from './api.js';
import { logger } from './logging.js';
import { applyRecall } from './recall/apply-recall.js';
import { diffRecall, mergeRecall } from './recall/baseline.js';
import { judgeRevision } from './recall/revision.js';
import { createSerialQueue } from './serial-queue.js';
import type { AppStore } from './store.js';
import { startUserStateSaver } from './user-state-saver.js';
import { parseUserState, USER_STATE_KEY } from './user-state.js';

const log = logger('socket');
const recallLog = logger('recall');
const persistenceLog = logger('persistence');
const modelsLog = logger('models');

type RecallSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveSessionOptions {
  /** Server origin; the page's own when omitted. */
  url?: string;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  saveDebounceMs?: number;
}

export interface LiveSession {
  /** Leaves the current queue and joins another: its saved state is restored, then its recalls caught up. */
  selectQueue(queueId: string): Promise<void>;
  reloadModels(): Promise<void>;
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
  const socketOptions: Partial<ManagerOptions & SocketOptions> = {
    path: SOCKET_PATH,
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

  async function loadModels(): Promise<void> {
    store.dispatch(modelsRequested());
    try {
      const models = await api.listModels();
      store.dispatch(modelsLoaded(models));
      modelsLog.debug({ count: models.length }, 'Loaded %d models', models.length);
    } catch (err) {
      modelsLog.error({ error: String(err) }, 'Could not load the model list');
      store.dispatch(modelsLoadFailed(String(err instanceof Error ? err.message : err)));
    }
  }

  async function restore(queue: string): Promise<void> {
    let text: string | null;
    try {
      text = await api.getClientState(queue, USER_STATE_KEY);
    } catch (err) {
      persistenceLog.error({ queue, error: String(err) }, 'Could not read the saved state');
      store.dispatch(userStateRestoreFailed());
      store.dispatch(noticeShown('error', `Could not load your saved settings for queue ${queue}; edits will not be saved until the page is reloaded.`));
      return;
    }
    if (queue !== queueId()) return;
    if (text === null) {
      persistenceLog.debug({ queue }, 'No saved state');
      store.dispatch(userStateNotFound());
      return;
    }
    const parsed = parseUserState(text);
    if (!parsed.ok) {
      persistenceLog.warn({ queue, error: parsed.error }, 'Saved state is unreadable; starting fresh');
      store.dispatch(userStateNotFound());
      store.dispatch(noticeShown('warning', 'Your saved settings could not be read and were reset.', [parsed.error]));
      return;
    }
    store.dispatch(userStateRestored(parsed.state));
    persistenceLog.debug({ queue, revision: parsed.state.revision }, 'Restored saved state at recall #%d', parsed.state.revision);
  }

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

  /** Applies whatever the stored recall has beyond what this page applied. */
  async function catchUp(reason: string): Promise<void> {
    const queue = queueId();
    let remote;
    try {
      remote = await api.getRecallState(queue);
    } catch (err) {
      recallLog.warn({ queue, reason, error: String(err) }, 'Catch-up failed; retrying');
      scheduleRetry();
      return;
    }
    if (queue !== queueId()) return;
    const { revision, baseline } = store.getState().queue;
    if (remote.revision > revision) {
      const changes = diffRecall(revision > 0 ? baseline : null, remote.parameters);
      recallLog.info({ queue, reason, from: revision, to: remote.revision }, 'Catching up from recall #%d to #%d', revision, remote.revision);
      await applyRecall(store, api, changes, {
        source: 'catch-up',
        revision: remote.revision,
        recallId: null,
        warnings: remote.warnings,
        baseline: remote.parameters,
      });
    } else if (remote.revision < revision) {
      recallLog.warn({ queue, local: revision, remote: remote.revision }, 'The server forgot recalls this page applied; following its count');
      store.dispatch(revisionReset({ revision: remote.revision, baseline: remote.parameters }));
    } else {
      recallLog.debug({ queue, revision }, 'Up to date at recall #%d', revision);
    }
  }

  function scheduleRetry(): void {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (socket.connected) void tasks.run(() => catchUp('retry'));
    }, 2000);
  }

  async function handleEvent(raw: unknown): Promise<void> {
    const parsed = zRecallParametersUpdatedEvent.safeParse(raw);
    if (!parsed.success) {
      recallLog.error({ issue: parsed.error.issues[0]?.message }, 'Ignoring a malformed recall_parameters_updated event');
      return;
    }
    const event: RecallParametersUpdatedEvent = parsed.data;
    if (event.queue_id !== queueId()) {
      recallLog.debug({ queue: event.queue_id }, 'Ignoring an event of queue %s', event.queue_id);
      return;
    }
    const { revision, baseline } = store.getState().queue;
    const verdict = judgeRevision(revision, event.revision);
    recallLog.debug({ revision: event.revision, applied: revision, verdict, recallId: event.recall_id }, 'Event for recall #%d: %s', event.revision, verdict);
    if (verdict === 'repeat') return;
    if (verdict === 'gap') return catchUp(`missed recalls ${revision + 1}..${event.revision - 1}`);
    await applyRecall(store, api, event.parameters, {
      source: 'event',
      revision: event.revision,
      recallId: event.recall_id,
      warnings: event.warnings,
      baseline: mergeRecall(baseline, event.parameters),
    });
  }

  socket.on('connect', () => {
    log.info({ id: socket.id }, 'Connected');
    store.dispatch(socketConnected());
    saver.retryFailed();
    const reconnect = connectedOnce;
    connectedOnce = true;
    void tasks.run(async () => {
      if (reconnect) await loadModels();
      const queue = queueId();
      await subscribe(queue);
      await catchUp(reconnect ? 'reconnected' : 'connected');
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
  });
  socket.io.on('reconnect_attempt', (attempt) => {
    log.debug({ attempt }, 'Reconnecting (attempt %d)', attempt);
    store.dispatch(socketReconnecting());
  });
  socket.on('recall_parameters_updated', (event) => {
    void tasks.run(() => handleEvent(event));
  });

  void tasks.run(loadModels);
  void tasks.run(() => restore(queueId()));
  socket.connect();

  return {
    selectQueue: (next) =>
      tasks.run(async () => {
        const parsed = zQueueId.safeParse(next);
        if (!parsed.success) throw new Error(`Invalid queue id ${JSON.stringify(next)}: ${parsed.error.issues[0]?.message}`);
        const previous = queueId();
        if (parsed.data === previous) return;
        await saver.flush();
        if (socket.connected) socket.emit('unsubscribe_queue', { queue_id: previous });
        store.dispatch(queueSelected(parsed.data));
        log.info({ from: previous, to: parsed.data }, 'Switched to queue %s', parsed.data);
        await restore(parsed.data);
        if (socket.connected) {
          await subscribe(parsed.data);
          await catchUp('queue selected');
        }
      }),
    reloadModels: () => tasks.run(loadModels),
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
