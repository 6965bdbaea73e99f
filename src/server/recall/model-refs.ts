import { z } from 'zod';
import { zModelRef, type ModelRef } from '../../shared/metadata.js';

/**
 * Model hashes read from images (from_image) are kept beside the recall, so a later GET or POST
 * resolves those models by hash as the first answer did. Not a recall field: not counted in
 * updated_count, not broadcast. Newest refs win per kind and name; the list is bounded.
 */
export const MODEL_REFS_KEY = 'recall_model_refs';
const MODEL_REFS_LIMIT = 200;
const zStoredModelRefs = z.array(zModelRef);

export function parseModelRefs(text: string | null | undefined): ModelRef[] {
  if (!text) return [];
  try {
    const parsed = zStoredModelRefs.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The stored refs with `added` in place of older refs of the same field kind, name and algorithm. */
export function mergeModelRefs(previous: string | null, added: readonly ModelRef[]): string {
  const before = parseModelRefs(previous);
  const id = (r: ModelRef) => `${r.field.split('.')[0]}\u0000${r.name}\u0000${r.algorithm}`;
  const replaced = new Set(added.map(id));
  return JSON.stringify([...before.filter((r) => !replaced.has(id(r))), ...added].slice(-MODEL_REFS_LIMIT));
}
