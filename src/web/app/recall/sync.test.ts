import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../shared/models.js';
import type { RecallParametersUpdatedEvent, ResolvedRecallParameters } from '../../../shared/recall.js';
import { modelsLoaded } from '../../features/models/modelsSlice.js';
import { createApi } from '../api.js';
import { createAppStore } from '../store.js';
import { handleRecallEvent } from './sync.js';

// Events here name only models the store already knows, so the page never needs to ask a server.
const offline = createApi('http://127.0.0.1:9');

const event = (revision: number, parameters: ResolvedRecallParameters, queue_id = 'default'): RecallParametersUpdatedEvent => ({
  timestamp: 1,
  queue_id,
  user_id: 'system',
  revision,
  recall_id: `r${revision}`,
  parameters,
  warnings: [],
});

const config = (key: string, name: string, base: ModelConfig['base']): ModelConfig => ({
  key,
  hash: null,
  hashes: { blake3: null, sha256: null, autov2: null, autov1: null, autov3: null },
  path: `${name}.safetensors`,
  file_size: 1,
  name,
  description: null,
  source: name,
  base,
  type: 'main',
  format: 'checkpoint',
  missing: false,
  created_at: '',
  updated_at: '',
});

describe('handleRecallEvent', () => {
  it('applies the next revision once and skips it when it comes again', async () => {
    const store = createAppStore();
    expect(await handleRecallEvent(store, offline, event(1, { steps: 12 }))).toBe('applied');
    expect(await handleRecallEvent(store, offline, event(1, { steps: 12 }))).toBe('repeat');
    expect(await handleRecallEvent(store, offline, event(2, { seed: 3 }))).toBe('applied');
    const s = store.getState();
    expect(s.queue.revision).toBe(2);
    expect(s.queue.baseline).toEqual({ steps: 12, seed: 3 });
    expect(s.notices.notices).toHaveLength(2);
  });

  it('reports a gap instead of applying an event that skips revisions', async () => {
    const store = createAppStore();
    expect(await handleRecallEvent(store, offline, event(3, { steps: 12 }))).toBe('gap');
    expect(store.getState().queue.revision).toBe(0);
    expect(store.getState().params.values.steps).toBe(30);
  });

  it('ignores events of other queues and malformed events', async () => {
    const store = createAppStore('mine');
    expect(await handleRecallEvent(store, offline, event(1, { steps: 12 }, 'theirs'))).toBe('ignored');
    expect(await handleRecallEvent(store, offline, { queue_id: 'mine', revision: 'one' })).toBe('ignored');
    expect(store.getState().queue.revision).toBe(0);
  });

  it('selects the main model by key, then applies the rest against it', async () => {
    const store = createAppStore();
    store.dispatch(modelsLoaded([config('k-klein', 'FLUX.2 Klein', 'flux2')]));
    await handleRecallEvent(store, offline, event(1, { model: 'k-klein', width: 1000, reference_images: [{ image: { image_name: 'a.png', width: 8, height: 8 } }] }));
    const s = store.getState();
    expect(s.params.model).toEqual({ key: 'k-klein', name: 'FLUX.2 Klein', base: 'flux2', type: 'main' });
    expect(s.params.values.width).toBe(1008);
    expect(s.refImages.entries[0]!.config.type).toBe('flux2_reference_image');
  });
});
