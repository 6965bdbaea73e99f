import { isRecord } from '../text.js';
import { type RecallBuilder, toNumber } from './builder.js';

/**
 * InvokeAI 2.x: the `sd-metadata` JSON (`{model_weights, model_hash, app_version, image: {prompt,
 * steps, cfg_scale, sampler, seed, width, height, ...}}`) and the older `Dream` text, the command
 * line that made the image (`"a prompt [negative]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`).
 * In both, text in square brackets is the negative prompt.
 */

export function splitBracketNegative(prompt: string): { positive: string; negative?: string } {
  const negatives: string[] = [];
  const positive = prompt.replace(/\[([^[\]]*)\]/g, (_m, inner: string) => {
    negatives.push(inner.trim());
    return '';
  });
  if (negatives.length === 0) return { positive: prompt.trim() };
  return { positive: positive.replace(/\s{2,}/g, ' ').trim(), negative: negatives.filter(Boolean).join(', ') };
}

function setPrompt(out: RecallBuilder, prompt: string): void {
  const { positive, negative } = splitBracketNegative(prompt);
  out.set('positive_prompt', positive, 'prompt');
  out.set('negative_prompt', negative, 'prompt');
}

/** `image.prompt` is a string, or `[{prompt, weight}]` for blended prompts (kept whole when there are several). */
function promptText(v: unknown, out: RecallBuilder): string | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return undefined;
  const parts = v.filter(isRecord).filter((p) => typeof p.prompt === 'string');
  if (parts.length > 1) out.keep('prompt', v);
  return parts[0]?.prompt as string | undefined;
}

export function parseSdMetadata(json: Record<string, unknown>, out: RecallBuilder): boolean {
  const image = json.image;
  if (!isRecord(image)) return false;
  const prompt = promptText(image.prompt, out);
  if (prompt !== undefined) setPrompt(out, prompt);
  out.set('steps', toNumber(image.steps), 'steps');
  out.set('cfg_scale', toNumber(image.cfg_scale), 'cfg_scale');
  out.set('seed', toNumber(image.seed), 'seed');
  out.set('width', toNumber(image.width), 'width');
  out.set('height', toNumber(image.height), 'height');
  out.set('denoise_strength', toNumber(image.strength), 'strength');
  if (image.seamless === true) {
    out.set('seamless_x', true, 'seamless');
    out.set('seamless_y', true, 'seamless');
  }
  out.setSampler('novelai', image.sampler, undefined, { sampler: 'sampler', schedule: 'schedule' });
  const weights = typeof json.model_weights === 'string' ? json.model_weights : undefined;
  out.setModel('model', weights, { hash: json.model_hash }, 'model_weights');
  for (const key of ['type', 'postprocessing', 'variations', 'init_image_path', 'hires_fix', 'threshold', 'perlin']) {
    const v = image[key];
    if (v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) out.keep(key, v);
  }
  return true;
}

const DREAM_FLAGS: Record<string, { field: 'steps' | 'seed' | 'width' | 'height' | 'cfg_scale' | 'denoise_strength' | 'sampler' }> = {
  '-s': { field: 'steps' },
  '--steps': { field: 'steps' },
  '-S': { field: 'seed' },
  '--seed': { field: 'seed' },
  '-W': { field: 'width' },
  '--width': { field: 'width' },
  '-H': { field: 'height' },
  '--height': { field: 'height' },
  '-C': { field: 'cfg_scale' },
  '--cfg_scale': { field: 'cfg_scale' },
  '-f': { field: 'denoise_strength' },
  '--strength': { field: 'denoise_strength' },
  '-A': { field: 'sampler' },
  '-m': { field: 'sampler' },
  '--sampler': { field: 'sampler' },
};

/** Splits a command line into words, keeping double-quoted strings (with backslash escapes) whole. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

export function parseDream(text: string, out: RecallBuilder): boolean {
  const w = words(text.trim());
  if (w.length === 0 || !text.trim().startsWith('"')) return false;
  setPrompt(out, w[0] ?? '');
  for (let i = 1; i < w.length; i++) {
    const flag = w[i] ?? '';
    const known = DREAM_FLAGS[flag];
    if (known) {
      const value = w[++i];
      if (known.field === 'sampler') out.setSampler('novelai', value, undefined, { sampler: flag, schedule: 'schedule' });
      else out.set(known.field, toNumber(value), flag);
    } else if (flag === '--seamless') {
      out.set('seamless_x', true, flag);
      out.set('seamless_y', true, flag);
    } else if (flag.startsWith('-')) {
      const next = w[i + 1];
      out.keep(flag, next !== undefined && !next.startsWith('-') ? (i++, next) : true);
    }
  }
  return true;
}
