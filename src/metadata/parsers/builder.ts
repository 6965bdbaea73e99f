import type { z } from 'zod';
import type { ModelHashAlgorithm, ModelRef } from '../../shared/metadata.js';
import {
  LIMITS,
  zControlLayerRecall,
  zIpAdapterRecall,
  zLoraRecall,
  zRecallScalars,
  zReferenceImageRecall,
  type RecallParametersInput,
} from '../../shared/recall.js';
import { normalizeHash } from './models.js';
import { mapSampler, type SamplerFamily, type SchedulerMatch } from './samplers.js';

type Scalars = z.input<typeof zRecallScalars>;
type ScalarField = keyof Scalars;
type LoraInput = z.input<typeof zLoraRecall>;
type ControlLayerInput = z.input<typeof zControlLayerRecall>;
type IpAdapterInput = z.input<typeof zIpAdapterRecall>;

export interface HashInput {
  hash: unknown;
  algorithm?: ModelHashAlgorithm;
}

const LIST_LIMITS = {
  loras: LIMITS.loras,
  control_layers: LIMITS.controlLayers,
  ip_adapters: LIMITS.ipAdapters,
  reference_images: LIMITS.referenceImages,
} as const;
type ListField = keyof typeof LIST_LIMITS;

const LIST_SCHEMAS = {
  loras: zLoraRecall,
  control_layers: zControlLayerRecall,
  ip_adapters: zIpAdapterRecall,
  reference_images: zReferenceImageRecall,
} as const;

/**
 * Collects what a parser reads, in the recall request's shape. Every value is checked against the
 * recall schema as it comes in; one that fails (out of range, wrong type, unknown enum value) is
 * kept under `unmapped` by the key the image used, so nothing read is lost and nothing invalid is
 * passed on (issue 4: "a value out of range goes to unmapped").
 */
export class RecallBuilder {
  readonly parameters: RecallParametersInput = {};
  readonly unmapped: Record<string, unknown> = {};
  readonly modelRefs: ModelRef[] = [];

  constructor(readonly schedulerMatch: SchedulerMatch = 'exact') {}

  /** Keeps a value that has no recall field; a second value under the same key gets a suffix. */
  keep(key: string, value: unknown): void {
    if (value === undefined || value === null || value === '') return;
    let name = key;
    for (let n = 2; Object.hasOwn(this.unmapped, name); n++) name = `${key}#${n}`;
    this.unmapped[name] = value;
  }

  has(field: ScalarField | ListField): boolean {
    return this.parameters[field] !== undefined;
  }

  /** Sets a scalar if it is valid for the recall schema, else keeps it under `sourceKey`. */
  set(field: ScalarField, value: unknown, sourceKey: string = field): boolean {
    if (value === undefined || value === null) return false;
    const parsed = zRecallScalars.shape[field].safeParse(value);
    if (parsed.success && parsed.data !== null && parsed.data !== undefined) {
      (this.parameters as Record<string, unknown>)[field] = parsed.data;
      return true;
    }
    this.keep(sourceKey, value);
    return false;
  }

  /** Sets a scalar only when no earlier source set it (the first, most specific source wins). */
  setDefault(field: ScalarField, value: unknown, sourceKey: string = field): boolean {
    return this.has(field) ? false : this.set(field, value, sourceKey);
  }

  setModel(field: 'model' | 'vae_model' | 'refiner_model', name: unknown, hash?: HashInput, sourceKey: string = field): void {
    if (this.set(field, name, sourceKey) && hash) this.ref(field, name as string, hash);
  }

  /**
   * Maps a sampler to an InvokeAI scheduler. Without an exact equivalent the scheduler is left out
   * and the originals are kept; with `nearest`, the originals are kept beside the approximation.
   */
  setSampler(family: SamplerFamily, sampler: unknown, schedule: unknown, keys: { sampler: string; schedule: string }): void {
    if (typeof sampler !== 'string' || sampler === '') return;
    const scheduleText = typeof schedule === 'string' && schedule !== '' ? schedule : undefined;
    const reading = mapSampler(family, sampler, scheduleText, this.schedulerMatch);
    if (reading.scheduler) this.set('scheduler', reading.scheduler, keys.sampler);
    if (!reading.scheduler || reading.approximate) {
      this.keep(keys.sampler, sampler);
      this.keep(keys.schedule, scheduleText);
    }
  }

  private addToList<F extends ListField>(field: F, entry: unknown, sourceKey: string): number {
    const list = ((this.parameters as Record<string, unknown[] | undefined>)[field] ??= []);
    const parsed = LIST_SCHEMAS[field].safeParse(entry);
    if (!parsed.success || list.length >= LIST_LIMITS[field]) {
      this.keep(sourceKey, entry);
      if (list.length === 0) delete (this.parameters as Record<string, unknown>)[field];
      return -1;
    }
    list.push(entry);
    return list.length - 1;
  }

  addLora(entry: LoraInput, hash?: HashInput, sourceKey = 'loras'): void {
    const i = this.addToList('loras', entry, sourceKey);
    if (i >= 0 && hash) this.ref(`loras.${i}`, entry.model_name, hash);
  }

  addControlLayer(entry: ControlLayerInput, hash?: HashInput, sourceKey = 'control_layers'): void {
    const i = this.addToList('control_layers', entry, sourceKey);
    if (i >= 0 && hash) this.ref(`control_layers.${i}`, entry.model_name, hash);
  }

  addIpAdapter(entry: IpAdapterInput, hash?: HashInput, sourceKey = 'ip_adapters'): void {
    const i = this.addToList('ip_adapters', entry, sourceKey);
    if (i >= 0 && hash) this.ref(`ip_adapters.${i}`, entry.model_name, hash);
  }

  addReferenceImage(imageName: string, sourceKey = 'reference_images'): void {
    this.addToList('reference_images', { image_name: imageName }, sourceKey);
  }

  /** Records a model hash for a field already set; hashes that are not content hashes are dropped. */
  ref(field: string, name: string, input: HashInput): void {
    const h = normalizeHash(input.hash, input.algorithm);
    if (!h) return;
    if (this.modelRefs.some((r) => r.field === field && r.hash === h.hash)) return;
    this.modelRefs.push({ field, name, hash: h.hash, algorithm: h.algorithm });
  }

  /** Adds a hash to the model already set for `field` when the names agree (or no name is given). */
  refByName(field: 'model' | 'vae_model' | 'refiner_model', name: string | undefined, input: HashInput): void {
    const current = this.parameters[field];
    if (typeof current === 'string' && (name === undefined || name === current)) this.ref(field, current, input);
  }
}

/** A number from a number or a numeric string ("7", "7.5"); anything else is undefined. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

export const toStringValue = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * InvokeAI counts CLIP skip as layers skipped (0 = none); A1111, ComfyUI (as -stop_at_clip_layer)
 * and their followers count the layer used (1 = last, i.e. none skipped).
 */
export function clipSkipFromLayerCount(layers: number | undefined): number | undefined {
  return layers === undefined || !Number.isInteger(layers) ? undefined : Math.abs(layers) - 1;
}
