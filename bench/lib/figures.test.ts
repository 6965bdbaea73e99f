import { describe, expect, it } from 'vitest';
import { figure } from './figures.js';

const ratio = (value: number, target: { op: '>=' | '<='; value: number } | null) =>
  figure({ id: 'x', label: 'x', value, unit: 'ratio', target, details: {} });

describe('figure', () => {
  it('judges the value as measured, not as rounded for display', () => {
    const f = ratio(0.4951, { op: '>=', value: 0.5 });
    expect(f.pass).toBe(false);
    expect(f.value).toBe(0.495);
    expect(ratio(1.1004, { op: '<=', value: 1.1 }).pass).toBe(false);
    expect(ratio(0.5, { op: '>=', value: 0.5 }).pass).toBe(true);
  });

  it('leaves a figure without a target unjudged', () => {
    expect(ratio(0.42, null).pass).toBeNull();
  });
});
