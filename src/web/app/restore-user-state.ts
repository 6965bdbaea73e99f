import { noticeShown } from '../features/notices/noticesSlice.js';
import { userStateNotFound, userStateRestoreFailed } from '../features/queue/queueSlice.js';
import { userStateRestored } from './actions.js';
import type { RecallApi } from './api.js';
import { logger } from './logging.js';
import type { AppStore } from './store.js';
import { parseUserState, USER_STATE_KEY } from './user-state.js';

const log = logger('persistence');

/**
 * Reads the user's saved state of a queue back into the store. A read that fails turns saving off
 * (a save would overwrite the state that could not be read); an unreadable state is dropped.
 */
export async function restoreUserState(store: AppStore, api: RecallApi, queue: string): Promise<void> {
  let text: string | null;
  try {
    text = await api.getClientState(queue, USER_STATE_KEY);
  } catch (err) {
    log.error({ queue, error: String(err) }, 'Could not read the saved state');
    store.dispatch(userStateRestoreFailed());
    store.dispatch(noticeShown('error', `Could not load your saved settings for queue ${queue}; edits will not be saved until the page is reloaded.`));
    return;
  }
  if (queue !== store.getState().queue.queueId) return;
  if (text === null) {
    log.debug({ queue }, 'No saved state');
    store.dispatch(userStateNotFound());
    return;
  }
  const parsed = parseUserState(text);
  if (!parsed.ok) {
    log.warn({ queue, error: parsed.error }, 'Saved state is unreadable; starting fresh');
    store.dispatch(userStateNotFound());
    store.dispatch(noticeShown('warning', 'Your saved settings could not be read and were reset.', [parsed.error]));
    return;
  }
  store.dispatch(userStateRestored(parsed.state));
  log.debug({ queue, revision: parsed.state.revision }, 'Restored saved state at recall #%d', parsed.state.revision);
}
