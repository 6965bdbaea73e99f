import { describe, expect, it } from 'vitest';
import { RECALL_FIELDS, type RecallParameters } from '../../shared/recall.js';
import { givenValues } from './service.js';

describe('givenValues', () => {
  it('keeps the non-null fields, in the fields\' order, whatever order they came in', () => {
    const inOrder = { positive_prompt: 'a', seed: 1, steps: null, loras: [] } as RecallParameters;
    const reversed = { loras: [], steps: null, seed: 1, positive_prompt: 'a' } as RecallParameters;
    for (const params of [inOrder, reversed]) {
      const given = givenValues(params)!;
      expect(given).toEqual({ positive_prompt: 'a', seed: 1, loras: [] });
      const order = Object.keys(given).map((f) => RECALL_FIELDS.indexOf(f as never));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });

  it('answers null when nothing is given, and leaves out what is not a recall field', () => {
    expect(givenValues({})).toBeNull();
    expect(givenValues({ seed: null, model: undefined } as RecallParameters)).toBeNull();
    expect(givenValues({ seed: 5, not_a_field: 1 } as unknown as RecallParameters)).toEqual({ seed: 5 });
  });
});
