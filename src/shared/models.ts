import { z } from 'zod';

/** Model types the registry knows (InvokeAI's ModelType values used by recall). */
export const MODEL_TYPES = [
  'main',
  'vae',
  'lora',
  'control_lora',
  'controlnet',
  't2i_adapter',
  'ip_adapter',
  'flux_redux',
  'clip_vision',
] as const;
export const zModelType = z.enum(MODEL_TYPES);
export type ModelType = z.infer<typeof zModelType>;

/** Base architectures (InvokeAI's BaseModelType values). */
export const MODEL_BASES = [
  'any',
  'sd-1',
  'sd-2',
  'sd-3',
  'sdxl',
  'sdxl-refiner',
  'flux',
  'flux2',
  'cogview4',
  'z-image',
  'qwen-image',
  'wan',
  'unknown',
] as const;
export const zModelBase = z.enum(MODEL_BASES);
export type ModelBase = z.infer<typeof zModelBase>;

export const MODEL_FORMATS = ['checkpoint', 'diffusers', 'lycoris', 'invokeai', 'bnb_quantized_nf4b', 'gguf_quantized', 'unknown'] as const;
export const zModelFormat = z.enum(MODEL_FORMATS);
export type ModelFormat = z.infer<typeof zModelFormat>;

/** Content hashes the registry keeps; each is filled in once computed (hashing runs in the background). */
export const zModelHashes = z.object({
  blake3: z.string().nullable().describe('blake3 of the file (or of a diffusers folder) as hex'),
  sha256: z.string().nullable().describe('SHA-256 of the whole file as hex'),
  autov2: z.string().nullable().describe("AUTOMATIC1111's short hash: the first 10 hex digits of the SHA-256"),
  autov1: z
    .string()
    .nullable()
    .describe("AUTOMATIC1111's old 8-hex model hash: SHA-256 of the 64 KiB at offset 1 MiB, first 8 hex digits"),
  autov3: z
    .string()
    .nullable()
    .describe(
      'SHA-256 of a safetensors file\'s tensor data (after the header), as hex: the "addnet" hash AUTOMATIC1111 shows ' +
        'as its first 12 digits under "Lora hashes" (Civitai\'s AutoV3); null for other files',
    ),
});
export type ModelHashes = z.infer<typeof zModelHashes>;
export type ModelHashKind = keyof ModelHashes;
export const MODEL_HASH_KINDS = Object.keys(zModelHashes.shape) as ModelHashKind[];

/** One model of the registry, in InvokeAI's config shape plus Recall's own fields. */
export const zModelConfig = z.object({
  key: z.string().describe('Stable identifier (uuid), kept across rescans'),
  hash: z.string().nullable().describe("InvokeAI-style hash ('blake3:<hex>'), null until computed"),
  hashes: zModelHashes,
  path: z.string().describe('Path relative to the models folder'),
  file_size: z.number().int().nonnegative(),
  name: z.string(),
  description: z.string().nullable(),
  source: z.string(),
  base: zModelBase,
  type: zModelType,
  format: zModelFormat,
  missing: z.boolean().describe('True when the file vanished at the last scan'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ModelConfig = z.infer<typeof zModelConfig>;

export const zModelList = z.object({ models: z.array(zModelConfig) });
export type ModelList = z.infer<typeof zModelList>;

/** Query of `GET /api/v2/models/`; `base_models` may repeat. */
export const zModelListQuery = z.object({
  model_type: zModelType.optional(),
  base_models: z.union([zModelBase, z.array(zModelBase)]).optional(),
  model_name: z.string().min(1).max(512).optional(),
  model_format: zModelFormat.optional(),
});
export type ModelListQuery = z.infer<typeof zModelListQuery>;

export const zModelByAttrsQuery = z.object({
  name: z.string().min(1).max(512),
  type: zModelType,
  base: zModelBase,
});

export const zModelScanSummary = z.object({
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  missing: z.number().int(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type ModelScanSummary = z.infer<typeof zModelScanSummary>;
