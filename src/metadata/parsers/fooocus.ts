import { isRecord, parseJsonObject } from '../text.js';
import { clipSkipFromLayerCount, type RecallBuilder, toNumber } from './builder.js';
import type { Entries } from './entries.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

/** Fooocus' JSON scheme uses snake_case keys; its older log format used Title Case ones. */
function getter(json: Record<string, unknown>) {
  return (key: string, legacy: string): unknown => json[key] ?? json[legacy];
}

/** "(1024, 1024)", "1024*1024" or "1024×1024 ..." */
export function parseResolution(v: unknown): [number, number] | undefined {
  const m = typeof v === 'string' ? /(\d+)\D+(\d+)/.exec(v) : undefined;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** LoRAs: `loras: [[name, weight, hash]]` (current), or `lora_combined_N: "name : weight"` (older). */
function readLoras(json: Record<string, unknown>, out: RecallBuilder): void {
  if (Array.isArray(json.loras)) {
    for (const l of json.loras) {
      if (!Array.isArray(l) || typeof l[0] !== 'string') continue;
      out.addLora({ model_name: modelNameFromFile(l[0]), weight: toNumber(l[1]) ?? 1 }, l[2] ? { hash: l[2] } : undefined, 'loras');
    }
    return;
  }
  for (const [k, v] of Object.entries(json)) {
    if (!/^(lora_combined_\d+|LoRA \d+)$/.test(k) || typeof v !== 'string') continue;
    const parts = v.split(' : ');
    const [enabled, name, weight] = parts.length === 3 ? parts : ['True', parts[0], parts[1]];
    if (enabled !== 'True' || !name || name === 'None') continue;
    out.addLora({ model_name: modelNameFromFile(name), weight: toNumber(weight) ?? 1 }, undefined, k);
  }
}

const CONSUMED = new Set([
  'prompt', 'Prompt', 'negative_prompt', 'Negative Prompt', 'steps', 'Steps', 'resolution', 'Resolution', 'guidance_scale',
  'Guidance Scale', 'sampler', 'Sampler', 'scheduler', 'Scheduler', 'seed', 'Seed', 'base_model', 'Base Model', 'base_model_hash',
  'refiner_model', 'Refiner Model', 'refiner_model_hash', 'refiner_switch', 'Refiner Switch', 'vae', 'VAE', 'loras', 'version',
  'Version', 'clip_skip', 'CLIP Skip', 'metadata_scheme', 'full_prompt', 'full_negative_prompt',
]);

function isFooocus(entries: Entries, json: Record<string, unknown>): boolean {
  if (entries.fooocus_scheme === 'fooocus' || entries.Software?.startsWith('Fooocus')) return true;
  return ('base_model' in json || 'Base Model' in json) && ('guidance_scale' in json || 'Guidance Scale' in json || 'performance' in json || 'Performance' in json);
}

/** Fooocus: `parameters` JSON (PNG), or EXIF UserComment JSON with Software "Fooocus v..." (JPEG/WebP). */
export const parseFooocus: ToolParser = (entries, out) => {
  const json = parseJsonObject(entries.parameters);
  if (!json || !isFooocus(entries, json)) return undefined;
  const get = getter(json);
  // The prompt as typed; the full prompt has the styles and the Fooocus V2 expansion applied.
  out.set('positive_prompt', get('prompt', 'Prompt'), 'prompt');
  out.set('negative_prompt', get('negative_prompt', 'Negative Prompt'), 'negative_prompt');
  out.keep('full_prompt', json.full_prompt);
  out.keep('full_negative_prompt', json.full_negative_prompt);
  out.set('steps', toNumber(get('steps', 'Steps')), 'steps');
  const size = parseResolution(get('resolution', 'Resolution'));
  if (size) {
    out.set('width', size[0], 'resolution');
    out.set('height', size[1], 'resolution');
  }
  out.set('cfg_scale', toNumber(get('guidance_scale', 'Guidance Scale')), 'guidance_scale');
  out.set('seed', toNumber(get('seed', 'Seed')), 'seed');
  out.set('clip_skip', clipSkipFromLayerCount(toNumber(get('clip_skip', 'CLIP Skip'))), 'clip_skip');
  out.setSampler('comfyui', get('sampler', 'Sampler'), get('scheduler', 'Scheduler'), { sampler: 'sampler', schedule: 'scheduler' });
  const base = get('base_model', 'Base Model');
  if (typeof base === 'string') out.setModel('model', modelNameFromFile(base), { hash: json.base_model_hash }, 'base_model');
  const refiner = get('refiner_model', 'Refiner Model');
  if (typeof refiner === 'string' && refiner !== 'None' && refiner !== '') {
    out.setModel('refiner_model', modelNameFromFile(refiner), { hash: json.refiner_model_hash }, 'refiner_model');
    out.set('refiner_denoise_start', toNumber(get('refiner_switch', 'Refiner Switch')), 'refiner_switch');
  }
  const vae = get('vae', 'VAE');
  if (typeof vae === 'string' && !/^default/i.test(vae) && vae !== 'None') out.setModel('vae_model', modelNameFromFile(vae), undefined, 'vae');
  readLoras(json, out);
  for (const [k, v] of Object.entries(json)) if (!CONSUMED.has(k) && !/^(lora_combined_\d+|LoRA \d+)$/.test(k)) out.keep(k, v);
  const version = get('version', 'Version');
  return { tool: 'fooocus', version: typeof version === 'string' ? version.replace(/^Fooocus\s*/, '') : null };
};

/** RuinedFooocus: `parameters` JSON with `"software": "RuinedFooocus"`. */
export const parseRuinedFooocus: ToolParser = (entries, out) => {
  const json = parseJsonObject(entries.parameters);
  if (!json || json.software !== 'RuinedFooocus') return undefined;
  out.set('positive_prompt', json.Prompt, 'Prompt');
  out.set('negative_prompt', json.Negative, 'Negative');
  out.set('steps', toNumber(json.steps), 'steps');
  out.set('cfg_scale', toNumber(json.cfg), 'cfg');
  out.set('width', toNumber(json.width), 'width');
  out.set('height', toNumber(json.height), 'height');
  out.set('seed', toNumber(json.seed), 'seed');
  out.set('clip_skip', clipSkipFromLayerCount(toNumber(json.clip_skip)), 'clip_skip');
  const denoise = toNumber(json.denoise);
  if (denoise !== undefined && denoise < 1) out.set('denoise_strength', denoise, 'denoise');
  out.setSampler('comfyui', json.sampler_name, json.scheduler, { sampler: 'sampler_name', schedule: 'scheduler' });
  if (typeof json.base_model_name === 'string') out.setModel('model', modelNameFromFile(json.base_model_name), { hash: json.base_model_hash }, 'base_model_name');
  if (Array.isArray(json.loras)) {
    for (const l of json.loras) {
      // Entries are [name, weight] pairs or {name, weight} objects depending on the version.
      const name = Array.isArray(l) ? l.find((x) => typeof x === 'string') : isRecord(l) ? (l.name ?? l.lora) : undefined;
      const weight = Array.isArray(l) ? l.find((x) => typeof x === 'number') : isRecord(l) ? (l.weight ?? l.strength) : undefined;
      if (typeof name === 'string') out.addLora({ model_name: modelNameFromFile(name), weight: toNumber(weight) ?? 1 }, undefined, 'loras');
    }
  }
  const consumed = new Set(['Prompt', 'Negative', 'steps', 'cfg', 'width', 'height', 'seed', 'clip_skip', 'denoise', 'sampler_name', 'scheduler', 'base_model_name', 'base_model_hash', 'loras', 'software']);
  for (const [k, v] of Object.entries(json)) if (!consumed.has(k) && v !== 0) out.keep(k, v);
  return { tool: 'ruinedfooocus', version: null };
};
