import { z } from 'zod';
import { zImageInfluence, zIpAdapterMethod, type ResolvedIpAdapter } from '../../../shared/recall.js';
import { BASE_LABELS, refFromResolved, zModelRef, type ModelRef } from '../models/model-ref.js';

export const CLIP_VISION_MODELS = ['ViT-H', 'ViT-G', 'ViT-L'] as const;
export const zClipVisionModel = z.enum(CLIP_VISION_MODELS);
export type ClipVisionModel = z.infer<typeof zClipVisionModel>;

export const IP_ADAPTER_WEIGHT = { min: -1, max: 2 } as const;

export const zIpAdapterConfig = z.object({
  type: z.literal('ip_adapter'),
  model: zModelRef.nullable(),
  weight: z.number().min(IP_ADAPTER_WEIGHT.min).max(IP_ADAPTER_WEIGHT.max),
  beginEndStepPct: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
  method: zIpAdapterMethod,
  clipVisionModel: zClipVisionModel,
});
export const zFluxReduxConfig = z.object({
  type: z.literal('flux_redux'),
  model: zModelRef.nullable(),
  imageInfluence: zImageInfluence,
});
/** Reference images the main model reads itself, with no adapter model (spec "Model-free reference images"). */
export const MODEL_FREE_TYPES = ['flux2_reference_image', 'flux_kontext_reference_image', 'qwen_image_reference_image'] as const;
export const zModelFreeConfig = z.object({ type: z.enum(MODEL_FREE_TYPES) });

export const zRefImageConfig = z.discriminatedUnion('type', [zIpAdapterConfig, zFluxReduxConfig, zModelFreeConfig]);
export type IpAdapterConfig = z.infer<typeof zIpAdapterConfig>;
export type FluxReduxConfig = z.infer<typeof zFluxReduxConfig>;
export type ModelFreeConfig = z.infer<typeof zModelFreeConfig>;
export type RefImageConfig = z.infer<typeof zRefImageConfig>;
export type RefImageType = RefImageConfig['type'];

export const REF_IMAGE_LABELS: Record<RefImageType, string> = {
  ip_adapter: 'IP Adapter',
  flux_redux: 'FLUX Redux',
  flux2_reference_image: 'FLUX.2 reference image',
  flux_kontext_reference_image: 'FLUX Kontext reference image',
  qwen_image_reference_image: 'Qwen Image Edit reference image',
};

/**
 * FLUX IP adapters are trained on CLIP ViT-L; the SD family's on ViT-H (a few SDXL ones on ViT-G,
 * which the user can pick). InvokeAI's recall always used ViT-H, which breaks FLUX.
 */
export const clipVisionFor = (model: ModelRef | null): ClipVisionModel => (model?.base === 'flux' ? 'ViT-L' : 'ViT-H');

export function ipAdapterConfig(model: ModelRef | null, overrides: Partial<Omit<IpAdapterConfig, 'type' | 'model'>> = {}): IpAdapterConfig {
  return {
    type: 'ip_adapter',
    model,
    weight: 1,
    beginEndStepPct: [0, 1],
    method: 'full',
    clipVisionModel: clipVisionFor(model),
    ...overrides,
  };
}

/** The config a recalled `ip_adapters` entry asks for: FLUX Redux or IP Adapter, by the model's type. */
export function configFromIpAdapterRecall(entry: ResolvedIpAdapter): RefImageConfig {
  const model = refFromResolved(entry);
  if (model.type === 'flux_redux') return { type: 'flux_redux', model, imageInfluence: entry.image_influence ?? 'highest' };
  return ipAdapterConfig(model, {
    weight: entry.weight,
    beginEndStepPct: [entry.begin_step_percent ?? 0, entry.end_step_percent ?? 1],
    method: entry.method ?? 'full',
  });
}

/**
 * The flavour of a model-free reference image follows the selected main model, as a manual drop
 * does: FLUX.2 reads it natively, Qwen Image as an edit reference, a FLUX Kontext model as its
 * context image; any other model gets an IP adapter of its own base (the first by name), or an
 * IP adapter with no model yet when the registry has none.
 */
export function modelFreeConfigFor(main: ModelRef | null, ipAdapterModels: readonly ModelRef[]): RefImageConfig {
  if (main?.base === 'flux2') return { type: 'flux2_reference_image' };
  if (main?.base === 'qwen-image') return { type: 'qwen_image_reference_image' };
  if (main?.base === 'flux' && main.name.toLowerCase().includes('kontext')) return { type: 'flux_kontext_reference_image' };
  const sameBase = main
    ? [...ipAdapterModels]
        .filter((m) => m.type === 'ip_adapter' && m.base === main.base)
        .sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key))[0]
    : undefined;
  return ipAdapterConfig(sameBase ?? null);
}

/** Why a reference image will not work with the main model, or null when it will. */
export function refImageMismatch(config: RefImageConfig, main: ModelRef | null): string | null {
  if (!main) return null;
  switch (config.type) {
    case 'ip_adapter':
    case 'flux_redux':
      if (!config.model) return 'Choose a model';
      if (config.model.base !== main.base) return `${config.model.name} is for ${BASE_LABELS[config.model.base]}, the main model is ${BASE_LABELS[main.base]}`;
      return null;
    default: {
      const wanted = modelFreeConfigFor(main, []).type;
      return wanted === config.type ? null : `${REF_IMAGE_LABELS[config.type]} does not fit ${main.name}`;
    }
  }
}
