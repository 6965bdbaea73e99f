import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSequence, isoTime } from './clock.js';

afterEach(() => vi.useRealTimers());

describe('createSequence', () => {
  it('hands out strictly increasing values, also within one millisecond and across reserved runs', () => {
    vi.useFakeTimers({ now: 1_000, toFake: ['Date'] });
    const next = createSequence();
    const a = next();
    const b = next(3); // b, b + 1, b + 2
    const c = next();
    expect(a).toBe(1_000_000);
    expect(b).toBe(a + 1);
    expect(c).toBe(b + 3);
    vi.setSystemTime(2_000);
    expect(next(0)).toBe(2_000_000);
    expect(next()).toBe(2_000_001);
  });
});

describe('isoTime', () => {
  it('answers as Date#toISOString, for the same millisecond and the next', () => {
    for (const ms of [0, 1_796_590_893_059, 1_796_590_893_059, 1_796_590_893_060, -1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
