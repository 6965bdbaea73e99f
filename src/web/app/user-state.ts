import { z } from 'zod';
import { zResolvedRecallParameters } from '../../shared/recall.js';
import { zCanvasState } from '../features/canvas/canvasSlice.js';
import { zLorasState } from '../features/loras/lorasSlice.js';
import { zParamsState } from '../features/params/paramsSlice.js';
import { zRefImagesState } from '../features/ref-images/refImagesSlice.js';
import type { RootState } from './store.js';

/** Client-state key (per queue) of the user's own state. Not `recall_*`: those keys are the server's. */
export const USER_STATE_KEY = 'web_ui_state';

/**
 * What survives a reload: the user's edits of every panel, plus the revision and baseline of the
 * recall they were made on, so a reload neither re-applies that recall nor misses a newer one.
 */
export const zUserState = z.object({
  version: z.literal(1),
  revision: z.number().int().min(0),
  baseline: zResolvedRecallParameters,
  params: zParamsState,
  loras: zLorasState,
  canvas: zCanvasState,
  refImages: zRefImagesState,
});
export type UserState = z.infer<typeof zUserState>;

export const selectUserState = (s: RootState): UserState => ({
  version: 1,
  revision: s.queue.revision,
  baseline: s.queue.baseline,
  params: s.params,
  loras: s.loras,
  canvas: s.canvas,
  refImages: s.refImages,
});

/** The parts of the store that make up the user state, for cheap change detection by reference. */
export const userStateParts = (s: RootState): readonly unknown[] => [s.queue.revision, s.queue.baseline, s.params, s.loras, s.canvas, s.refImages];

export type ParsedUserState = { ok: true; state: UserState } | { ok: false; error: string };

export function parseUserState(text: string): ParsedUserState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = zUserState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' };
  }
  return { ok: true, state: parsed.data };
}
