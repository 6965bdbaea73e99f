import { describe, expect, it } from 'vitest';
import { RECALL_FIELDS, type RecallParameters } from '../../shared/recall.js';
import { givenValues, JsonTexts, sameJsonText } from './service.js';

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

describe('sameJsonText', () => {
  const values: unknown[] = [
    0, -0, 1, 1.5, NaN, Infinity, '', 'a', 'a"b', true, false, null, undefined,
    [], [1], [1, 2], [2, 1], {}, { a: 1 }, { a: 1, b: 2 }, { b: 2, a: 1 }, { a: undefined }, { a: [1, { b: 'x' }] },
    { a: [1, { b: 'y' }] }, [{ model_name: 'm', weight: 0.5 }], [{ weight: 0.5, model_name: 'm' }], new Date(0), [[]], [{}],
  ];

  it('says two values are the same only when JSON.stringify makes the same text of them', () => {
    for (const a of values) {
      for (const b of values) {
        // Conservative: "different" may still be the same text (NaN and null), never the reverse.
        if (sameJsonText(a, b)) expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }
    }
  });

  it('recognises equal copies, key order included', () => {
    const entry = () => [{ model_name: 'add-detail-xl', weight: 0.6, is_enabled: true }];
    expect(sameJsonText(entry(), entry())).toBe(true);
    expect(sameJsonText({ a: 1, b: [1, 'x'] }, { a: 1, b: [1, 'x'] })).toBe(true);
    expect(sameJsonText({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJsonText([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});

describe('JsonTexts', () => {
  it('gives each value its JSON, the same text again for an equal value, a new one for a changed value', () => {
    const texts = new JsonTexts();
    const lora = (weight: number) => [{ model_name: 'add-detail-xl', weight, is_enabled: true }];
    const first = texts.of({ positive_prompt: 'a fox', seed: 1, loras: lora(0.6) });
    expect(Object.fromEntries(first)).toEqual({ positive_prompt: '"a fox"', seed: '1', loras: JSON.stringify(lora(0.6)) });

    const again = texts.of({ positive_prompt: 'a fox', seed: 2, loras: lora(0.6) });
    expect(again.get('loras')).toBe(first.get('loras'));
    expect(again.get('seed')).toBe('2');

    const changed = texts.of({ positive_prompt: 'a "hare"', loras: lora(0.1), cfg_scale: 7.5, seamless_x: true });
    expect(Object.fromEntries(changed)).toEqual({
      positive_prompt: JSON.stringify('a "hare"'),
      loras: JSON.stringify(lora(0.1)),
      cfg_scale: '7.5',
      seamless_x: 'true',
    });
    // Field by field: the kept text of one field is never given to another.
    expect(texts.of({ negative_prompt: 'a fox' }).get('negative_prompt')).toBe('"a fox"');
  });
});
