import { isRecord, parseJsonObject } from '../text.js';
import { clipSkipFromLayerCount, toNumber } from './builder.js';
import { fillFromComfyGraph } from './comfyui-fill.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

const CONSUMED = new Set(['prompt', 'negativePrompt', 'width', 'height', 'steps', 'cfgScale', 'seed', 'clipSkip', 'baseModel', 'sdVae', 'ksamplerName', 'schedule', 'guidance', 'models', 'loraModels', 'denoisingStrength']);

/** TensorArt: `generation_data` JSON (NUL-terminated) beside the ComfyUI graph it ran. */
export const parseTensorArt: ToolParser = (entries, out) => {
  const gd = parseJsonObject(entries.generation_data);
  if (!gd) return undefined;
  out.set('positive_prompt', gd.prompt, 'prompt');
  out.set('negative_prompt', gd.negativePrompt, 'negativePrompt');
  out.set('width', toNumber(gd.width), 'width');
  out.set('height', toNumber(gd.height), 'height');
  out.set('steps', toNumber(gd.steps), 'steps');
  out.set('cfg_scale', toNumber(gd.cfgScale), 'cfgScale');
  out.set('guidance', toNumber(gd.guidance), 'guidance');
  out.set('denoise_strength', toNumber(gd.denoisingStrength), 'denoisingStrength');
  // TensorArt records "-1" (random) here; the graph holds the seed actually used.
  const seed = toNumber(gd.seed);
  if (seed !== undefined && seed >= 0) out.set('seed', seed, 'seed');
  out.set('clip_skip', clipSkipFromLayerCount(toNumber(gd.clipSkip)), 'clipSkip');
  out.setSampler('comfyui', gd.ksamplerName, gd.schedule, { sampler: 'ksamplerName', schedule: 'schedule' });
  const base = isRecord(gd.baseModel) ? gd.baseModel : {};
  if (typeof base.modelFileName === 'string') out.setModel('model', modelNameFromFile(base.modelFileName), { hash: base.hash }, 'baseModel');
  if (typeof gd.sdVae === 'string' && !/^(automatic|none)$/i.test(gd.sdVae)) out.setModel('vae_model', modelNameFromFile(gd.sdVae), undefined, 'sdVae');
  const extra = [...(Array.isArray(gd.models) ? gd.models : []), ...(Array.isArray(gd.loraModels) ? gd.loraModels : [])];
  for (const m of extra) {
    if (!isRecord(m) || typeof m.modelFileName !== 'string' || (m.type !== undefined && m.type !== 'LORA')) continue;
    out.addLora({ model_name: modelNameFromFile(m.modelFileName), weight: toNumber(m.weight) ?? 1 }, m.hash ? { hash: m.hash } : undefined, 'models');
  }
  for (const [k, v] of Object.entries(gd)) if (!CONSUMED.has(k)) out.keep(k, v);
  out.keep('baseModel', base.label ? { label: base.label, baseModel: base.baseModel } : undefined);
  fillFromComfyGraph(entries.prompt, out, ['seed']);
  return { tool: 'tensorart', version: null };
};
