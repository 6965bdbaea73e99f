import { describe, expect, it } from 'vitest';
import { queueSelected, userStateRestored } from './actions.js';
import { lorasRecalled } from '../features/loras/lorasSlice.js';
import { paramsRecalled } from '../features/params/paramsSlice.js';
import { recallApplied } from '../features/queue/queueSlice.js';
import { lora } from '../test-support/recall-fixtures.js';
import { createAppStore } from './store.js';
import { parseUserState, selectUserState } from './user-state.js';

describe('user state', () => {
  it('round-trips through JSON into a fresh store, with the applied revision and baseline', () => {
    const a = createAppStore('q1');
    a.dispatch(paramsRecalled({ values: { positive_prompt: 'edited', width: 768 } }));
    a.dispatch(lorasRecalled([lora('x', 0.3)]));
    a.dispatch(
      recallApplied({ source: 'event', revision: 4, recallId: 'r', baseline: { steps: 3 }, counts: { parameters: 1, loras: null, controlLayers: null, ipAdapters: null, referenceImages: null }, append: false, warnings: [], notes: [], at: 0 }),
    );
    const text = JSON.stringify(selectUserState(a.getState()));
    const parsed = parseUserState(text);
    expect(parsed.ok).toBe(true);
    const b = createAppStore('q1');
    if (parsed.ok) b.dispatch(userStateRestored(parsed.state));
    expect(selectUserState(b.getState())).toEqual(selectUserState(a.getState()));
    expect(b.getState().queue).toMatchObject({ revision: 4, restore: 'done' });
  });

  it('refuses saved state that is not JSON or does not match the shape, saying where', () => {
    expect(parseUserState('{')).toEqual({ ok: false, error: 'not JSON' });
    const bad = parseUserState(JSON.stringify({ ...selectUserState(createAppStore().getState()), loras: { loras: [{ id: 'x' }] } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^loras\.loras\.0\./);
  });

  it('starts every per-queue slice over when the queue changes', () => {
    const store = createAppStore();
    store.dispatch(paramsRecalled({ values: { positive_prompt: 'x' } }));
    store.dispatch(lorasRecalled([lora('x')]));
    store.dispatch(queueSelected('other'));
    const s = store.getState();
    expect(s.params.values.positive_prompt).toBe('');
    expect(s.loras.loras).toEqual([]);
    expect(s.queue).toMatchObject({ queueId: 'other', revision: 0, restore: 'pending' });
  });
});
