import { describe, expect, it } from 'vitest';
import type { ResolvedRecallParameters } from '../../../shared/recall.js';
import { mainModelRecalled } from '../../features/params/paramsSlice.js';
import { controlLayer, image, ipAdapter, lora, model } from '../../test-support/recall-fixtures.js';
import { createAppStore } from '../store.js';
import { planRecall, type RecallContext } from './plan-recall.js';

const sd15 = model('sd-1.5', 'sd-1');
const klein = model('FLUX.2 Klein', 'flux2');
const schnell = model('FLUX Schnell', 'flux');
const models = Object.fromEntries([sd15, klein, schnell, model('sdxl-vae', 'sdxl', 'vae'), model('refiner', 'sdxl-refiner')].map((m) => [m.key, m]));
const ctx = (over: Partial<RecallContext> = {}): RecallContext => ({ models, currentMainModel: sd15, ipAdapterModels: [model('sd15-ip', 'sd-1', 'ip_adapter')], ...over });

/** Plans a recall against the store's current main model and dispatches it, as the live session does. */
function apply(store: ReturnType<typeof createAppStore>, p: ResolvedRecallParameters, over: Partial<RecallContext> = {}) {
  const plan = planRecall(p, ctx({ currentMainModel: store.getState().params.model, ...over }));
  for (const a of plan.actions) store.dispatch(a);
  return plan;
}

const complete: ResolvedRecallParameters = {
  positive_prompt: 'masterpiece',
  negative_prompt: 'blurry',
  model: schnell.key,
  steps: 25,
  cfg_scale: 8,
  width: 1024,
  height: 768,
  seed: 42,
  loras: [lora('add-detail-xl', 0.6)],
  control_layers: [controlLayer('controlnet-depth-sdxl-1.0', 'controlnet', { image: image('depth_map.png', 1024, 768), end_step_percent: 0.7 })],
  ip_adapters: [ipAdapter('ip-adapter-plus-face_sd15', { image: image('style_reference.png'), weight: 0.5, method: 'style' })],
};

describe('planRecall', () => {
  it('dispatches the main model first, then scalars, LoRAs, control layers, IP adapters and reference images', () => {
    const plan = planRecall({ ...complete, reference_images: [{ image: image('r.png') }] }, ctx());
    expect(plan.actions.map((a) => a.type)).toEqual([
      'params/mainModelRecalled',
      'params/paramsRecalled',
      'loras/lorasRecalled',
      'canvas/controlLayersRecalled',
      'refImages/ipAdaptersRecalled',
      'refImages/referenceImagesRecalled',
    ]);
  });

  it('applies the spec’s complete configuration to every slice', () => {
    const store = createAppStore();
    const plan = apply(store, complete);
    const s = store.getState();
    expect(s.params.model).toEqual(schnell);
    expect(s.params.values).toMatchObject({ positive_prompt: 'masterpiece', negative_prompt: 'blurry', steps: 25, cfg_scale: 8, width: 1024, height: 768, seed: 42 });
    expect(s.loras.loras.map((l) => [l.model.name, l.weight])).toEqual([['add-detail-xl', 0.6]]);
    expect(s.canvas.layers).toHaveLength(1);
    expect(s.refImages.entries[0]).toMatchObject({ image: { image_name: 'style_reference.png' }, config: { type: 'ip_adapter', weight: 0.5, method: 'style' } });
    expect(plan.counts).toEqual({ parameters: 8, loras: 1, controlLayers: 1, ipAdapters: 1, referenceImages: null });
  });

  it('judges model-free reference images against the main model of the same recall, not the previous one', () => {
    const store = createAppStore();
    store.dispatch(mainModelRecalled(sd15));
    apply(store, { model: klein.key, reference_images: [{ image: image('style_reference.png') }] });
    expect(store.getState().refImages.entries[0]!.config).toEqual({ type: 'flux2_reference_image' });
  });

  it('judges them against the current main model when the recall carries none', () => {
    const store = createAppStore();
    store.dispatch(mainModelRecalled(sd15));
    apply(store, { reference_images: [{ image: image('a.png') }] });
    expect(store.getState().refImages.entries[0]!.config).toMatchObject({ type: 'ip_adapter', model: { name: 'sd15-ip' } });
  });

  it('snaps the size on the grid of the recall’s own main model and says so', () => {
    const store = createAppStore();
    const plan = apply(store, { model: schnell.key, width: 1000, height: 600 });
    expect(store.getState().params.values).toMatchObject({ width: 1008, height: 608 });
    expect(plan.notes).toContain('Width 1000 snapped to 1008 (multiples of 16 for FLUX)');
    expect(plan.notes).toContain('Height 600 snapped to 608 (multiples of 16 for FLUX)');
  });

  it('notes LoRAs and adapters whose base does not match the new main model, without dropping them', () => {
    const store = createAppStore();
    const plan = apply(store, complete);
    expect(plan.notes).toEqual([
      'LoRA add-detail-xl (SDXL) does not match FLUX Schnell (FLUX)',
      'Control adapter controlnet-depth-sdxl-1.0 (SDXL) does not match FLUX Schnell (FLUX)',
      'IP adapter ip-adapter-plus-face_sd15 (SD 1.x) does not match FLUX Schnell (FLUX)',
    ]);
    expect(store.getState().loras.loras).toHaveLength(1);
  });

  it('keeps the current main model when the recalled key is unknown, and applies the rest', () => {
    const store = createAppStore();
    store.dispatch(mainModelRecalled(sd15));
    const plan = apply(store, { model: 'no-such-key', steps: 12 });
    expect(store.getState().params.model).toEqual(sd15);
    expect(store.getState().params.values.steps).toBe(12);
    expect(plan.notes[0]).toMatch(/no-such-key is not in the model list/);
    expect(plan.counts.parameters).toBe(1);
  });

  it('applies refiner and VAE models by key', () => {
    const store = createAppStore();
    apply(store, { refiner_model: 'key-refiner', vae_model: 'key-sdxl-vae', refiner_steps: 10 });
    expect(store.getState().params.refinerModel?.name).toBe('refiner');
    expect(store.getState().params.vae?.name).toBe('sdxl-vae');
  });

  it('passes append on to both reference image lists', () => {
    const store = createAppStore();
    apply(store, { ip_adapters: [ipAdapter('a')], reference_images: [{ image: image('x.png') }] });
    apply(store, { ip_adapters: [ipAdapter('b')], reference_images: [{ image: image('y.png') }], append: true });
    expect(store.getState().refImages.entries.map((e) => e.image?.image_name ?? e.config.type)).toEqual(['ip_adapter', 'x.png', 'ip_adapter', 'y.png']);
  });

  it('plans the same actions for the same payload (deterministic, whatever the lookup order was)', () => {
    const strip = (p: ReturnType<typeof planRecall>) => JSON.stringify(p.actions, (k, v) => (k === 'id' ? undefined : v));
    expect(strip(planRecall(complete, ctx()))).toBe(strip(planRecall(complete, ctx())));
  });
});
