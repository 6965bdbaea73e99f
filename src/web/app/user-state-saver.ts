import { userStateSaved, userStateSaveFailed, userStateSaveScheduled, userStateSaveStarted } from '../features/queue/queueSlice.js';
import type { RecallApi } from './api.js';
import { logger } from './logging.js';
import type { AppStore } from './store.js';
import { selectUserState, USER_STATE_KEY, userStateParts } from './user-state.js';

const log = logger('persistence');

/** keepalive requests may carry at most 64 KiB; a bigger state is sent as an ordinary request. */
const KEEPALIVE_MAX_BYTES = 60_000;

export interface UserStateSaver {
  /** Sends a pending save now and waits for every save to finish. */
  flush(opts?: { keepalive?: boolean }): Promise<void>;
  /** Saves again if the last save failed (the server is back). */
  retryFailed(): void;
  stop(): void;
}

/**
 * Saves the user's state of the current queue through the client-state routes, a moment after the
 * last change (so typing is one save, not one per key). Nothing is saved before the queue's saved
 * state was read back, so an early save cannot overwrite it with defaults.
 */
export function startUserStateSaver(store: AppStore, api: RecallApi, debounceMs = 400): UserStateSaver {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pendingQueue: string | null = null;
  let chain: Promise<void> = Promise.resolve();
  let lastParts = userStateParts(store.getState());
  let lastQueue = store.getState().queue.queueId;
  let wasRestored = store.getState().queue.restore === 'done';

  const save = (keepalive: boolean) => {
    const queueId = pendingQueue;
    pendingQueue = null;
    if (timer) clearTimeout(timer);
    timer = null;
    if (!queueId) return chain;
    // Read the state when sending, not when scheduling: the latest edit wins.
    const state = store.getState();
    if (state.queue.queueId !== queueId) return chain;
    const text = JSON.stringify(selectUserState(state));
    chain = chain.then(async () => {
      store.dispatch(userStateSaveStarted());
      try {
        await api.setClientState(queueId, USER_STATE_KEY, text, { keepalive: keepalive && text.length < KEEPALIVE_MAX_BYTES });
        log.debug({ queueId, chars: text.length }, 'Saved user state');
        if (store.getState().queue.queueId === queueId) store.dispatch(pendingQueue ? userStateSaveScheduled() : userStateSaved());
      } catch (err) {
        log.error({ queueId, error: String(err) }, 'Could not save user state');
        if (store.getState().queue.queueId === queueId) store.dispatch(userStateSaveFailed());
      }
    });
    return chain;
  };

  const unsubscribe = store.subscribe(() => {
    const state = store.getState();
    const parts = userStateParts(state);
    const changed = parts.some((p, i) => p !== lastParts[i]);
    const restored = state.queue.restore === 'done';
    const sameQueue = state.queue.queueId === lastQueue;
    const justRestored = restored && !wasRestored;
    lastParts = parts;
    lastQueue = state.queue.queueId;
    wasRestored = restored;
    // A restore or a queue switch is not an edit; neither is anything before the restore.
    if (!changed || !restored || justRestored || !sameQueue) return;
    if (state.queue.save !== 'pending') store.dispatch(userStateSaveScheduled());
    pendingQueue = state.queue.queueId;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void save(false), debounceMs);
  });

  return {
    flush: (opts) => save(opts?.keepalive ?? false),
    retryFailed: () => {
      const state = store.getState();
      if (state.queue.save !== 'failed' || state.queue.restore !== 'done') return;
      pendingQueue = state.queue.queueId;
      void save(false);
    },
    stop: () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
}
