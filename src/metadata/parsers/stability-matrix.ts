import { isRecord, parseJsonObject } from '../text.js';
import { clipSkipFromLayerCount, toNumber } from './builder.js';
import { fillFromComfyGraph } from './comfyui-fill.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

const path = (v: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((o, k) => (isRecord(o) ? o[k] : undefined), v);

/**
 * Stability Matrix (Inference): `parameters-json` (its record, prompts as typed), `smproj` (the
 * project, with ComfyUI sampler and scheduler names and CLIP skip), an A1111-style `parameters`
 * text and the ComfyUI `prompt` graph it ran.
 */
export const parseStabilityMatrix: ToolParser = (entries, out) => {
  const pj = parseJsonObject(entries['parameters-json']);
  const project = parseJsonObject(entries.smproj);
  if (!pj && !project) return undefined;
  const state = path(project, 'State');
  if (pj) {
    out.set('positive_prompt', pj.PositivePrompt, 'PositivePrompt');
    out.set('negative_prompt', pj.NegativePrompt, 'NegativePrompt');
    out.set('steps', toNumber(pj.Steps), 'Steps');
    out.set('cfg_scale', toNumber(pj.CfgScale), 'CfgScale');
    out.set('seed', toNumber(pj.Seed), 'Seed');
    out.set('width', toNumber(pj.Width), 'Width');
    out.set('height', toNumber(pj.Height), 'Height');
    if (typeof pj.ModelName === 'string') out.setModel('model', modelNameFromFile(pj.ModelName), { hash: pj.ModelHash }, 'ModelName');
  }
  const sampler = path(state, 'Sampler', 'SelectedSampler', 'Name');
  if (typeof sampler === 'string') {
    out.setSampler('comfyui', sampler, path(state, 'Sampler', 'SelectedScheduler', 'Name'), { sampler: 'SelectedSampler', schedule: 'SelectedScheduler' });
  } else if (pj) {
    out.setSampler('a1111', pj.Sampler, undefined, { sampler: 'Sampler', schedule: 'Scheduler' });
  }
  if (path(state, 'Model', 'IsClipSkipEnabled') === true) {
    out.set('clip_skip', clipSkipFromLayerCount(toNumber(path(state, 'Model', 'ClipSkip'))), 'ClipSkip');
  }
  fillFromComfyGraph(entries.prompt, out);
  return { tool: 'stability-matrix', version: null };
};
