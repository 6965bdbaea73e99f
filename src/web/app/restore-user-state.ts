import { noticeShown } from '../features/notices/noticesSlice.js';
import { userStateNotFound, userStateRestoreFailed } from '../features/queue/queueSlice.js';
import { userStateRestored } from './actions.js';
import { ApiError, type RecallApi } from './api.js';
import { logger } from './logging.js';
import type { AppStore } from './store.js';
import { parseUserState, USER_STATE_KEY } from './user-state.js';

const log = logger('persistence');

/** What reading a queue's saved state came to: its text (null: none saved), or the error. */
export type SavedUserState = { ok: true; text: string | null } | { ok: false; error: unknown };

export async function readUserState(api: RecallApi, queue: string): Promise<SavedUserState> {
  try {
    return { ok: true, text: await api.getClientState(queue, USER_STATE_KEY) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The server said this token may not use the queue (403): its message says which queues it may. */
export const isForbidden = (err: unknown): err is ApiError => err instanceof ApiError && err.status === 403;

/**
 * Puts a queue's saved state (read by readUserState) into the store. A read that failed turns saving
 * off (a save would overwrite the state that could not be read); an unreadable state is dropped.
 */
export function applyUserState(store: AppStore, queue: string, saved: SavedUserState): void {
  if (!saved.ok) {
    const { error } = saved;
    log.error({ queue, error: String(error) }, 'Could not read the saved state');
    store.dispatch(userStateRestoreFailed());
    // A missing token is asked for by the token prompt; it is read again once there is one.
    if (error instanceof ApiError && error.status === 401) return;
    const text = isForbidden(error)
      ? `Cannot open queue ${queue}: ${error.message}`
      : `Could not load your saved settings for queue ${queue}; edits will not be saved until the page is reloaded.`;
    store.dispatch(noticeShown('error', text));
    return;
  }
  if (queue !== store.getState().queue.queueId) return;
  if (saved.text === null) {
    log.debug({ queue }, 'No saved state');
    store.dispatch(userStateNotFound());
    return;
  }
  const parsed = parseUserState(saved.text);
  if (!parsed.ok) {
    log.warn({ queue, error: parsed.error }, 'Saved state is unreadable; starting fresh');
    store.dispatch(userStateNotFound());
    store.dispatch(noticeShown('warning', 'Your saved settings could not be read and were reset.', [parsed.error]));
    return;
  }
  store.dispatch(userStateRestored(parsed.state));
  log.debug({ queue, revision: parsed.state.revision }, 'Restored saved state at recall #%d', parsed.state.revision);
}

/** Reads the user's saved state of a queue back into the store. */
export async function restoreUserState(store: AppStore, api: RecallApi, queue: string): Promise<void> {
  applyUserState(store, queue, await readUserState(api, queue));
}
