import { z } from 'zod';
import { zModelBase, zModelType, type ModelConfig } from '../../../shared/models.js';
import type { ResolvedControlLayer } from '../../../shared/recall.js';

/**
 * What a slice keeps about a chosen model: enough to show it and judge compatibility without the
 * registry (a recalled entry carries exactly these four facts).
 */
export const zModelRef = z.object({
  key: z.string(),
  name: z.string(),
  base: zModelBase,
  type: zModelType,
});
export type ModelRef = z.infer<typeof zModelRef>;

export const toModelRef = (m: Pick<ModelConfig, 'key' | 'name' | 'base' | 'type'>): ModelRef => ({
  key: m.key,
  name: m.name,
  base: m.base,
  type: m.type,
});

/** A resolved recall entry's model facts as a ModelRef. */
export const refFromResolved = (e: Pick<ResolvedControlLayer, 'model_key' | 'model_name' | 'model_base' | 'model_type'>): ModelRef => ({
  key: e.model_key,
  name: e.model_name,
  base: e.model_base,
  type: e.model_type,
});

/** Display names of bases, as InvokeAI labels them. */
export const BASE_LABELS: Record<string, string> = {
  any: 'Any',
  'sd-1': 'SD 1.x',
  'sd-2': 'SD 2.x',
  'sd-3': 'SD 3.x',
  sdxl: 'SDXL',
  'sdxl-refiner': 'SDXL Refiner',
  flux: 'FLUX',
  flux2: 'FLUX.2',
  cogview4: 'CogView4',
  'z-image': 'Z-Image',
  'qwen-image': 'Qwen Image',
  wan: 'Wan',
  unknown: 'Unknown',
};

/**
 * Whether an add-on (LoRA, adapter, VAE) of base `addOn` can be used with a main model of base
 * `main`. `any` fits everything; with no main model chosen nothing can be judged, so it fits.
 */
export function isCompatible(addOn: ModelRef['base'], main: ModelRef | null): boolean {
  if (!main || addOn === 'any' || main.base === 'any') return true;
  return addOn === main.base;
}
