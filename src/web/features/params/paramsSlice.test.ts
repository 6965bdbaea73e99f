import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { model } from '../../test-support/recall-fixtures.js';
import { gridFor, snapToGrid } from './grid.js';
import {
  aspectRatioLockToggled,
  aspectRatioSelected,
  dimensionsSwapped,
  heightChanged,
  mainModelRecalled,
  mainModelSelected,
  numberChanged,
  paramsRecalled,
  widthChanged,
} from './paramsSlice.js';

const setup = () => {
  const store = createAppStore();
  return { store, params: () => store.getState().params };
};

describe('grid', () => {
  it('uses 8 for the SD family, 16 for transformer models and 32 for CogView4', () => {
    expect(['sd-1', 'sd-2', 'sdxl'].map((b) => gridFor(b as never))).toEqual([8, 8, 8]);
    expect(['flux', 'flux2', 'sd-3', 'qwen-image', 'z-image'].map((b) => gridFor(b as never))).toEqual([16, 16, 16, 16, 16]);
    expect(gridFor('cogview4')).toBe(32);
    expect(gridFor(null)).toBe(8);
  });

  it('rounds to the nearest multiple and stays within 64..16384', () => {
    expect(snapToGrid(1000, 16)).toBe(1008);
    expect(snapToGrid(1000, 32)).toBe(992);
    expect(snapToGrid(70, 8)).toBe(72);
    expect(snapToGrid(10, 32)).toBe(64);
    expect(snapToGrid(20000, 16)).toBe(16384);
  });
});

describe('params slice', () => {
  it('applies every recalled scalar, including the refiner and VAE models', () => {
    const { store, params } = setup();
    const refiner = model('sdxl-refiner-1.0', 'sdxl-refiner');
    const vae = model('sdxl-vae', 'sdxl', 'vae');
    store.dispatch(
      paramsRecalled({
        values: {
          positive_prompt: 'a cat',
          negative_prompt: 'blur',
          scheduler: 'dpmpp_2m_k',
          steps: 42,
          refiner_steps: 12,
          cfg_scale: 6.5,
          cfg_rescale_multiplier: 0.7,
          refiner_cfg_scale: 5,
          guidance: 3.5,
          seed: 7,
          denoise_strength: 0.4,
          refiner_denoise_start: 0.75,
          clip_skip: 2,
          seamless_x: true,
          seamless_y: true,
          refiner_positive_aesthetic_score: 7,
          refiner_negative_aesthetic_score: 2,
        },
        refinerModel: refiner,
        vae,
      }),
    );
    const p = params();
    expect(p.values).toMatchObject({ positive_prompt: 'a cat', negative_prompt: 'blur', scheduler: 'dpmpp_2m_k', steps: 42, refiner_steps: 12, cfg_scale: 6.5 });
    expect(p.values).toMatchObject({ cfg_rescale_multiplier: 0.7, refiner_cfg_scale: 5, guidance: 3.5, seed: 7, denoise_strength: 0.4, refiner_denoise_start: 0.75 });
    expect(p.values).toMatchObject({ clip_skip: 2, seamless_x: true, seamless_y: true, refiner_positive_aesthetic_score: 7, refiner_negative_aesthetic_score: 2 });
    expect(p.refinerModel).toEqual(refiner);
    expect(p.vae).toEqual(vae);
  });

  it('leaves fields a recall does not carry untouched', () => {
    const { store, params } = setup();
    store.dispatch(paramsRecalled({ values: { positive_prompt: 'keep me', steps: 12 } }));
    store.dispatch(paramsRecalled({ values: { seed: 99999 } }));
    expect(params().values).toMatchObject({ positive_prompt: 'keep me', steps: 12, seed: 99999 });
  });

  it('turns seed randomizing off when a seed is recalled, so the recalled seed is used', () => {
    const { store, params } = setup();
    expect(params().shouldRandomizeSeed).toBe(true);
    store.dispatch(paramsRecalled({ values: { seed: 42 } }));
    expect(params().shouldRandomizeSeed).toBe(false);
  });

  it('snaps a recalled size to the main model grid', () => {
    const { store, params } = setup();
    store.dispatch(mainModelRecalled(model('FLUX Schnell', 'flux')));
    store.dispatch(paramsRecalled({ values: { width: 1000, height: 750 } }));
    expect(params().values).toMatchObject({ width: 1008, height: 752 });
    store.dispatch(mainModelSelected(model('CogView4', 'cogview4')));
    expect(params().values).toMatchObject({ width: 1024, height: 768 });
  });

  it('applies a recalled width and height together under a locked ratio without either moving the other', () => {
    const { store, params } = setup();
    store.dispatch(aspectRatioSelected('1:1'));
    store.dispatch(aspectRatioLockToggled());
    expect(params().aspectRatio.isLocked).toBe(true);
    store.dispatch(paramsRecalled({ values: { width: 1024, height: 768 } }));
    expect(params().values).toMatchObject({ width: 1024, height: 768 });
    expect(params().aspectRatio).toMatchObject({ id: '4:3', isLocked: true });
    expect(params().aspectRatio.value).toBeCloseTo(4 / 3);
  });

  it('makes the other side follow a single recalled side when the ratio is locked', () => {
    const { store, params } = setup();
    store.dispatch(paramsRecalled({ values: { width: 1024, height: 576 } }));
    store.dispatch(aspectRatioLockToggled());
    store.dispatch(paramsRecalled({ values: { width: 1280 } }));
    expect(params().values).toMatchObject({ width: 1280, height: 720 });
    store.dispatch(heightChanged(360));
    expect(params().values).toMatchObject({ width: 640, height: 360 });
  });

  it('lets width and height move independently when the ratio is unlocked, and shows the resulting ratio', () => {
    const { store, params } = setup();
    store.dispatch(widthChanged(768));
    expect(params().values).toMatchObject({ width: 768, height: 512 });
    expect(params().aspectRatio.id).toBe('3:2');
    store.dispatch(heightChanged(500));
    expect(params().values.height).toBe(504);
    expect(params().aspectRatio.id).toBe('free');
  });

  it('keeps the pixel count when a preset ratio is picked, and swaps sides', () => {
    const { store, params } = setup();
    store.dispatch(paramsRecalled({ values: { width: 1024, height: 1024 } }));
    store.dispatch(aspectRatioSelected('16:9'));
    const { width, height } = params().values;
    expect(width % 8 + (height % 8)).toBe(0);
    expect(Math.abs(width * height - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.02);
    expect(width / height).toBeCloseTo(16 / 9, 1);
    store.dispatch(dimensionsSwapped());
    expect(params().values).toMatchObject({ width: height, height: width });
    expect(params().aspectRatio.id).toBe('9:16');
  });

  it('clamps typed numbers to the bounds the API accepts', () => {
    const { store, params } = setup();
    store.dispatch(numberChanged({ field: 'steps', value: 5000 }));
    store.dispatch(numberChanged({ field: 'cfg_rescale_multiplier', value: 1 }));
    store.dispatch(numberChanged({ field: 'clip_skip', value: 2.6 }));
    store.dispatch(numberChanged({ field: 'denoise_strength', value: Number.NaN }));
    expect(params().values).toMatchObject({ steps: 1000, cfg_rescale_multiplier: 0.99, clip_skip: 3, denoise_strength: 0.75 });
  });
});
