import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../shared/recall.js';
import { image } from '../../test-support/recall-fixtures.js';
import { diffRecall, mergeRecall, sameJson } from './baseline.js';
import { judgeRevision } from './revision.js';

describe('revisions', () => {
  it('treats an event at or below the applied revision as a repeat, the next as next, and a jump as a gap', () => {
    expect(judgeRevision(3, 3)).toBe('repeat');
    expect(judgeRevision(3, 1)).toBe('repeat');
    expect(judgeRevision(3, 4)).toBe('next');
    expect(judgeRevision(0, 1)).toBe('next');
    expect(judgeRevision(3, 6)).toBe('gap');
  });
});

describe('baseline', () => {
  it('overwrites fields and replaces lists, as the server stores them', () => {
    const merged = mergeRecall({ steps: 10, seed: 1, reference_images: [{ image: image('a.png') }] }, { seed: 2, reference_images: [{ image: image('b.png') }] });
    expect(merged).toEqual({ steps: 10, seed: 2, reference_images: [{ image: image('b.png') }] });
  });

  it('extends both reference lists on append, keeping the newest within the limit, and drops the flag', () => {
    const many = Array.from({ length: LIMITS.referenceImages }, (_, i) => ({ image: image(`${i}.png`) }));
    const merged = mergeRecall({ reference_images: many }, { reference_images: [{ image: image('new.png') }], append: true });
    expect(merged.reference_images).toHaveLength(LIMITS.referenceImages);
    expect(merged.reference_images!.at(-1)!.image.image_name).toBe('new.png');
    expect(merged.reference_images![0]!.image.image_name).toBe('1.png');
    expect('append' in merged).toBe(false);
  });

  it('finds only the fields that changed since the baseline', () => {
    const base = { positive_prompt: 'old', steps: 10, loras: [{ model_key: 'k', model_name: 'n', model_type: 'lora' as const, model_base: 'sdxl' as const, weight: 1, is_enabled: true }] };
    const now = { ...base, steps: 20, seed: 5, loras: [{ ...base.loras[0]!, weight: 0.5 }] };
    expect(diffRecall(base, now)).toEqual({ steps: 20, seed: 5, loras: now.loras });
    expect(diffRecall(null, now)).toEqual(now);
    expect(diffRecall(now, now)).toEqual({});
  });

  it('compares JSON values whatever their key order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});
