import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { recallApplied, type RecallApplied } from '../queue/queueSlice.js';
import { describeCounts, MAX_NOTICES, noticeShown } from './noticesSlice.js';

const applied = (over: Partial<RecallApplied> = {}): RecallApplied => ({
  source: 'event',
  revision: 1,
  recallId: 'r',
  baseline: {},
  counts: { parameters: 12, loras: 1, controlLayers: 1, ipAdapters: null, referenceImages: null },
  append: false,
  warnings: [],
  notes: [],
  at: 1,
  ...over,
});

describe('notices', () => {
  it('says what a recall changed', () => {
    const store = createAppStore();
    store.dispatch(recallApplied(applied()));
    expect(store.getState().notices.notices[0]).toMatchObject({ kind: 'recall', text: 'Applied 12 parameters, 1 LoRA, 1 control layer' });
  });

  it('names cleared and appended lists, and catch-ups', () => {
    expect(describeCounts({ parameters: 1, loras: 0, controlLayers: null, ipAdapters: 2, referenceImages: 1 }, true)).toBe('1 parameter, cleared LoRAs, 2 IP adapters (appended), 1 reference image (appended)');
    const store = createAppStore();
    store.dispatch(recallApplied(applied({ source: 'catch-up', revision: 7, counts: { parameters: 2, loras: null, controlLayers: null, ipAdapters: null, referenceImages: null } })));
    expect(store.getState().notices.notices[0]!.text).toBe('Caught up to recall #7: applied 2 parameters');
  });

  it('shows server warnings and the page’s own notes as details, marked as a warning', () => {
    const store = createAppStore();
    store.dispatch(recallApplied(applied({ warnings: [{ field: 'loras.0.model_name', code: 'MODEL_NOT_FOUND', message: "Could not find model 'x'" }], notes: ['Width 1000 snapped to 1008'] })));
    expect(store.getState().notices.notices[0]).toMatchObject({ kind: 'warning', details: ["Could not find model 'x'", 'Width 1000 snapped to 1008'] });
  });

  it('keeps only the latest few, newest first', () => {
    const store = createAppStore();
    for (let i = 0; i < MAX_NOTICES + 3; i++) store.dispatch(noticeShown('info', `n${i}`));
    const texts = store.getState().notices.notices.map((n) => n.text);
    expect(texts).toHaveLength(MAX_NOTICES);
    expect(texts[0]).toBe(`n${MAX_NOTICES + 2}`);
  });
});
