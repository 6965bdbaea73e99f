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
    const samples = [0, 7, 42, 999, 1_000, 1_796_590_893_059, 1_796_590_893_059, 1_796_590_893_060, 1_796_590_894_001, 1_796_590_893_005, -1, -1_500, 253_402_300_799_999, 253_402_300_800_000, 1.5];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4e12));
    for (const ms of samples) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
