import { round } from './stats.js';

/** One benchmark figure: a ratio against a baseline measured in the same run, with its target. */
export interface Figure {
  id: string;
  label: string;
  /** The ratio (or, for memory, megabytes). */
  value: number;
  unit: 'ratio' | 'MB';
  /** `>=` means higher is better, `<=` lower is better; null for a figure reported for context only. */
  target: { op: '>=' | '<='; value: number } | null;
  /** null when there is no target. */
  pass: boolean | null;
  /** What was measured, e.g. requests per second and latencies of both sides. */
  details: Record<string, unknown>;
}

/**
 * A figure from its exact value: judged against the target as measured, then rounded to three
 * decimals for the table and the file (at two, a median of 0.495 printed as a passing 0.5).
 */
export function figure(f: Omit<Figure, 'pass'>): Figure {
  const pass = f.target === null ? null : f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
  return { ...f, value: round(f.value, 3), pass };
}

export interface BenchSettings {
  /** Seconds per autocannon run. */
  duration: number;
  /** Measured repetitions per figure; the median is reported. */
  repeats: number;
  /** Seconds of load on each freshly started server before a measured run. */
  warmup: number;
  /** Socket.IO clients for the fan-out and memory figures. */
  clients: number;
  /** Models in the large registry. */
  largeRegistry: number;
}
