import type { MetadataSource } from '../../shared/metadata.js';
import { isRecord, parseJson } from '../text.js';
import { extractPromptLoras, parseA1111Text, parseParamPairs, type A1111Text } from './a1111-text.js';
import { clipSkipFromLayerCount, type RecallBuilder, toNumber } from './builder.js';
import type { Entries } from './entries.js';
import { modelNameFromFile, splitBracketHash } from './models.js';
import type { ToolParser } from './types.js';

/** Keys mapped below; every other key of the parameter line is kept under `unmapped`. */
const MAPPED = new Set([
  'Steps', 'Sampler', 'Schedule type', 'Sampler sigma', 'CFG scale', 'Seed', 'Size', 'Model', 'Model hash', 'VAE',
  'VAE hash', 'Denoising strength', 'Clip skip', 'Lora hashes', 'Hashes', 'Version', 'App', 'Refiner',
  'Refiner switch at', 'Tiling', 'CFG rescale', 'Raw prompt', 'Raw negative prompt', 'Civitai resources',
]);

function detectTool(params: Map<string, string>): MetadataSource {
  const version = params.get('Version') ?? null;
  if (params.get('App') === 'SD.Next') return { tool: 'sdnext', version };
  if (version && /^(f\d|neo)/.test(version)) return { tool: 'forge', version };
  if (version?.startsWith('Fooocus')) return { tool: 'fooocus', version: version.replace(/^Fooocus\s*/, '') || null };
  if (version === 'ComfyUI') return { tool: 'comfyui', version: null };
  if (params.has('Civitai resources') || params.has('Civitai metadata')) return { tool: 'civitai', version };
  return { tool: 'automatic1111', version };
}

/** Model hashes by name: "Lora hashes" ("name: hash, ...") and the "Hashes" JSON ({"lora:name": hash}). */
function loraHashes(params: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, hash] of parseParamPairs(params.get('Lora hashes') ?? '')) out.set(name, hash);
  const hashes = parseJson(params.get('Hashes'));
  if (isRecord(hashes)) {
    for (const [k, v] of Object.entries(hashes)) {
      if (k.startsWith('lora:') && typeof v === 'string' && !out.has(k.slice(5))) out.set(k.slice(5), v);
    }
  }
  return out;
}

const CONTROL_MODES: Record<string, 'balanced' | 'more_prompt' | 'more_control'> = {
  balanced: 'balanced',
  '0': 'balanced',
  'my prompt is more important': 'more_prompt',
  '1': 'more_prompt',
  'controlnet is more important': 'more_control',
  '2': 'more_control',
};

/** "ControlNet N" entries of sd-webui-controlnet and Forge; IP-Adapter units become IP adapters. */
function readControlNets(params: Map<string, string>, out: RecallBuilder): void {
  for (const [key, value] of params) {
    if (!/^ControlNet( \d+)?$/.test(key)) continue;
    const unit = new Map(parseParamPairs(value));
    const { name, hash } = splitBracketHash(unit.get('Model') ?? '');
    if (!name || name.toLowerCase() === 'none') {
      out.keep(key, value);
      continue;
    }
    const common = {
      model_name: name,
      weight: toNumber(unit.get('Weight')) ?? 1,
      begin_step_percent: toNumber(unit.get('Guidance Start')) ?? 0,
      end_step_percent: toNumber(unit.get('Guidance End')) ?? 1,
    };
    const ref = hash ? { hash } : undefined;
    const isIpAdapter = /ip[-_]?adapter/i.test(`${name} ${unit.get('Module') ?? ''}`);
    if (isIpAdapter) out.addIpAdapter(common, ref, key);
    else out.addControlLayer({ ...common, control_mode: CONTROL_MODES[(unit.get('Control Mode') ?? '').toLowerCase()] ?? null }, ref, key);
    // The preprocessor and its settings have no recall field.
    out.keep(key, value);
  }
}

function readLoras(prompt: string, params: Map<string, string>, out: RecallBuilder): string {
  const { prompt: cleaned, loras } = extractPromptLoras(prompt);
  const hashes = loraHashes(params);
  for (const lora of loras) {
    const hash = hashes.get(lora.name);
    out.addLora({ model_name: lora.name, weight: lora.weight }, hash ? { hash } : undefined, `<lora:${lora.name}>`);
  }
  return cleaned;
}

/** Civitai's generator names its models only in "Civitai resources" (display names, no files). */
function readCivitaiResources(params: Map<string, string>, out: RecallBuilder): void {
  const resources = parseJson(params.get('Civitai resources'));
  if (!Array.isArray(resources)) return;
  for (const r of resources) {
    if (!isRecord(r) || typeof r.modelName !== 'string') continue;
    if (r.type === 'checkpoint') out.setDefault('model', r.modelName, 'Civitai resources');
    else if ((r.type === 'lora' || r.type === 'lycoris') && !out.has('loras')) {
      out.addLora({ model_name: r.modelName, weight: toNumber(r.weight) ?? 1 }, undefined, 'Civitai resources');
    }
  }
  out.keep('Civitai resources', params.get('Civitai resources'));
}

function readScalars(params: Map<string, string>, out: RecallBuilder): void {
  const num = (k: string) => toNumber(params.get(k));
  out.set('steps', num('Steps'), 'Steps');
  out.set('cfg_scale', num('CFG scale'), 'CFG scale');
  out.set('seed', num('Seed'), 'Seed');
  const size = /^(\d+)x(\d+)$/.exec(params.get('Size') ?? '');
  if (size) {
    out.set('width', Number(size[1]), 'Size');
    out.set('height', Number(size[2]), 'Size');
  }
  // With hires fix on, "Denoising strength" belongs to the upscaling pass, which recall cannot express.
  const hires = [...params.keys()].some((k) => k.startsWith('Hires'));
  if (hires) out.keep('Denoising strength', params.get('Denoising strength'));
  else out.set('denoise_strength', num('Denoising strength'), 'Denoising strength');
  out.set('clip_skip', clipSkipFromLayerCount(num('Clip skip')), 'Clip skip');
  out.set('cfg_rescale_multiplier', num('CFG rescale'), 'CFG rescale');
  out.set('refiner_denoise_start', num('Refiner switch at'), 'Refiner switch at');
  if (params.get('Tiling') === 'True') {
    out.set('seamless_x', true, 'Tiling');
    out.set('seamless_y', true, 'Tiling');
  }
  const schedule = params.get('Schedule type') ?? params.get('Sampler sigma');
  out.setSampler('a1111', params.get('Sampler'), schedule, { sampler: 'Sampler', schedule: params.has('Schedule type') ? 'Schedule type' : 'Sampler sigma' });
}

function readModels(params: Map<string, string>, out: RecallBuilder): void {
  const hashes = parseJson(params.get('Hashes'));
  const hashOf = (k: string): unknown => (isRecord(hashes) ? hashes[k] : undefined);
  const model = params.get('Model');
  if (model) out.setModel('model', modelNameFromFile(model), { hash: params.get('Model hash') ?? hashOf('model') }, 'Model');
  const vae = params.get('VAE');
  if (vae) out.setModel('vae_model', modelNameFromFile(vae), { hash: params.get('VAE hash') ?? hashOf('vae') }, 'VAE');
  const refiner = params.get('Refiner');
  if (refiner) {
    const { name, hash } = splitBracketHash(refiner);
    out.setModel('refiner_model', modelNameFromFile(name), hash ? { hash } : undefined, 'Refiner');
  }
}

/** Maps a parsed infotext; shared with the parsers of tools that write it beside their own data. */
export function mapA1111(text: A1111Text, out: RecallBuilder): void {
  const { params } = text;
  // Fooocus' A1111 scheme keeps the prompts as typed under "Raw prompt"; the main text has styles applied.
  const prompt = params.get('Raw prompt') ?? text.prompt;
  out.set('positive_prompt', readLoras(prompt, params, out), 'prompt');
  out.set('negative_prompt', params.get('Raw negative prompt') ?? text.negativePrompt, 'Negative prompt');
  readScalars(params, out);
  readModels(params, out);
  readControlNets(params, out);
  if (params.has('Civitai resources')) readCivitaiResources(params, out);
  for (const [k, v] of params) if (!MAPPED.has(k) && !/^ControlNet( \d+)?$/.test(k)) out.keep(k, v);
}

/** AUTOMATIC1111, Forge, SD.Next, Civitai and Fooocus' A1111 scheme: a `parameters` infotext. */
export const parseA1111: ToolParser = (entries: Entries, out) => {
  const raw = entries.parameters;
  if (raw === undefined) return undefined;
  const text = parseA1111Text(raw);
  if (!text) return undefined;
  mapA1111(text, out);
  const source = detectTool(text.params);
  return entries.fooocus_scheme ? { tool: 'fooocus', version: source.version } : source;
};
