import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { lora, model } from '../../test-support/recall-fixtures.js';
import { loraAdded, loraIsEnabledChanged, loraRemoved, lorasRecalled, loraWeightChanged } from './lorasSlice.js';

describe('loras slice', () => {
  it('replaces the whole list with a recall, in request order', () => {
    const store = createAppStore();
    store.dispatch(loraAdded(model('mine', 'sdxl', 'lora')));
    store.dispatch(lorasRecalled([lora('b', 0.8), lora('a', 0.5), { ...lora('c'), is_enabled: false }]));
    const loras = store.getState().loras.loras;
    expect(loras.map((l) => [l.model.name, l.weight, l.isEnabled])).toEqual([
      ['b', 0.8, true],
      ['a', 0.5, true],
      ['c', 0.75, false],
    ]);
    expect(new Set(loras.map((l) => l.id)).size).toBe(3);
  });

  it('clears the list when a recall sends an empty one', () => {
    const store = createAppStore();
    store.dispatch(lorasRecalled([lora('a')]));
    store.dispatch(lorasRecalled([]));
    expect(store.getState().loras.loras).toEqual([]);
  });

  it('adds a LoRA once at the default weight, edits, toggles and removes it', () => {
    const store = createAppStore();
    const m = model('detail', 'sdxl', 'lora');
    store.dispatch(loraAdded(m));
    store.dispatch(loraAdded(m));
    const [entry] = store.getState().loras.loras;
    expect(store.getState().loras.loras).toHaveLength(1);
    expect(entry).toMatchObject({ model: m, weight: 0.75, isEnabled: true });
    store.dispatch(loraWeightChanged({ id: entry!.id, weight: 25 }));
    store.dispatch(loraIsEnabledChanged({ id: entry!.id, isEnabled: false }));
    expect(store.getState().loras.loras[0]).toMatchObject({ weight: 10, isEnabled: false });
    store.dispatch(loraRemoved(entry!.id));
    expect(store.getState().loras.loras).toEqual([]);
  });
});
