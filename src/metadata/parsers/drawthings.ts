import { isRecord, parseJsonObject } from '../text.js';
import { toNumber } from './builder.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

const CONSUMED = new Set(['c', 'uc', 'seed', 'steps', 'scale', 'size', 'model', 'sampler', 'strength', 'lora']);

/**
 * Draw Things: XMP with `xmp:CreatorTool` "Draw Things", its settings as JSON in
 * `exif:UserComment` (c = prompt, uc = negative prompt, scale = CFG, lora = [{file, weight}]).
 */
export const parseDrawThings: ToolParser = (entries, out) => {
  const json = parseJsonObject(entries['xmp:exif:UserComment'] ?? entries['exif:UserComment']);
  const creator = entries['xmp:xmp:CreatorTool'] ?? '';
  if (!json || !(creator.startsWith('Draw Things') || ('c' in json && 'scale' in json && 'sampler' in json))) return undefined;
  out.set('positive_prompt', json.c, 'c');
  out.set('negative_prompt', json.uc, 'uc');
  out.set('seed', toNumber(json.seed), 'seed');
  out.set('steps', toNumber(json.steps), 'steps');
  out.set('cfg_scale', toNumber(json.scale), 'scale');
  const size = typeof json.size === 'string' ? /^(\d+)x(\d+)$/.exec(json.size) : null;
  if (size) {
    out.set('width', Number(size[1]), 'size');
    out.set('height', Number(size[2]), 'size');
  }
  const strength = toNumber(json.strength);
  if (strength !== undefined && strength < 1) out.set('denoise_strength', strength, 'strength');
  out.setSampler('a1111', json.sampler, undefined, { sampler: 'sampler', schedule: 'schedule' });
  if (typeof json.model === 'string') out.setModel('model', modelNameFromFile(json.model), undefined, 'model');
  if (Array.isArray(json.lora)) {
    for (const l of json.lora) {
      if (isRecord(l) && typeof l.file === 'string') out.addLora({ model_name: modelNameFromFile(l.file), weight: toNumber(l.weight) ?? 1 }, undefined, 'lora');
    }
  }
  for (const [k, v] of Object.entries(json)) if (!CONSUMED.has(k)) out.keep(k, v);
  const version = /Draw Things\s+(\S+)/.exec(creator)?.[1] ?? null;
  return { tool: 'drawthings', version };
};
