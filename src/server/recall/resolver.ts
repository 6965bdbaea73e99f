import type { Logger } from 'pino';
import type { ImageRef } from '../../shared/images.js';
import type { ModelRef } from '../../shared/metadata.js';
import type { ModelBase, ModelType } from '../../shared/models.js';
import {
  RECALL_FIELDS,
  type RecallField,
  type RecallWarning,
  type ResolvedControlLayer,
  type ResolvedIpAdapter,
  type ResolvedLora,
  type ResolvedRecallParameters,
  type ResolvedReferenceImage,
  type StoredRecallParameters,
} from '../../shared/recall.js';
import type { ImageService } from '../images/service.js';
import { logPreparedLines, prepareMessage, type PreparedMessage } from '../logger.js';
import { TYPE_LABELS, type ModelService } from '../models/service.js';

/** Types tried for each kind of entry, in order (spec "Model Name Resolution"). */
export const RESOLUTION_ORDER = {
  model: ['main'],
  refiner_model: ['main'],
  vae_model: ['vae'],
  loras: ['lora'],
  control_layers: ['controlnet', 't2i_adapter', 'control_lora'],
  ip_adapters: ['ip_adapter', 'flux_redux'],
} as const satisfies Record<string, readonly ModelType[]>;

export interface Resolution {
  parameters: ResolvedRecallParameters;
  warnings: RecallWarning[];
}

/** The part of a field path that names the kind of entry: `loras.1.model_name` → `loras`. */
const kindOf = (field: string): string => field.split('.')[0] ?? field;

/** `loras.1.model_name` → `loras[1]`, for log lines. */
const entryLabel = (field: string): string => field.replace(/\.(\d+)(\..*)?$/, '[$1]');

const typeList = (types: readonly ModelType[]): string =>
  types.length === 1 ? TYPE_LABELS[types[0]!] : `${types.slice(0, -1).map((t) => TYPE_LABELS[t]).join(', ')} or ${TYPE_LABELS[types.at(-1)!]}`;

/**
 * Turns stored (raw) recall values into the payload a front end applies: model names become keys of
 * the registry, image names become `{image_name, width, height}`. Whatever cannot be resolved is left
 * out with a warning; nothing here fails the request.
 */
export class RecallResolver {
  constructor(
    private readonly models: ModelService,
    private readonly images: ImageService,
    private readonly imagesDir: string,
    private readonly log: Logger,
  ) {}

  /** Recent lookups, by what they looked up (see `resolve`), most recently used last. */
  private readonly recent = new Map<string, KeptLookup>();
  /** The entry last put at the end of `recent`. */
  private lastKept: KeptLookup | null = null;
  private readonly lastKey = new LastLookupKey();

  /**
   * `modelRefs` are hashes read from an image (from_image, stored with the recall): a ref applies to
   * the entries of its kind (`loras`, `model`, ...) that carry its model name, whatever their index,
   * so appended lists and later GETs resolve the same way. `texts` is the JSON of fields of `raw` the
   * caller already has (what it stores), used as they are to key kept lookups.
   *
   * What a recall looks up (its models, its images) is kept and reused by later recalls that name
   * the same ones: scripts push the same models again and again with other prompts and seeds. A kept
   * result is reused only while the registry is unchanged (`registryGeneration`) and each of its
   * images measures the same (re-checked on disk at most once a second, as every measurement is), and
   * its log lines are written again, so the log reads as if it had been looked up anew. Nothing is
   * kept when hashes take part, when an image was missing, or when the store cannot tell registry
   * changes apart (PostgreSQL). A kept result is answered at once, not as a promise: most recalls
   * of a busy script take that path.
   */
  resolve(
    raw: StoredRecallParameters,
    fallbackMainModel?: string,
    modelRefs: readonly ModelRef[] = [],
    texts?: ReadonlyMap<RecallField, string>,
  ): Resolution | Promise<Resolution> {
    // Nothing to look up (prompts, seed, sizes...): the payload is the values as they are.
    if (!needsLookups(raw)) return { parameters: withScalars(raw, {}), warnings: [] };
    const generation = modelRefs.length === 0 ? this.models.registryGeneration() : undefined;
    const key = generation === undefined ? null : this.lastKey.get(raw, fallbackMainModel, texts);
    const kept = key === null ? undefined : this.recent.get(key);
    if (kept && kept.generation === generation && this.allSame(kept.images)) {
      // Most recently used last; a script sending the same again finds it there already.
      if (this.lastKept !== kept) {
        this.recent.delete(key!);
        this.recent.set(key!, kept);
        this.lastKept = kept;
      }
      logPreparedLines(this.log, kept.lines);
      return { parameters: withScalars(raw, kept.found), warnings: kept.warnings.length ? [...kept.warnings] : [] };
    }
    return this.lookUpAndKeep(raw, fallbackMainModel, modelRefs, key, generation);
  }

  /** A resolution looked up now, kept for later recalls under `key` (unless null). */
  private async lookUpAndKeep(
    raw: StoredRecallParameters,
    fallbackMainModel: string | undefined,
    modelRefs: readonly ModelRef[],
    key: string | null,
    generation: number | undefined,
  ): Promise<Resolution> {
    const lines: LogLine[] = [];
    const say = (level: LogLine[0], message: string) => {
      lines.push([level, message]);
      this.log[level](message);
    };
    const { found, warnings } = await this.lookUp(raw, fallbackMainModel, modelRefs, say);
    if (key !== null && !warnings.some((w) => w.code.startsWith('IMAGE_'))) {
      this.recent.delete(key);
      const prepared = lines.map(([level, message]) => prepareMessage(level, message));
      const entry: KeptLookup = { generation: generation!, found, warnings, lines: prepared, images: imagesOf(found) };
      this.recent.set(key, entry);
      this.lastKept = entry;
      if (this.recent.size > KEPT_LOOKUPS) this.recent.delete(this.recent.keys().next().value!);
    }
    return { parameters: withScalars(raw, found), warnings: [...warnings] };
  }

  /** Whether every image still measures as it did. */
  private allSame(refs: readonly ImageRef[]): boolean {
    for (const ref of refs) {
      const now = this.images.measured(ref.image_name);
      if (now === null || now.width !== ref.width || now.height !== ref.height) return false;
    }
    return true;
  }

  /** The looked-up part of a resolution: model fields as keys, list entries with their models and images. */
  private async lookUp(
    raw: StoredRecallParameters,
    fallbackMainModel: string | undefined,
    modelRefs: readonly ModelRef[],
    say: (level: LogLine[0], message: string) => void,
  ): Promise<{ found: ResolvedRecallParameters; warnings: RecallWarning[] }> {
    const warnings: RecallWarning[] = [];
    const out: ResolvedRecallParameters = {};
    const note = (message: string) => say('info', message);
    this.models.prefetch(modelNames(raw));

    const findModel = async (name: string, types: readonly ModelType[], field: string, preferBase?: ModelBase) => {
      const hashes = modelRefs.filter((r) => r.name === name && kindOf(r.field) === kindOf(field));
      const model = await this.models.resolve({ name, types, preferBase, hashes, note });
      if (model) {
        say('info', `Resolved ${TYPE_LABELS[model.type]} model name '${name}' to key '${model.key}'`);
        return model;
      }
      const message = `Could not find model '${name}' of type ${typeList(types)}; skipping ${entryLabel(field)}`;
      say('warn', message);
      warnings.push({ field, code: 'MODEL_NOT_FOUND', message });
      return null;
    };
    const findImage = async (name: string, field: string): Promise<ImageRef | null> => {
      const ref = await this.images.measure(name);
      if (ref) {
        say('info', `Found image file: ${ref.image_name} (${ref.width}x${ref.height})`);
        return ref;
      }
      const message = `Image file not found: ${name} (searched in ${this.imagesDir})`;
      say('warn', message);
      warnings.push({ field, code: 'IMAGE_NOT_FOUND', message });
      return null;
    };
    /** An entry's image: by name, or a URL that was not fetched (refused when the recall was made). */
    const entryImage = async (e: { image_name?: string | null; image_url?: string | null }, field: string): Promise<ImageRef | null> => {
      if (e.image_name) return findImage(e.image_name, `${field}.image_name`);
      if (e.image_url) {
        const message = `Image from ${e.image_url} was not fetched when the recall was made; skipping the image of ${entryLabel(field)}`;
        say('warn', message);
        warnings.push({ field: `${field}.image_url`, code: 'IMAGE_FETCH_FAILED', message });
      }
      return null;
    };

    // The main model first: its base decides between same-named LoRAs, adapters and VAEs.
    let mainBase: ModelBase | undefined;
    if (raw.model) {
      const main = await findModel(raw.model, RESOLUTION_ORDER.model, 'model');
      if (main) {
        out.model = main.key;
        mainBase = main.base;
      }
    } else if (fallbackMainModel) {
      mainBase = (await this.models.resolve({ name: fallbackMainModel, types: ['main'], note }))?.base;
    }
    if (raw.refiner_model) {
      const refiner = await findModel(raw.refiner_model, RESOLUTION_ORDER.refiner_model, 'refiner_model', 'sdxl-refiner');
      if (refiner) out.refiner_model = refiner.key;
    }
    if (raw.vae_model) {
      const vae = await findModel(raw.vae_model, RESOLUTION_ORDER.vae_model, 'vae_model', mainBase);
      if (vae) out.vae_model = vae.key;
    }

    // Entries are written out field by field: a spread followed by more fields cost a microsecond
    // per entry on Node 20, and left every entry with a shape of its own (docs/benchmarks.md, change 24).

    if (raw.loras) {
      const resolved = await Promise.all(
        raw.loras.map(async (l, i): Promise<ResolvedLora | null> => {
          const m = await findModel(l.model_name, RESOLUTION_ORDER.loras, `loras.${i}.model_name`, mainBase);
          return m ? { model_key: m.key, model_name: m.name, model_type: m.type, model_base: m.base, weight: l.weight, is_enabled: l.is_enabled } : null;
        }),
      );
      out.loras = resolved.filter((x): x is ResolvedLora => x !== null);
      say('info', `Resolved ${out.loras.length} LoRA(s)`);
    }

    if (raw.control_layers) {
      const resolved = await Promise.all(
        raw.control_layers.map(async (c, i): Promise<ResolvedControlLayer | null> => {
          const m = await findModel(c.model_name, RESOLUTION_ORDER.control_layers, `control_layers.${i}.model_name`, mainBase);
          if (!m) return null;
          const entry: ResolvedControlLayer = {
            model_key: m.key,
            model_name: m.name,
            model_type: m.type,
            model_base: m.base,
            weight: c.weight,
            begin_step_percent: c.begin_step_percent,
            end_step_percent: c.end_step_percent,
          };
          if (c.control_mode) entry.control_mode = c.control_mode;
          const image = await entryImage(c, `control_layers.${i}`);
          if (image) entry.image = image;
          return entry;
        }),
      );
      out.control_layers = resolved.filter((x): x is ResolvedControlLayer => x !== null);
      say('info', `Resolved ${out.control_layers.length} control layer(s)`);
    }

    if (raw.ip_adapters) {
      const resolved = await Promise.all(
        raw.ip_adapters.map(async (a, i): Promise<ResolvedIpAdapter | null> => {
          const m = await findModel(a.model_name, RESOLUTION_ORDER.ip_adapters, `ip_adapters.${i}.model_name`, mainBase);
          if (!m) return null;
          const entry: ResolvedIpAdapter = {
            model_key: m.key,
            model_name: m.name,
            model_type: m.type,
            model_base: m.base,
            weight: a.weight,
            begin_step_percent: a.begin_step_percent,
            end_step_percent: a.end_step_percent,
            method: a.method,
          };
          if (a.image_influence) entry.image_influence = a.image_influence;
          const image = await entryImage(a, `ip_adapters.${i}`);
          if (image) entry.image = image;
          return entry;
        }),
      );
      out.ip_adapters = resolved.filter((x): x is ResolvedIpAdapter => x !== null);
      say('info', `Resolved ${out.ip_adapters.length} IP adapter(s)`);
    }

    if (raw.reference_images) {
      const resolved = await Promise.all(
        raw.reference_images.map(async (r, i): Promise<ResolvedReferenceImage | null> => {
          const image = await entryImage(r, `reference_images.${i}`);
          return image ? { image } : null;
        }),
      );
      out.reference_images = resolved.filter((x): x is ResolvedReferenceImage => x !== null);
      say('info', `Resolved ${out.reference_images.length} reference image(s)`);
    }

    return { found: out, warnings: warnings.sort(byFieldOrder) };
  }
}

/** Lookups kept at most (see `resolve`): each a few kilobytes. */
const KEPT_LOOKUPS = 256;

type LogLine = ['info' | 'warn', string];

interface KeptLookup {
  generation: number;
  found: ResolvedRecallParameters;
  warnings: RecallWarning[];
  /** The log lines the lookup wrote, written again each time it is reused (their JSON made once). */
  lines: PreparedMessage[];
  /** The images it measured, which must still measure the same. */
  images: ImageRef[];
}

/** Every model name a recall asks for, in the order it looks them up. */
function modelNames(raw: StoredRecallParameters): string[] {
  const names: string[] = [];
  for (const name of [raw.model, raw.refiner_model, raw.vae_model]) if (name) names.push(name);
  for (const list of [raw.loras, raw.control_layers, raw.ip_adapters]) for (const e of list ?? []) names.push(e.model_name);
  return names;
}

/** Fields whose values name models or images; the others pass as they are. */
const LOOKED_UP = ['model', 'refiner_model', 'vae_model', 'loras', 'control_layers', 'ip_adapters', 'reference_images'] as const;

function needsLookups(raw: StoredRecallParameters): boolean {
  return LOOKED_UP.some((f) => raw[f] !== undefined && raw[f] !== null);
}

/**
 * What a lookup depends on besides the registry and the images: the looked-up fields, whole, and the
 * queue's main model. `texts` holds JSON the caller already made of some fields (the store's), which
 * spares making it again: the lists' JSON was 3 % of a complete recall's time (docs/benchmarks.md).
 */
function lookupKey(raw: StoredRecallParameters, fallbackMainModel: string | undefined, texts?: ReadonlyMap<RecallField, string>): string {
  let key = JSON.stringify(fallbackMainModel ?? null);
  for (const f of LOOKED_UP) key += `\n${texts?.get(f) ?? JSON.stringify(raw[f] ?? null)}`;
  return key;
}

/**
 * The last lookup key made, given again while the texts it was made of are the same: the caller
 * keeps each field's text while its value stays the same, so a script sending the same models
 * again compares a few strings (most often the very same ones) instead of joining and hashing a
 * key of a kilobyte.
 */
class LastLookupKey {
  private fallback: string | undefined;
  private readonly parts: (string | undefined)[] = [];
  private key: string | null = null;

  get(raw: StoredRecallParameters, fallbackMainModel: string | undefined, texts?: ReadonlyMap<RecallField, string>): string {
    // Only texts that stand for every looked-up field can be compared; otherwise make the key.
    if (!texts) return lookupKey(raw, fallbackMainModel, texts);
    let same = this.key !== null && this.fallback === fallbackMainModel;
    for (const f of LOOKED_UP) {
      if (!texts.has(f) && raw[f] !== undefined && raw[f] !== null) return lookupKey(raw, fallbackMainModel, texts);
    }
    for (let i = 0; same && i < LOOKED_UP.length; i++) same = texts.get(LOOKED_UP[i]!) === this.parts[i];
    if (same) return this.key!;
    this.key = lookupKey(raw, fallbackMainModel, texts);
    this.fallback = fallbackMainModel;
    for (let i = 0; i < LOOKED_UP.length; i++) this.parts[i] = texts.get(LOOKED_UP[i]!);
    return this.key;
  }
}

/**
 * The resolved payload: the values of `raw` that are not looked up (prompts, numbers, ...), in the
 * request's order, then what was `found`. Built property by property: spreading both into one
 * literal cost ten times as much (docs/benchmarks.md, change 24).
 */
function withScalars(raw: StoredRecallParameters, found: ResolvedRecallParameters): ResolvedRecallParameters {
  const out: Record<string, unknown> = {};
  for (const field in raw) {
    const value = raw[field as keyof StoredRecallParameters];
    if (value === null || value === undefined || Array.isArray(value)) continue;
    if (field !== 'model' && field !== 'refiner_model' && field !== 'vae_model') out[field] = value;
  }
  for (const field in found) out[field] = found[field as keyof ResolvedRecallParameters];
  return out as ResolvedRecallParameters;
}

function imagesOf(found: ResolvedRecallParameters): ImageRef[] {
  const images: ImageRef[] = [];
  for (const list of [found.control_layers, found.ip_adapters, found.reference_images]) {
    for (const entry of list ?? []) if (entry.image) images.push(entry.image);
  }
  return images;
}

/** Warnings in request order (fields in schema order, then entry index), whatever order lookups finished in. */
export function byFieldOrder(a: RecallWarning, b: RecallWarning): number {
  const [fa = '', ia = '0'] = a.field.split('.');
  const [fb = '', ib = '0'] = b.field.split('.');
  const oa = (RECALL_FIELDS as readonly string[]).indexOf(fa);
  const ob = (RECALL_FIELDS as readonly string[]).indexOf(fb);
  return oa - ob || Number(ia) - Number(ib);
}
