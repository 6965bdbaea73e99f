import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { image, ipAdapter, model } from '../../test-support/recall-fixtures.js';
import { ipAdapterConfig } from './ref-image-config.js';
import { ipAdaptersRecalled, referenceImagesRecalled, refImageAdded, refImageModelChanged } from './refImagesSlice.js';

const klein = model('FLUX.2 Klein', 'flux2');
const refs = (...names: string[]) => names.map((n) => ({ image: image(n) }));
const summary = (store: ReturnType<typeof createAppStore>) => store.getState().refImages.entries.map((e) => `${e.origin}:${e.config.type}:${e.image?.image_name ?? '-'}`);

describe('reference images slice', () => {
  it('replaces the recalled IP adapters, keeping their images', () => {
    const store = createAppStore();
    store.dispatch(ipAdaptersRecalled([ipAdapter('a', { image: image('one.png') }), ipAdapter('b', { image: image('two.png') })], false));
    store.dispatch(ipAdaptersRecalled([ipAdapter('c', { image: image('three.png') })], false));
    expect(summary(store)).toEqual(['ip_adapters:ip_adapter:three.png']);
  });

  it('appends IP adapters when the event says append', () => {
    const store = createAppStore();
    store.dispatch(ipAdaptersRecalled([ipAdapter('a', { image: image('one.png') })], false));
    store.dispatch(ipAdaptersRecalled([ipAdapter('b', { image: image('two.png') })], true));
    expect(summary(store)).toEqual(['ip_adapters:ip_adapter:one.png', 'ip_adapters:ip_adapter:two.png']);
  });

  it('replaces or appends model-free reference images, each list touching only its own entries', () => {
    const store = createAppStore();
    store.dispatch(ipAdaptersRecalled([ipAdapter('a', { image: image('ip.png') })], false));
    store.dispatch(refImageAdded(ipAdapterConfig(null), image('mine.png')));
    store.dispatch(referenceImagesRecalled({ entries: refs('r1.png', 'r2.png'), append: false, mainModel: klein, ipAdapterModels: [] }));
    store.dispatch(referenceImagesRecalled({ entries: refs('r3.png'), append: true, mainModel: klein, ipAdapterModels: [] }));
    expect(summary(store)).toEqual([
      'ip_adapters:ip_adapter:ip.png',
      'user:ip_adapter:mine.png',
      'reference_images:flux2_reference_image:r1.png',
      'reference_images:flux2_reference_image:r2.png',
      'reference_images:flux2_reference_image:r3.png',
    ]);
    store.dispatch(referenceImagesRecalled({ entries: refs('r4.png'), append: false, mainModel: klein, ipAdapterModels: [] }));
    store.dispatch(ipAdaptersRecalled([], false));
    expect(summary(store)).toEqual(['user:ip_adapter:mine.png', 'reference_images:flux2_reference_image:r4.png']);
  });

  it('gives each model-free image the flavour of the main model the recall carried', () => {
    const store = createAppStore();
    store.dispatch(referenceImagesRecalled({ entries: refs('q.png'), append: false, mainModel: model('Qwen Image Edit', 'qwen-image'), ipAdapterModels: [] }));
    store.dispatch(referenceImagesRecalled({ entries: refs('s.png'), append: true, mainModel: model('sd-1.5', 'sd-1'), ipAdapterModels: [model('sd15-ip', 'sd-1', 'ip_adapter')] }));
    const entries = store.getState().refImages.entries;
    expect(entries[0]!.config).toEqual({ type: 'qwen_image_reference_image' });
    expect(entries[1]!.config).toMatchObject({ type: 'ip_adapter', model: { name: 'sd15-ip' } });
  });

  it('turns an IP adapter into FLUX Redux when a Redux model is picked, and back', () => {
    const store = createAppStore();
    store.dispatch(ipAdaptersRecalled([ipAdapter('a')], false));
    const id = store.getState().refImages.entries[0]!.id;
    store.dispatch(refImageModelChanged({ id, model: model('redux', 'flux', 'flux_redux') }));
    expect(store.getState().refImages.entries[0]!.config).toMatchObject({ type: 'flux_redux', imageInfluence: 'highest' });
    store.dispatch(refImageModelChanged({ id, model: model('flux-ip', 'flux', 'ip_adapter') }));
    expect(store.getState().refImages.entries[0]!.config).toMatchObject({ type: 'ip_adapter', clipVisionModel: 'ViT-L' });
  });
});
