import { createAction } from '@reduxjs/toolkit';
import type { UserState } from './user-state.js';

/*
 * Actions that several slices answer. Each slice owns its own actions; these two are about the
 * page as a whole.
 */

/** The page switched to another queue: per-queue state starts over until that queue's state is restored. */
export const queueSelected = createAction<string>('queue/queueSelected');

/** The user's saved state of the current queue was read back from the client-state store. */
export const userStateRestored = createAction<UserState>('app/userStateRestored');
