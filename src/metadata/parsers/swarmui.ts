import { isRecord, parseJsonObject } from '../text.js';
import { clipSkipFromLayerCount, type RecallBuilder, toNumber } from './builder.js';
import { fillFromComfyGraph } from './comfyui-fill.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

const CONSUMED = new Set([
  'prompt', 'negativeprompt', 'model', 'seed', 'steps', 'cfgscale', 'width', 'height', 'sampler', 'scheduler', 'vae', 'loras',
  'loraweights', 'refinermodel', 'refinersteps', 'clipstopatlayer', 'initimagecreativity', 'fluxguidancescale', 'swarm_version',
]);

/** SwarmUI hashes the tensor data only (its "0x..." hashes), the AutoV3 way. */
function readModelHashes(models: unknown, out: RecallBuilder): void {
  if (!Array.isArray(models)) return;
  for (const m of models) {
    if (!isRecord(m) || typeof m.name !== 'string' || typeof m.hash !== 'string') continue;
    const name = modelNameFromFile(m.name);
    const hash = { hash: m.hash, algorithm: 'autov3' as const };
    if (m.param === 'model') out.refByName('model', name, hash);
    else if (m.param === 'refinermodel') out.refByName('refiner_model', name, hash);
    else if (m.param === 'vae') out.refByName('vae_model', name, hash);
    else if (m.param === 'loras') {
      (out.parameters.loras ?? []).forEach((l, i) => {
        if (modelNameFromFile(l.model_name) === name) out.ref(`loras.${i}`, l.model_name, hash);
      });
    }
  }
}

/** SwarmUI: `parameters` JSON `{sui_image_params, sui_extra_data, sui_models}` (EXIF UserComment in JPEG/WebP). */
export const parseSwarmUi: ToolParser = (entries, out) => {
  const json = parseJsonObject(entries.parameters);
  const p = json?.sui_image_params;
  if (!json || !isRecord(p)) return undefined;
  out.set('positive_prompt', p.prompt, 'prompt');
  out.set('negative_prompt', p.negativeprompt, 'negativeprompt');
  out.set('seed', toNumber(p.seed), 'seed');
  out.set('steps', toNumber(p.steps), 'steps');
  out.set('cfg_scale', toNumber(p.cfgscale), 'cfgscale');
  out.set('width', toNumber(p.width), 'width');
  out.set('height', toNumber(p.height), 'height');
  out.set('guidance', toNumber(p.fluxguidancescale), 'fluxguidancescale');
  out.set('clip_skip', clipSkipFromLayerCount(toNumber(p.clipstopatlayer)), 'clipstopatlayer');
  out.set('denoise_strength', toNumber(p.initimagecreativity), 'initimagecreativity');
  out.setSampler('comfyui', p.sampler, p.scheduler, { sampler: 'sampler', schedule: 'scheduler' });
  if (typeof p.model === 'string') out.setModel('model', modelNameFromFile(p.model), undefined, 'model');
  if (typeof p.vae === 'string' && p.vae !== 'None') out.setModel('vae_model', modelNameFromFile(p.vae), undefined, 'vae');
  if (typeof p.refinermodel === 'string') out.setModel('refiner_model', modelNameFromFile(p.refinermodel), undefined, 'refinermodel');
  out.set('refiner_steps', toNumber(p.refinersteps), 'refinersteps');
  if (Array.isArray(p.loras)) {
    const weights = Array.isArray(p.loraweights) ? p.loraweights : [];
    p.loras.forEach((name, i) => {
      if (typeof name === 'string') out.addLora({ model_name: modelNameFromFile(name), weight: toNumber(weights[i]) ?? 1 }, undefined, `loras.${i}`);
    });
  }
  readModelHashes(json.sui_models, out);
  for (const [k, v] of Object.entries(p)) if (!CONSUMED.has(k)) out.keep(k, v);
  out.keep('sui_extra_data', json.sui_extra_data);
  fillFromComfyGraph(entries.prompt, out, ['seed', 'steps', 'cfg_scale', 'width', 'height']);
  return { tool: 'swarmui', version: typeof p.swarm_version === 'string' ? p.swarm_version : null };
};
