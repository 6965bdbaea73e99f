import type { Logger } from 'pino';
import type { ImageRef } from '../../shared/images.js';
import type { ModelBase, ModelType } from '../../shared/models.js';
import {
  RECALL_FIELDS,
  type RecallParameters,
  type RecallWarning,
  type ResolvedControlLayer,
  type ResolvedIpAdapter,
  type ResolvedLora,
  type ResolvedRecallParameters,
  type ResolvedReferenceImage,
} from '../../shared/recall.js';
import type { ModelRef } from '../db/store.js';
import type { ImageService } from '../images/service.js';
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

  async resolve(raw: RecallParameters, fallbackMainModel?: string): Promise<Resolution> {
    const warnings: RecallWarning[] = [];
    const out: ResolvedRecallParameters = {};

    const findModel = async (name: string, types: readonly ModelType[], field: string, preferBase?: ModelBase) => {
      const model = await this.models.resolve({ name, types, preferBase });
      if (model) {
        this.log.info(`Resolved ${TYPE_LABELS[model.type]} model name '${name}' to key '${model.key}'`);
        return model;
      }
      const message = `Could not find model '${name}' of type ${typeList(types)}; skipping ${entryLabel(field)}`;
      this.log.warn(message);
      warnings.push({ field, code: 'MODEL_NOT_FOUND', message });
      return null;
    };
    const findImage = async (name: string, field: string): Promise<ImageRef | null> => {
      const ref = await this.images.measure(name);
      if (ref) {
        this.log.info(`Found image file: ${ref.image_name} (${ref.width}x${ref.height})`);
        return ref;
      }
      const message = `Image file not found: ${name} (searched in ${this.imagesDir})`;
      this.log.warn(message);
      warnings.push({ field, code: 'IMAGE_NOT_FOUND', message });
      return null;
    };

    // Scalars first, in the request's order; model fields become keys.
    for (const [field, value] of Object.entries(raw)) {
      if (value === null || value === undefined || Array.isArray(value)) continue;
      if (field !== 'model' && field !== 'refiner_model' && field !== 'vae_model') (out as Record<string, unknown>)[field] = value;
    }

    // The main model first: its base decides between same-named LoRAs, adapters and VAEs.
    let mainBase: ModelBase | undefined;
    if (raw.model) {
      const main = await findModel(raw.model, RESOLUTION_ORDER.model, 'model');
      if (main) {
        out.model = main.key;
        mainBase = main.base;
      }
    } else if (fallbackMainModel) {
      mainBase = (await this.models.resolve({ name: fallbackMainModel, types: ['main'] }))?.base;
    }
    if (raw.refiner_model) {
      const refiner = await findModel(raw.refiner_model, RESOLUTION_ORDER.refiner_model, 'refiner_model', 'sdxl-refiner');
      if (refiner) out.refiner_model = refiner.key;
    }
    if (raw.vae_model) {
      const vae = await findModel(raw.vae_model, RESOLUTION_ORDER.vae_model, 'vae_model', mainBase);
      if (vae) out.vae_model = vae.key;
    }

    const info = (m: ModelRef) => ({ model_key: m.key, model_name: m.name, model_type: m.type, model_base: m.base });

    if (raw.loras) {
      const resolved = await Promise.all(
        raw.loras.map(async (l, i): Promise<ResolvedLora | null> => {
          const m = await findModel(l.model_name, RESOLUTION_ORDER.loras, `loras.${i}.model_name`, mainBase);
          return m ? { ...info(m), weight: l.weight, is_enabled: l.is_enabled } : null;
        }),
      );
      out.loras = resolved.filter((x): x is ResolvedLora => x !== null);
      this.log.info(`Resolved ${out.loras.length} LoRA(s)`);
    }

    if (raw.control_layers) {
      const resolved = await Promise.all(
        raw.control_layers.map(async (c, i): Promise<ResolvedControlLayer | null> => {
          const m = await findModel(c.model_name, RESOLUTION_ORDER.control_layers, `control_layers.${i}.model_name`, mainBase);
          if (!m) return null;
          const entry: ResolvedControlLayer = {
            ...info(m),
            weight: c.weight,
            begin_step_percent: c.begin_step_percent,
            end_step_percent: c.end_step_percent,
          };
          if (c.control_mode) entry.control_mode = c.control_mode;
          if (c.image_name) {
            const image = await findImage(c.image_name, `control_layers.${i}.image_name`);
            if (image) entry.image = image;
          }
          return entry;
        }),
      );
      out.control_layers = resolved.filter((x): x is ResolvedControlLayer => x !== null);
      this.log.info(`Resolved ${out.control_layers.length} control layer(s)`);
    }

    if (raw.ip_adapters) {
      const resolved = await Promise.all(
        raw.ip_adapters.map(async (a, i): Promise<ResolvedIpAdapter | null> => {
          const m = await findModel(a.model_name, RESOLUTION_ORDER.ip_adapters, `ip_adapters.${i}.model_name`, mainBase);
          if (!m) return null;
          const entry: ResolvedIpAdapter = {
            ...info(m),
            weight: a.weight,
            begin_step_percent: a.begin_step_percent,
            end_step_percent: a.end_step_percent,
            method: a.method,
          };
          if (a.image_influence) entry.image_influence = a.image_influence;
          if (a.image_name) {
            const image = await findImage(a.image_name, `ip_adapters.${i}.image_name`);
            if (image) entry.image = image;
          }
          return entry;
        }),
      );
      out.ip_adapters = resolved.filter((x): x is ResolvedIpAdapter => x !== null);
      this.log.info(`Resolved ${out.ip_adapters.length} IP adapter(s)`);
    }

    if (raw.reference_images) {
      const resolved = await Promise.all(
        raw.reference_images.map(async (r, i): Promise<ResolvedReferenceImage | null> => {
          const image = await findImage(r.image_name, `reference_images.${i}.image_name`);
          return image ? { image } : null;
        }),
      );
      out.reference_images = resolved.filter((x): x is ResolvedReferenceImage => x !== null);
      this.log.info(`Resolved ${out.reference_images.length} reference image(s)`);
    }

    return { parameters: out, warnings: warnings.sort(byFieldOrder) };
  }
}

/** Warnings in request order (fields in schema order, then entry index), whatever order lookups finished in. */
function byFieldOrder(a: RecallWarning, b: RecallWarning): number {
  const [fa = '', ia = '0'] = a.field.split('.');
  const [fb = '', ib = '0'] = b.field.split('.');
  const oa = (RECALL_FIELDS as readonly string[]).indexOf(fa);
  const ob = (RECALL_FIELDS as readonly string[]).indexOf(fb);
  return oa - ob || Number(ia) - Number(ib);
}
