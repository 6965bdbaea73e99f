import { z } from 'zod';
import { zImageName, zImageRef } from './images.js';
import { zModelBase, zModelType } from './models.js';
import { zQueueId } from './queue.js';
import { zSchedulerName } from './schedulers.js';

/*
 * The recall contract: the request body of POST /api/v1/recall/{queue_id}, the resolved payload
 * the POST answers with and broadcasts, and the socket event. Bounds follow the spec's table; where
 * the spec gives none (the original accepts any float), we bound by what InvokeAI's UI accepts, so
 * a stored value can always be applied.
 */

export const LIMITS = {
  promptChars: 100_000,
  modelNameChars: 512,
  steps: { min: 1, max: 1000 },
  refinerSteps: { min: 0, max: 1000 },
  cfgScale: { min: 0, max: 200 },
  guidance: { min: 0, max: 100 },
  size: { min: 64, max: 16384 },
  seed: { min: 0, max: 4_294_967_295 },
  clipSkip: { min: 0, max: 24 },
  aestheticScore: { min: 0, max: 10 },
  loras: 100,
  controlLayers: 50,
  ipAdapters: 50,
  referenceImages: 50,
  /** Queues one batch recall may target. */
  batchQueues: 100,
} as const;

const zModelName = z.string().min(1).max(LIMITS.modelNameChars);
const zUnit = z.number().min(0).max(1);

export const CONTROL_MODES = ['balanced', 'more_prompt', 'more_control'] as const;
export const IP_ADAPTER_METHODS = ['full', 'style', 'composition'] as const;
export const IMAGE_INFLUENCES = ['lowest', 'low', 'medium', 'high', 'highest'] as const;
export const zControlMode = z.enum(CONTROL_MODES);
export const zIpAdapterMethod = z.enum(IP_ADAPTER_METHODS);
export const zImageInfluence = z.enum(IMAGE_INFLUENCES);
export type ControlMode = z.infer<typeof zControlMode>;
export type IpAdapterMethod = z.infer<typeof zIpAdapterMethod>;
export type ImageInfluence = z.infer<typeof zImageInfluence>;

/**
 * A step range is only meaningful when it starts no later than it ends. A plain predicate (not a
 * `superRefine`): zod's compiled validator calls it directly, where a refinement with a context
 * gets a context object and an issue list made for it on every entry of every request.
 */
const stepRangeInOrder = (v: { begin_step_percent: number; end_step_percent: number }): boolean =>
  v.begin_step_percent <= v.end_step_percent;
const STEP_RANGE_ISSUE = { path: ['end_step_percent'], message: 'end_step_percent must be greater than or equal to begin_step_percent' };

export const zLoraRecall = z.strictObject({
  model_name: zModelName.describe('LoRA model name, or its key'),
  weight: z.number().min(-10).max(10).default(0.75),
  is_enabled: z.boolean().default(true),
});

export const IMAGE_URL_MAX_CHARS = 2048;
/** Any well-formed absolute URL; whether it may be fetched (http(s), a public address) is the server's call. */
export const zImageUrl = z
  .url()
  .max(IMAGE_URL_MAX_CHARS)
  .describe('URL of an image the server fetches into outputs/images (http or https, public addresses only unless configured)');
export const zImageBase64 = z
  .string()
  .min(1)
  .describe('The image itself, as base64 or a data: URL (PNG, JPEG, WebP or GIF); stored in outputs/images under a new name');

/** Ways a list entry can give its image; a request gives at most one of them per entry. */
export const IMAGE_SOURCE_FIELDS = ['image_name', 'image_url', 'image_base64'] as const;

/** `required`: at least one source; `single`: at most one (a request; a stored entry keeps name and URL). */
function checkImageSource(required: boolean, single = true) {
  return (v: Partial<Record<(typeof IMAGE_SOURCE_FIELDS)[number], unknown>>, ctx: z.RefinementCtx): void => {
    // Counted before any list is made: this runs for every entry of every request.
    let count = 0;
    for (const k of IMAGE_SOURCE_FIELDS) if (v[k] !== null && v[k] !== undefined) count++;
    if (count === 0 && !required) return;
    if (count === 1 && single) return;
    const given = IMAGE_SOURCE_FIELDS.filter((k) => v[k] !== null && v[k] !== undefined);
    if (single && given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give only one of ${given.join(' and ')}` });
    } else if (required && given.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['image_name'], message: 'one of image_name, image_url or image_base64 is required' });
    }
  };
}

const zRequestImage = {
  image_name: zImageName.nullish(),
  image_url: zImageUrl.nullish(),
  image_base64: zImageBase64.nullish(),
};
/**
 * What is stored for an entry's image: the name in outputs/images, and the URL it was fetched from
 * when it came from one (both, so a later GET neither refetches nor forgets the origin; only the URL
 * when the fetch was refused). Base64 data is never stored, only the name it was saved under.
 */
const zStoredImage = {
  image_name: zImageName.nullish(),
  image_url: zImageUrl.nullish().describe('Where the image was fetched from, if it came from a URL'),
};

const controlLayerShape = {
  model_name: zModelName.describe('ControlNet, T2I Adapter or Control LoRA model name, or its key'),
  weight: z.number().min(-1).max(2).default(1),
  begin_step_percent: zUnit.default(0),
  end_step_percent: zUnit.default(1),
  control_mode: zControlMode.nullish().describe('ControlNet only'),
};
const ipAdapterShape = {
  model_name: zModelName.describe('IP Adapter or FLUX Redux model name, or its key'),
  weight: z.number().min(-1).max(2).default(1),
  begin_step_percent: zUnit.default(0),
  end_step_percent: zUnit.default(1),
  method: zIpAdapterMethod.default('full'),
  image_influence: zImageInfluence.nullish().describe('FLUX Redux only'),
};

export const zControlLayerRecall = z
  .strictObject({ ...controlLayerShape, ...zRequestImage })
  .refine(stepRangeInOrder, STEP_RANGE_ISSUE)
  .superRefine(checkImageSource(false));

export const zIpAdapterRecall = z
  .strictObject({ ...ipAdapterShape, ...zRequestImage })
  .refine(stepRangeInOrder, STEP_RANGE_ISSUE)
  .superRefine(checkImageSource(false));

export const zReferenceImageRecall = z.strictObject(zRequestImage).superRefine(checkImageSource(true));

export const zStoredControlLayer = z.strictObject({ ...controlLayerShape, ...zStoredImage }).refine(stepRangeInOrder, STEP_RANGE_ISSUE);
export const zStoredIpAdapter = z.strictObject({ ...ipAdapterShape, ...zStoredImage }).refine(stepRangeInOrder, STEP_RANGE_ISSUE);
export const zStoredReferenceImage = z.strictObject(zStoredImage).superRefine(checkImageSource(true, false));

/** Core (scalar) fields, in the spec's order. */
export const zRecallScalars = z.strictObject({
  positive_prompt: z.string().max(LIMITS.promptChars).nullish(),
  negative_prompt: z.string().max(LIMITS.promptChars).nullish(),
  model: zModelName.nullish().describe('Main model name, or its key'),
  refiner_model: zModelName.nullish().describe('Refiner model name, or its key'),
  vae_model: zModelName.nullish().describe('VAE model name, or its key'),
  scheduler: zSchedulerName.nullish(),
  steps: z.number().int().min(LIMITS.steps.min).max(LIMITS.steps.max).nullish(),
  refiner_steps: z.number().int().min(LIMITS.refinerSteps.min).max(LIMITS.refinerSteps.max).nullish(),
  cfg_scale: z.number().min(LIMITS.cfgScale.min).max(LIMITS.cfgScale.max).nullish(),
  cfg_rescale_multiplier: z.number().min(0).lt(1).nullish(),
  refiner_cfg_scale: z.number().min(LIMITS.cfgScale.min).max(LIMITS.cfgScale.max).nullish(),
  guidance: z.number().min(LIMITS.guidance.min).max(LIMITS.guidance.max).nullish(),
  width: z.number().int().min(LIMITS.size.min).max(LIMITS.size.max).nullish(),
  height: z.number().int().min(LIMITS.size.min).max(LIMITS.size.max).nullish(),
  seed: z.number().int().min(LIMITS.seed.min).max(LIMITS.seed.max).nullish(),
  denoise_strength: zUnit.nullish(),
  refiner_denoise_start: zUnit.nullish(),
  clip_skip: z.number().int().min(LIMITS.clipSkip.min).max(LIMITS.clipSkip.max).nullish(),
  seamless_x: z.boolean().nullish(),
  seamless_y: z.boolean().nullish(),
  refiner_positive_aesthetic_score: z
    .number()
    .min(LIMITS.aestheticScore.min)
    .max(LIMITS.aestheticScore.max)
    .nullish(),
  refiner_negative_aesthetic_score: z
    .number()
    .min(LIMITS.aestheticScore.min)
    .max(LIMITS.aestheticScore.max)
    .nullish(),
});

export const zRecallLists = z.strictObject({
  loras: z.array(zLoraRecall).max(LIMITS.loras).nullish(),
  control_layers: z.array(zControlLayerRecall).max(LIMITS.controlLayers).nullish(),
  ip_adapters: z.array(zIpAdapterRecall).max(LIMITS.ipAdapters).nullish(),
  reference_images: z.array(zReferenceImageRecall).max(LIMITS.referenceImages).nullish(),
});

/** The request body: every field optional, unknown fields refused. */
export const zRecallParameters = z.strictObject({
  ...zRecallScalars.shape,
  ...zRecallLists.shape,
});
export type RecallParameters = z.infer<typeof zRecallParameters>;
export type RecallParametersInput = z.input<typeof zRecallParameters>;
export type LoraRecall = z.infer<typeof zLoraRecall>;
export type ControlLayerRecall = z.infer<typeof zControlLayerRecall>;
export type IpAdapterRecall = z.infer<typeof zIpAdapterRecall>;
export type ReferenceImageRecall = z.infer<typeof zReferenceImageRecall>;

/** The recall as stored under recall_* keys: images are names (plus the URL they came from), never data. */
export const zStoredRecallParameters = z.strictObject({
  ...zRecallScalars.shape,
  loras: zRecallLists.shape.loras,
  control_layers: z.array(zStoredControlLayer).max(LIMITS.controlLayers).nullish(),
  ip_adapters: z.array(zStoredIpAdapter).max(LIMITS.ipAdapters).nullish(),
  reference_images: z.array(zStoredReferenceImage).max(LIMITS.referenceImages).nullish(),
});
export type StoredRecallParameters = z.infer<typeof zStoredRecallParameters>;
export type StoredControlLayer = z.infer<typeof zStoredControlLayer>;
export type StoredIpAdapter = z.infer<typeof zStoredIpAdapter>;
export type StoredReferenceImage = z.infer<typeof zStoredReferenceImage>;

export const SCALAR_FIELDS = Object.keys(zRecallScalars.shape) as (keyof typeof zRecallScalars.shape)[];
export const LIST_FIELDS = Object.keys(zRecallLists.shape) as (keyof typeof zRecallLists.shape)[];
export const RECALL_FIELDS = [...SCALAR_FIELDS, ...LIST_FIELDS] as const;
export type RecallField = (typeof RECALL_FIELDS)[number];
export type ScalarField = (typeof SCALAR_FIELDS)[number];
export type ListField = (typeof LIST_FIELDS)[number];

/** Model-bearing scalar fields, resolved to keys before the broadcast. */
export const MODEL_FIELDS = ['model', 'refiner_model', 'vae_model'] as const;

const RECALL_KEYS = new Map<string, string>(RECALL_FIELDS.map((f) => [f, `recall_${f}`]));

/**
 * Client-state key under which a field is stored: `recall_{field}` (spec "Implementation Details").
 * Made once per field: every recall stores a dozen, and the store hashes and binds each key.
 */
export const recallKey = (field: RecallField): string => RECALL_KEYS.get(field) ?? `recall_${field}`;

export const zBoolFlag = z
  .union([z.boolean(), z.stringbool()])
  .default(false);

/** Query flags of the POST: `strict` clears the lists not given, `append` appends reference images. */
export const zRecallQuery = z
  .object({
    strict: zBoolFlag.describe('Lists not given in the body are cleared (sent as [])'),
    append: zBoolFlag.describe('ip_adapters and reference_images are appended to the stored ones, not replaced'),
  })
  .superRefine((q, ctx) => {
    if (q.strict && q.append) {
      ctx.addIssue({ code: 'custom', path: ['append'], message: 'strict and append cannot be used together' });
    }
  });
export type RecallQuery = z.infer<typeof zRecallQuery>;

/* ---------- resolved payload: what the POST answers, the GET returns and the event carries ---------- */

const zResolvedModelInfo = {
  model_key: z.string(),
  model_name: z.string().describe('Name of the model the entry resolved to'),
  model_type: zModelType.describe('Type the entry resolved to'),
  model_base: zModelBase,
};

export const zResolvedLora = z.object({
  ...zResolvedModelInfo,
  weight: z.number(),
  is_enabled: z.boolean(),
});

export const zResolvedControlLayer = z.object({
  ...zResolvedModelInfo,
  weight: z.number(),
  image: zImageRef.optional(),
  begin_step_percent: z.number().optional(),
  end_step_percent: z.number().optional(),
  control_mode: zControlMode.optional(),
});

export const zResolvedIpAdapter = z.object({
  ...zResolvedModelInfo,
  weight: z.number(),
  image: zImageRef.optional(),
  begin_step_percent: z.number().optional(),
  end_step_percent: z.number().optional(),
  method: zIpAdapterMethod.optional(),
  image_influence: zImageInfluence.optional(),
});

export const zResolvedReferenceImage = z.object({ image: zImageRef });

/** Scalars as sent, except model fields, which carry the resolved model key (as InvokeAI does). */
export const zResolvedRecallParameters = z.object({
  positive_prompt: z.string().optional(),
  negative_prompt: z.string().optional(),
  model: z.string().optional().describe('Resolved main model key'),
  refiner_model: z.string().optional().describe('Resolved refiner model key'),
  vae_model: z.string().optional().describe('Resolved VAE model key'),
  scheduler: zSchedulerName.optional(),
  steps: z.number().int().optional(),
  refiner_steps: z.number().int().optional(),
  cfg_scale: z.number().optional(),
  cfg_rescale_multiplier: z.number().optional(),
  refiner_cfg_scale: z.number().optional(),
  guidance: z.number().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  seed: z.number().int().optional(),
  denoise_strength: z.number().optional(),
  refiner_denoise_start: z.number().optional(),
  clip_skip: z.number().int().optional(),
  seamless_x: z.boolean().optional(),
  seamless_y: z.boolean().optional(),
  refiner_positive_aesthetic_score: z.number().optional(),
  refiner_negative_aesthetic_score: z.number().optional(),
  loras: z.array(zResolvedLora).optional(),
  control_layers: z.array(zResolvedControlLayer).optional(),
  ip_adapters: z.array(zResolvedIpAdapter).optional(),
  reference_images: z.array(zResolvedReferenceImage).optional(),
  append: z.literal(true).optional().describe('Present when ip_adapters and reference_images were appended'),
});
export type ResolvedRecallParameters = z.infer<typeof zResolvedRecallParameters>;
export type ResolvedLora = z.infer<typeof zResolvedLora>;
export type ResolvedControlLayer = z.infer<typeof zResolvedControlLayer>;
export type ResolvedIpAdapter = z.infer<typeof zResolvedIpAdapter>;
export type ResolvedReferenceImage = z.infer<typeof zResolvedReferenceImage>;

/** A warning for something skipped: an unresolved model or a missing image. */
export const zRecallWarning = z.object({
  field: z.string().describe('Path of the entry, e.g. "loras.1.model_name"'),
  code: z.enum(['MODEL_NOT_FOUND', 'IMAGE_NOT_FOUND', 'IMAGE_FETCH_FAILED']),
  message: z.string(),
});
export type RecallWarning = z.infer<typeof zRecallWarning>;

/**
 * Where the recall's event went. `delivered`: handed to every server's clients (with one server, to
 * its own). `local_only`: the cross-server bus (Redis) was down, so only this server's clients got it;
 * the others catch up from storage when the bus is back. `failed`: the socket layer refused it.
 * In every case the recall itself is stored.
 */
export const RECALL_BROADCASTS = ['delivered', 'local_only', 'failed'] as const;
export const zRecallBroadcast = z
  .enum(RECALL_BROADCASTS)
  .describe(
    'Whether the event reached the clients: delivered (every server), local_only (only this server: the Redis bus is down; ' +
      'other servers\' clients get the stored state when it is back), failed (not broadcast). The recall is stored in every case.',
  );
export type RecallBroadcast = z.infer<typeof zRecallBroadcast>;

export const zRecallResponse = z.object({
  status: z.literal('success'),
  queue_id: zQueueId,
  updated_count: z.number().int().describe('How many recall_* keys were stored'),
  parameters: zResolvedRecallParameters,
  revision: z.number().int().describe('Revision of the queue after this recall; events carry it too'),
  warnings: z.array(zRecallWarning),
  broadcast: zRecallBroadcast,
});
export type RecallResponse = z.infer<typeof zRecallResponse>;

/** The empty-body answer: nothing stored, nothing broadcast (InvokeAI's own shape). */
export const zRecallNoParametersResponse = z.object({
  status: z.literal('no_parameters_provided'),
  updated_count: z.literal(0),
  queue_id: zQueueId,
});
export type RecallNoParametersResponse = z.infer<typeof zRecallNoParametersResponse>;

/** The answer for one queue: a stored recall, or nothing when the body had no values. */
export const zRecallOutcome = zRecallResponse.or(zRecallNoParametersResponse);
export type RecallOutcome = z.infer<typeof zRecallOutcome>;

/** Body of POST /api/v1/recall: the same parameters into several queues, in one transaction. */
export const zRecallBatchRequest = z.strictObject({
  queue_ids: z
    .array(zQueueId)
    .min(1)
    .max(LIMITS.batchQueues)
    .superRefine((ids, ctx) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: `queue id "${id}" is listed twice; queue_ids must be unique` });
        seen.add(id);
      });
    })
    .describe(`The queues to recall into, each once (at most ${LIMITS.batchQueues})`),
  parameters: zRecallParameters,
});
export type RecallBatchRequest = z.infer<typeof zRecallBatchRequest>;
export type RecallBatchRequestInput = z.input<typeof zRecallBatchRequest>;

/** One result per queue, in the order of `queue_ids`; one event was sent to each queue's room. */
export const zRecallBatchResponse = z.object({
  status: z.enum(['success', 'no_parameters_provided']),
  results: z.array(zRecallOutcome),
});
export type RecallBatchResponse = z.infer<typeof zRecallBatchResponse>;

export const zRecallState = z.object({
  status: z.literal('success'),
  queue_id: zQueueId,
  revision: z.number().int().describe('0 when nothing was ever recalled on this queue'),
  updated_at: z.string().nullable(),
  parameters: zResolvedRecallParameters.describe('The stored recall, resolved now'),
  stored: zStoredRecallParameters.describe('The raw stored values, as sent (images given by URL or base64 carry the name they were saved under)'),
  warnings: z.array(zRecallWarning),
});
export type RecallState = z.infer<typeof zRecallState>;

/** Socket event `recall_parameters_updated`, sent to the queue's room. */
export const zRecallParametersUpdatedEvent = z.object({
  timestamp: z.number().int().describe('Seconds since the epoch'),
  queue_id: zQueueId,
  user_id: z.string(),
  revision: z.number().int().describe('Per-queue counter: an event at or below the applied revision is a repeat'),
  recall_id: z.string().describe('Unique id of the recall that produced the event'),
  parameters: zResolvedRecallParameters,
  warnings: z.array(zRecallWarning),
});
export type RecallParametersUpdatedEvent = z.infer<typeof zRecallParametersUpdatedEvent>;
