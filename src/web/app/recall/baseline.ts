import { LIMITS, type ResolvedRecallParameters } from '../../../shared/recall.js';

/*
 * The baseline is the queue's stored recall as of the revision this page applied, kept beside the
 * user's state. A catch-up applies only what differs from it: fields an earlier recall set, and that
 * the user has since edited, are not applied a second time.
 */

type Params = ResolvedRecallParameters;
const APPEND_LIMITS = { ip_adapters: LIMITS.ipAdapters, reference_images: LIMITS.referenceImages } as const;

/** The stored recall after `update` (the server's rule: fields overwrite, `append` extends both reference lists). */
export function mergeRecall(base: Params, update: Params): Params {
  const { append, ...fields } = update;
  const out: Params = { ...base, ...fields };
  if (append) {
    for (const field of ['ip_adapters', 'reference_images'] as const) {
      const added = fields[field];
      if (!added) continue;
      const merged = [...(base[field] ?? []), ...added] as never[];
      out[field] = merged.slice(-APPEND_LIMITS[field]);
    }
  }
  return out;
}

/** Deep equality of JSON values, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The fields of `current` that differ from `base` (all of them when there is no base). A field
 * gone from `current` cannot be un-applied, so it is not part of the difference.
 */
export function diffRecall(base: Params | null, current: Params): Params {
  const { append: _append, ...fields } = current;
  if (!base) return fields;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined && !sameJson(value, (base as Record<string, unknown>)[field])) out[field] = value;
  }
  return out as Params;
}
