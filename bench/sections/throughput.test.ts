import { describe, expect, it } from 'vitest';
import { mergeLoads, type LoadResult } from './throughput.js';

const part = (rps: number, requests: number, cpuMicros: number | null, p50: number, p99: number): LoadResult => ({ rps, requests, cpuMicros, p50, p99, errors: 0, non2xx: 0 });

describe('mergeLoads', () => {
  it('takes slices of one side as one load: mean rate, CPU per request over all requests, median p50, worst p99', () => {
    const merged = mergeLoads([part(1000, 1000, 100, 2, 8), part(500, 500, 130, 4, 20), part(900, 900, 110, 3, 9)]);
    expect(merged.rps).toBeCloseTo(800, 6);
    expect(merged.requests).toBe(2400);
    expect(merged.cpuMicros).toBeCloseTo((100 * 1000 + 130 * 500 + 110 * 900) / 2400, 6);
    expect(merged.p50).toBe(3);
    expect(merged.p99).toBe(20);
  });

  it('has no CPU figure when a slice has none', () => {
    expect(mergeLoads([part(10, 10, 5, 1, 1), part(10, 10, null, 1, 1)]).cpuMicros).toBeNull();
  });
});
