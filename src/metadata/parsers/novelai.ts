import { isRecord, parseJsonObject } from '../text.js';
import { toNumber } from './builder.js';
import type { ToolParser } from './types.js';

/** Settings worth showing when NovelAI sets them; the rest of its Comment is bookkeeping. */
const KEPT = ['uncond_scale', 'sm', 'sm_dyn', 'dynamic_thresholding', 'skip_cfg_above_sigma', 'noise', 'controlnet_model', 'reference_information_extracted_multiple', 'reference_strength_multiple', 'legacy_v3_extend', 'request_type'];

const caption = (v: unknown): string | undefined =>
  isRecord(v) && isRecord(v.caption) && typeof v.caption.base_caption === 'string' ? v.caption.base_caption : undefined;

/**
 * NovelAI: PNG text chunks `Software: NovelAI`, `Source: "NovelAI Diffusion V4.5 <id>"`,
 * `Description` (the prompt) and `Comment` (JSON of the request). Its WebP carries the same
 * chunks as JSON in EXIF UserComment, spread out by normalizeEntries.
 */
export const parseNovelAi: ToolParser = (entries, out) => {
  const comment = parseJsonObject(entries.Comment);
  const signed = entries.Software === 'NovelAI' || /^NovelAI/.test(entries.Source ?? '');
  if (!comment || !(signed || 'v4_prompt' in comment || 'noise_schedule' in comment || 'uncond_scale' in comment)) return undefined;
  out.set('positive_prompt', comment.prompt ?? caption(comment.v4_prompt) ?? entries.Description, 'prompt');
  out.set('negative_prompt', comment.uc ?? caption(comment.v4_negative_prompt), 'uc');
  out.set('steps', toNumber(comment.steps), 'steps');
  out.set('cfg_scale', toNumber(comment.scale), 'scale');
  out.set('seed', toNumber(comment.seed), 'seed');
  out.set('width', toNumber(comment.width), 'width');
  out.set('height', toNumber(comment.height), 'height');
  out.set('cfg_rescale_multiplier', toNumber(comment.cfg_rescale), 'cfg_rescale');
  // Older images record strength and noise even for text-to-image; only an img2img request used them.
  if (typeof comment.request_type === 'string' && /img2img/i.test(comment.request_type)) out.set('denoise_strength', toNumber(comment.strength), 'strength');
  else out.keep('strength', comment.strength);
  out.setSampler('novelai', comment.sampler, comment.noise_schedule, { sampler: 'sampler', schedule: 'noise_schedule' });
  // NovelAI's models are its own; the Source names the one used, which no local registry holds by file.
  const source = entries.Source;
  if (source) {
    out.set('model', source.replace(/\s+[0-9A-F]{8}$/i, ''), 'Source');
    out.keep('Source', source);
  }
  const characters = isRecord(comment.v4_prompt) && isRecord(comment.v4_prompt.caption) ? comment.v4_prompt.caption.char_captions : undefined;
  if (Array.isArray(characters) && characters.length > 0) out.keep('char_captions', characters);
  for (const k of KEPT) {
    const v = comment[k];
    if (v !== undefined && v !== null && v !== false && v !== 0 && !(Array.isArray(v) && v.length === 0)) out.keep(k, v);
  }
  return { tool: 'novelai', version: null };
};
