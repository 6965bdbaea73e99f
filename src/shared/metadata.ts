import { z } from 'zod';
import { zRecallParameters } from './recall.js';

/*
 * What Recall reads from an image's generation metadata (issue 4): which tool wrote it, the recall
 * parameters it maps to (the recall request's own field names, so they go through the recall
 * pipeline unchanged), the model hashes it carries, and what could not be mapped.
 */

export const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;
export const zImageFormat = z.enum(IMAGE_FORMATS);
export type ImageFormat = z.infer<typeof zImageFormat>;

/** Tools whose metadata Recall recognises. `civitai` is Civitai's on-site generator (A1111-style text). */
export const METADATA_TOOLS = [
  'invokeai',
  'automatic1111',
  'forge',
  'sdnext',
  'comfyui',
  'novelai',
  'fooocus',
  'ruinedfooocus',
  'swarmui',
  'stability-matrix',
  'tensorart',
  'drawthings',
  'civitai',
] as const;
export const zMetadataTool = z.enum(METADATA_TOOLS);
export type MetadataTool = z.infer<typeof zMetadataTool>;

export const zMetadataSource = z.object({
  tool: zMetadataTool,
  version: z.string().nullable().describe('Version the tool wrote into the image, if any'),
});
export type MetadataSource = z.infer<typeof zMetadataSource>;

/**
 * How a model hash was computed. `autov2`: first 10 hex digits of the file's SHA-256 (A1111 "Model
 * hash"); `autov1`: A1111's old 8-hex hash of a 64 KiB slice; `autov3`: SHA-256 of a safetensors
 * file's tensor data without its header (A1111 "Lora hashes" use its first 12 digits, SwarmUI all
 * 64); `sha256`: the whole file; `blake3`: InvokeAI's `blake3:` hash.
 */
export const MODEL_HASH_ALGORITHMS = ['autov1', 'autov2', 'autov3', 'sha256', 'blake3', 'unknown'] as const;
export const zModelHashAlgorithm = z.enum(MODEL_HASH_ALGORITHMS);
export type ModelHashAlgorithm = z.infer<typeof zModelHashAlgorithm>;

/** A hash the image carries for one of the models it names, so a registry model can match by content. */
export const zModelRef = z.object({
  field: z
    .string()
    .describe('Recall field the model fills: "model", "vae_model", "refiner_model", "loras.0", "control_layers.1", "ip_adapters.0"'),
  name: z.string().describe('The model name as given in `parameters`'),
  hash: z.string().describe('Lower-case hex digits, without any "blake3:" or "0x" prefix'),
  algorithm: zModelHashAlgorithm,
});
export type ModelRef = z.infer<typeof zModelRef>;

const zDimensions = {
  format: zImageFormat,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
};

/** Text the image carries that did not map to a recall field, by its source key. */
const zUnmapped = z.record(z.string(), z.unknown());

export const NO_GENERATION_METADATA = 'no generation metadata found';

export const zImageMetadataFound = z.object({
  status: z.literal('found'),
  ...zDimensions,
  source: zMetadataSource,
  parameters: zRecallParameters.describe('What the image says, in the recall request shape; defaults are left to the recall pipeline'),
  model_refs: z.array(zModelRef),
  unmapped: zUnmapped,
});

export const zImageMetadataNone = z.object({
  status: z.literal('none'),
  ...zDimensions,
  message: z.literal(NO_GENERATION_METADATA),
  unmapped: zUnmapped.describe('Text entries the image does carry (e.g. an editor comment)'),
});

export const zImageMetadata = z.discriminatedUnion('status', [zImageMetadataFound, zImageMetadataNone]);
/** Input types: `parameters` holds only what was read, valid as a recall request body. */
export type ImageMetadata = z.input<typeof zImageMetadata>;
export type ImageMetadataFound = z.input<typeof zImageMetadataFound>;
export type ImageMetadataNone = z.input<typeof zImageMetadataNone>;
/** As GET /api/v1/images/i/{image_name}/metadata answers it: list entries carry their defaults. */
export type ImageMetadataResponse = z.output<typeof zImageMetadata>;

/** Why an image could not be read at all (as opposed to carrying no metadata). */
export const METADATA_READ_ERROR_CODES = [
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'TRUNCATED',
  'CORRUPT_CHUNK',
  'TOO_LARGE',
] as const;
export const zMetadataReadErrorCode = z.enum(METADATA_READ_ERROR_CODES);
export type MetadataReadErrorCode = z.infer<typeof zMetadataReadErrorCode>;

export const zMetadataReadErrorBody = z.object({
  code: z.union([zMetadataReadErrorCode, z.literal('FILE_UNREADABLE')]),
  message: z.string(),
});

/** One entry of `recall inspect --json`: every file gets one, whether it parsed, had nothing or failed. */
export const zInspectEntry = z.object({
  file: z.string(),
  status: z.enum(['found', 'none', 'error']),
  format: zImageFormat.nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  source: zMetadataSource.nullable(),
  parameters: zRecallParameters,
  model_refs: z.array(zModelRef),
  unmapped: zUnmapped,
  message: z.string().nullable().describe('"no generation metadata found" or the error message'),
  error: zMetadataReadErrorBody.nullable(),
});
export type InspectEntry = z.input<typeof zInspectEntry>;
export const zInspectReport = z.array(zInspectEntry);
