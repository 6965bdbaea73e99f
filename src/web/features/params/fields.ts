import { LIMITS } from '../../../shared/recall.js';

/** Bounds and step of each numeric parameter, shared by the inputs and the reducers that clamp. */
export interface NumberSpec {
  label: string;
  min: number;
  max: number;
  step: number;
  integer: boolean;
  /** Where the slider stops; the typed value may go up to `max`. */
  sliderMax?: number;
}

export const NUMBER_FIELDS = {
  steps: { label: 'Steps', min: LIMITS.steps.min, max: LIMITS.steps.max, step: 1, integer: true, sliderMax: 150 },
  cfg_scale: { label: 'CFG scale', min: LIMITS.cfgScale.min, max: LIMITS.cfgScale.max, step: 0.5, integer: false, sliderMax: 30 },
  cfg_rescale_multiplier: { label: 'CFG rescale', min: 0, max: 0.99, step: 0.01, integer: false },
  guidance: { label: 'Guidance', min: LIMITS.guidance.min, max: LIMITS.guidance.max, step: 0.1, integer: false, sliderMax: 20 },
  width: { label: 'Width', min: LIMITS.size.min, max: LIMITS.size.max, step: 8, integer: true, sliderMax: 4096 },
  height: { label: 'Height', min: LIMITS.size.min, max: LIMITS.size.max, step: 8, integer: true, sliderMax: 4096 },
  seed: { label: 'Seed', min: LIMITS.seed.min, max: LIMITS.seed.max, step: 1, integer: true },
  denoise_strength: { label: 'Denoise strength', min: 0, max: 1, step: 0.01, integer: false },
  clip_skip: { label: 'CLIP skip', min: LIMITS.clipSkip.min, max: LIMITS.clipSkip.max, step: 1, integer: true },
  refiner_steps: { label: 'Refiner steps', min: LIMITS.refinerSteps.min, max: LIMITS.refinerSteps.max, step: 1, integer: true, sliderMax: 150 },
  refiner_cfg_scale: { label: 'Refiner CFG scale', min: LIMITS.cfgScale.min, max: LIMITS.cfgScale.max, step: 0.5, integer: false, sliderMax: 30 },
  refiner_positive_aesthetic_score: {
    label: 'Positive aesthetic score',
    min: LIMITS.aestheticScore.min,
    max: LIMITS.aestheticScore.max,
    step: 0.5,
    integer: false,
  },
  refiner_negative_aesthetic_score: {
    label: 'Negative aesthetic score',
    min: LIMITS.aestheticScore.min,
    max: LIMITS.aestheticScore.max,
    step: 0.5,
    integer: false,
  },
  refiner_denoise_start: { label: 'Refiner denoise start', min: 0, max: 1, step: 0.01, integer: false },
} as const satisfies Record<string, NumberSpec>;

export type NumberField = keyof typeof NUMBER_FIELDS;

/** Keeps a typed value inside its field's bounds (and whole, where the API wants an integer). */
export function clampField(field: NumberField, value: number): number {
  const spec: NumberSpec = NUMBER_FIELDS[field];
  const v = spec.integer ? Math.round(value) : value;
  return Math.min(spec.max, Math.max(spec.min, v));
}
