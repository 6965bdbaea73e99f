import { type ImageMetadata, NO_GENERATION_METADATA } from '../../shared/metadata.js';
import { zRecallParameters } from '../../shared/recall.js';
import type { RawImageMetadata } from '../readers/types.js';
import { parseA1111 } from './a1111.js';
import { RecallBuilder } from './builder.js';
import { parseComfyUi } from './comfyui.js';
import { parseDrawThings } from './drawthings.js';
import { normalizeEntries } from './entries.js';
import { parseFooocus, parseRuinedFooocus } from './fooocus.js';
import { parseInvokeAi } from './invokeai.js';
import { parseNovelAi } from './novelai.js';
import type { SchedulerMatch } from './samplers.js';
import { parseStabilityMatrix } from './stability-matrix.js';
import { parseSwarmUi } from './swarmui.js';
import { parseTensorArt } from './tensorart.js';
import type { ToolParser } from './types.js';

export type { SchedulerMatch } from './samplers.js';

export interface ParseOptions {
  /**
   * `exact` (default): a scheduler is set only when the image's sampler and sigma schedule both have
   * an InvokeAI equivalent. `nearest`: the sampler algorithm decides and a different schedule (say
   * Euler a with Karras sigmas → `euler_a`) is accepted; the originals are kept under `unmapped`.
   */
  schedulerMatch?: SchedulerMatch;
}

/**
 * Most distinctive first: tools that also embed a ComfyUI graph or an A1111 text (SwarmUI,
 * Stability Matrix, TensorArt, ComfyUI metadata savers) are recognised by their own entries
 * before the generic ComfyUI and A1111 parsers get a look.
 */
const PARSERS: readonly ToolParser[] = [
  parseInvokeAi,
  parseNovelAi,
  parseTensorArt,
  parseStabilityMatrix,
  parseSwarmUi,
  parseRuinedFooocus,
  parseFooocus,
  parseDrawThings,
  parseComfyUi,
  parseA1111,
];

/** A last guard: a field the recall schema refuses goes to `unmapped`, so `parameters` always validates. */
function enforceSchema(out: RecallBuilder): void {
  const check = zRecallParameters.safeParse(out.parameters);
  if (check.success) return;
  const params = out.parameters as Record<string, unknown>;
  for (const field of new Set(check.error.issues.map((i) => String(i.path[0])))) {
    out.keep(field, params[field]);
    delete params[field];
  }
}

/** Maps the entries read from an image to recall parameters. Pure: no I/O, never throws for any entries. */
export function interpretMetadata(raw: RawImageMetadata, options: ParseOptions = {}): ImageMetadata {
  const { format, width, height } = raw;
  const entries = normalizeEntries(raw.entries);
  for (const parser of PARSERS) {
    const out = new RecallBuilder(options.schedulerMatch ?? 'exact');
    const source = parser(entries, out);
    if (!source) continue;
    enforceSchema(out);
    return { status: 'found', format, width, height, source, parameters: out.parameters, model_refs: out.modelRefs, unmapped: out.unmapped };
  }
  const { xmp: _xmp, ...texts } = raw.entries;
  return { status: 'none', format, width, height, message: NO_GENERATION_METADATA, unmapped: texts };
}
