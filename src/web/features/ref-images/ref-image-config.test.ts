import { describe, expect, it } from 'vitest';
import { ipAdapter, model } from '../../test-support/recall-fixtures.js';
import { configFromIpAdapterRecall, modelFreeConfigFor, refImageMismatch } from './ref-image-config.js';

const adapters = [model('sdxl-ip-b', 'sdxl', 'ip_adapter'), model('sdxl-ip-a', 'sdxl', 'ip_adapter'), model('sd15-ip', 'sd-1', 'ip_adapter'), model('redux', 'flux', 'flux_redux')];

describe('model-free reference image flavour', () => {
  it('is a FLUX.2 reference image under a flux2 main model', () => {
    expect(modelFreeConfigFor(model('FLUX.2 Klein', 'flux2'), adapters)).toEqual({ type: 'flux2_reference_image' });
  });

  it('is a Qwen Image Edit reference image under a qwen-image main model', () => {
    expect(modelFreeConfigFor(model('Qwen Image Edit', 'qwen-image'), adapters)).toEqual({ type: 'qwen_image_reference_image' });
  });

  it('is a FLUX Kontext reference image under a FLUX model whose name contains "kontext", in any case', () => {
    expect(modelFreeConfigFor(model('FLUX.1 Kontext [dev]', 'flux'), adapters)).toEqual({ type: 'flux_kontext_reference_image' });
  });

  it('is an IP adapter of the main model’s base otherwise, the first such model by name', () => {
    expect(modelFreeConfigFor(model('Juggernaut XL', 'sdxl'), adapters)).toMatchObject({ type: 'ip_adapter', model: { name: 'sdxl-ip-a' }, weight: 1, method: 'full', beginEndStepPct: [0, 1] });
  });

  it('is an IP adapter without a model when the registry has none of that base, or no main model is chosen', () => {
    expect(modelFreeConfigFor(model('FLUX Schnell', 'flux'), adapters)).toMatchObject({ type: 'ip_adapter', model: null });
    expect(modelFreeConfigFor(null, adapters)).toMatchObject({ type: 'ip_adapter', model: null });
  });
});

describe('recalled IP adapters', () => {
  it('keeps weight, step range and method, with ViT-H for the SD family', () => {
    expect(configFromIpAdapterRecall(ipAdapter('face', { weight: 0.7, method: 'composition', begin_step_percent: 0.1, end_step_percent: 0.9 }))).toEqual({
      type: 'ip_adapter',
      model: model('face', 'sd-1', 'ip_adapter'),
      weight: 0.7,
      beginEndStepPct: [0.1, 0.9],
      method: 'composition',
      clipVisionModel: 'ViT-H',
    });
  });

  it('gives FLUX IP adapters the ViT-L vision model they are trained on', () => {
    expect(configFromIpAdapterRecall(ipAdapter('flux-ip', {}, 'flux'))).toMatchObject({ type: 'ip_adapter', clipVisionModel: 'ViT-L' });
  });

  it('makes FLUX Redux entries with their image influence (highest when not given)', () => {
    expect(configFromIpAdapterRecall(ipAdapter('redux', { image_influence: 'low' }, 'flux', 'flux_redux'))).toEqual({ type: 'flux_redux', model: model('redux', 'flux', 'flux_redux'), imageInfluence: 'low' });
    expect(configFromIpAdapterRecall(ipAdapter('redux', {}, 'flux', 'flux_redux'))).toMatchObject({ imageInfluence: 'highest' });
  });

  it('reports a reference image that does not fit the main model', () => {
    const sd = model('sd-1.5', 'sd-1');
    expect(refImageMismatch(configFromIpAdapterRecall(ipAdapter('face')), sd)).toBeNull();
    expect(refImageMismatch(configFromIpAdapterRecall(ipAdapter('face')), model('FLUX Schnell', 'flux'))).toBe('face is for SD 1.x, the main model is FLUX');
    expect(refImageMismatch({ type: 'flux2_reference_image' }, sd)).toMatch(/does not fit/);
    expect(refImageMismatch({ type: 'flux2_reference_image' }, model('Klein', 'flux2'))).toBeNull();
  });
});
