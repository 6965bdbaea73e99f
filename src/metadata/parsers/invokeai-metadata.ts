import { isRecord } from '../text.js';
import type { RecallBuilder } from './builder.js';
import {
  modelIdentifier,
  readCanvasControlLayers,
  readControlAdapters,
  readIpAdapters,
  readLoras,
  readRefImages,
} from './invokeai-lists.js';

/** Scalars InvokeAI writes under the recall API's own names (the recall API was made from them). */
const SAME_NAME = [
  'positive_prompt',
  'negative_prompt',
  'width',
  'height',
  'seed',
  'steps',
  'cfg_scale',
  'cfg_rescale_multiplier',
  'guidance',
  'scheduler',
  'seamless_x',
  'seamless_y',
  'clip_skip',
  'refiner_steps',
  'refiner_cfg_scale',
  'refiner_positive_aesthetic_score',
  'refiner_negative_aesthetic_score',
] as const;

const CONSUMED = new Set<string>([
  ...SAME_NAME,
  'strength',
  'refiner_start',
  'model',
  'vae',
  'refiner_model',
  'loras',
  'controlnets',
  't2iAdapters',
  'ipAdapters',
  'canvas_v2_metadata',
  'ref_images',
  'app_version',
]);

function setModel(out: RecallBuilder, field: 'model' | 'vae_model' | 'refiner_model', v: unknown, key: string): void {
  const m = modelIdentifier(v);
  if (m.name) out.setModel(field, m.name, m.hash ? { hash: m.hash } : undefined, key);
}

/** Maps InvokeAI's core metadata (v3 to v6); also used for the core_metadata node of a graph. */
export function mapInvokeMetadata(meta: Record<string, unknown>, out: RecallBuilder): void {
  for (const field of SAME_NAME) out.set(field, meta[field], field);
  out.set('denoise_strength', meta.strength, 'strength');
  out.set('refiner_denoise_start', meta.refiner_start, 'refiner_start');
  setModel(out, 'model', meta.model, 'model');
  setModel(out, 'vae_model', meta.vae, 'vae');
  setModel(out, 'refiner_model', meta.refiner_model, 'refiner_model');
  readLoras(meta.loras, out);
  readControlAdapters(meta.controlnets, 'controlnets', out);
  readControlAdapters(meta.t2iAdapters, 't2iAdapters', out);
  readIpAdapters(meta.ipAdapters, out);
  const canvas = isRecord(meta.canvas_v2_metadata) ? meta.canvas_v2_metadata : {};
  readCanvasControlLayers(canvas.controlLayers, out);
  const canvasRefs = isRecord(canvas.referenceImages) ? canvas.referenceImages.entities : canvas.referenceImages;
  readRefImages(canvasRefs, out, 'canvas_v2_metadata.referenceImages');
  readRefImages(meta.ref_images, out, 'ref_images');
  for (const key of ['rasterLayers', 'inpaintMasks', 'regionalGuidance']) {
    const list = canvas[key];
    if (Array.isArray(list) && list.length > 0) out.keep(`canvas_v2_metadata.${key}`, `${list.length} layer(s), not recallable`);
  }
  for (const [k, v] of Object.entries(meta)) {
    if (CONSUMED.has(k) || v === null || v === undefined) continue;
    if (typeof v !== 'object' || (Array.isArray(v) && v.length > 0) || (isRecord(v) && Object.keys(v).length > 0)) out.keep(k, v);
  }
}

