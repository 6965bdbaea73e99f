import { zImageName } from '../../shared/images.js';
import { isRecord } from '../text.js';
import { type RecallBuilder, toNumber } from './builder.js';

/**
 * InvokeAI's list-valued metadata: LoRAs, the v3/v4 `controlnets`/`t2iAdapters`/`ipAdapters`, the
 * canvas (v5+) control layers and reference images, and v6 `ref_images`.
 */

export interface ModelIdentifier {
  name?: string;
  hash?: string;
}

/** `{key, hash, name, base, type}` (v4+), `{model_name, base_model, model_type}` (v3), or a bare key. */
export function modelIdentifier(v: unknown): ModelIdentifier {
  if (typeof v === 'string') return { name: v };
  if (!isRecord(v)) return {};
  const name = [v.name, v.model_name, v.key].find((x): x is string => typeof x === 'string' && x !== '');
  return { name, hash: typeof v.hash === 'string' ? v.hash : undefined };
}

const hashOf = (m: ModelIdentifier) => (m.hash ? { hash: m.hash } : undefined);

/** An image field: `{image_name}`, or v6's croppable `{original: {image}, crop?: {image}}` (the crop is what was used). */
function imageNameOf(v: unknown, out: RecallBuilder, key: string): string | null {
  if (!isRecord(v)) return null;
  const crop = isRecord(v.crop) && isRecord(v.crop.image) ? v.crop.image.image_name : undefined;
  const original = isRecord(v.original) && isRecord(v.original.image) ? v.original.image.image_name : undefined;
  const name = crop ?? original ?? v.image_name;
  if (typeof name !== 'string') return null;
  if (zImageName.safeParse(name).success) return name;
  out.keep(key, name);
  return null;
}

function stepRange(v: unknown): { begin_step_percent?: number; end_step_percent?: number } {
  if (!Array.isArray(v)) return {};
  return { begin_step_percent: toNumber(v[0]), end_step_percent: toNumber(v[1]) };
}

const CONTROL_MODES = new Set(['balanced', 'more_prompt', 'more_control']);
function controlMode(v: unknown, out: RecallBuilder, key: string): 'balanced' | 'more_prompt' | 'more_control' | null {
  if (typeof v !== 'string') return null;
  if (CONTROL_MODES.has(v)) return v as 'balanced' | 'more_prompt' | 'more_control';
  out.keep(key, v); // 'unbalanced' has no recall value
  return null;
}

export function readLoras(list: unknown, out: RecallBuilder): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (!isRecord(item)) return;
    // v4+: {model, weight}; v3: {lora: {model_name}, weight}; early v4: {lora: {key}, weight}
    const model = modelIdentifier(item.model ?? item.lora);
    if (!model.name) return out.keep(`loras.${i}`, item);
    out.addLora({ model_name: model.name, weight: toNumber(item.weight) ?? 0.75 }, hashOf(model), `loras.${i}`);
  });
}

/** v3/v4 `controlnets` and `t2iAdapters`: the control image is the processed one where there is one. */
export function readControlAdapters(list: unknown, kind: 'controlnets' | 't2iAdapters', out: RecallBuilder): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (!isRecord(item)) return;
    const key = `${kind}.${i}`;
    const model = modelIdentifier(item.control_model ?? item.controlnet_model ?? item.t2i_adapter_model);
    const weight = item.control_weight ?? item.weight;
    if (!model.name) return out.keep(key, item);
    if (Array.isArray(weight)) out.keep(`${key}.weight`, weight); // per-step weights have no recall form
    out.addControlLayer(
      {
        model_name: model.name,
        image_name: imageNameOf(item.processed_image, out, `${key}.processed_image`) ?? imageNameOf(item.image, out, `${key}.image`),
        weight: toNumber(weight) ?? 1,
        begin_step_percent: toNumber(item.begin_step_percent) ?? 0,
        end_step_percent: toNumber(item.end_step_percent) ?? 1,
        control_mode: kind === 'controlnets' ? controlMode(item.control_mode, out, `${key}.control_mode`) : null,
      },
      hashOf(model),
      key,
    );
  });
}

/** v3/v4 `ipAdapters`. */
export function readIpAdapters(list: unknown, out: RecallBuilder): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (!isRecord(item)) return;
    const key = `ipAdapters.${i}`;
    const model = modelIdentifier(item.ip_adapter_model);
    if (!model.name) return out.keep(key, item);
    out.addIpAdapter(
      {
        model_name: model.name,
        image_name: imageNameOf(item.image, out, `${key}.image`),
        weight: toNumber(item.weight) ?? 1,
        begin_step_percent: toNumber(item.begin_step_percent) ?? 0,
        end_step_percent: toNumber(item.end_step_percent) ?? 1,
        method: ipMethod(item.method, out, `${key}.method`),
      },
      hashOf(model),
      key,
    );
  });
}

/** InvokeAI's "style_strong"/"style_precise" are kinds of style transfer; recall knows only "style". */
function ipMethod(v: unknown, out: RecallBuilder, key: string): 'full' | 'style' | 'composition' {
  if (v === 'full' || v === 'style' || v === 'composition') return v;
  if (typeof v === 'string' && v.startsWith('style')) {
    out.keep(key, v);
    return 'style';
  }
  return 'full';
}

/** A reference image config (canvas v5 `ipAdapter`, v6 `config`): IP adapter, FLUX Redux, or model-free. */
function readRefImageConfig(config: unknown, out: RecallBuilder, key: string): void {
  if (!isRecord(config)) return;
  const image = imageNameOf(config.image, out, `${key}.image`);
  const model = modelIdentifier(config.model);
  if (config.type === 'ip_adapter' || config.type === 'flux_redux') {
    if (!model.name) return out.keep(key, `${String(config.type)} without a model`);
    const influence = config.type === 'flux_redux' && typeof config.imageInfluence === 'string' ? config.imageInfluence : null;
    out.addIpAdapter(
      {
        model_name: model.name,
        image_name: image,
        weight: toNumber(config.weight) ?? 1,
        ...stepRange(config.beginEndStepPct),
        method: ipMethod(config.method, out, `${key}.method`),
        image_influence: influence as 'lowest' | 'low' | 'medium' | 'high' | 'highest' | null,
      },
      hashOf(model),
      key,
    );
    return;
  }
  // FLUX Kontext, FLUX.2 and Qwen Image Edit take the image directly (spec: model-free reference images).
  if (image) out.addReferenceImage(image, key);
  else out.keep(key, config);
}

export function readRefImages(list: unknown, out: RecallBuilder, key: string): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (!isRecord(item)) return;
    if (item.isEnabled === false) return out.keep(`${key}.${i}`, 'disabled');
    readRefImageConfig(item.config ?? item.ipAdapter, out, `${key}.${i}`);
  });
}

/** Canvas control layers: `controlAdapter` (ControlNet, T2I Adapter or Control LoRA) and the layer's image. */
export function readCanvasControlLayers(list: unknown, out: RecallBuilder): void {
  if (!Array.isArray(list)) return;
  list.forEach((layer, i) => {
    if (!isRecord(layer)) return;
    const key = `canvas_v2_metadata.controlLayers.${i}`;
    if (layer.isEnabled === false) return out.keep(key, 'disabled');
    const adapter = isRecord(layer.controlAdapter) ? layer.controlAdapter : {};
    const model = modelIdentifier(adapter.model);
    if (!model.name) return out.keep(key, 'control layer without a model');
    const objects = Array.isArray(layer.objects) ? layer.objects : [];
    const images = objects.filter((o) => isRecord(o) && o.type === 'image');
    if (images.length > 1 || objects.length > images.length) out.keep(`${key}.objects`, `${objects.length} objects; the first image is recalled`);
    const first = images[0];
    out.addControlLayer(
      {
        model_name: model.name,
        image_name: isRecord(first) ? imageNameOf(first.image, out, `${key}.image`) : null,
        weight: toNumber(adapter.weight) ?? 1,
        ...stepRange(adapter.beginEndStepPct),
        control_mode: adapter.type === 'controlnet' ? controlMode(adapter.controlMode, out, `${key}.controlMode`) : null,
      },
      hashOf(model),
      key,
    );
  });
}
