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

export function figure(f: Omit<Figure, 'pass'>): Figure {
  const pass = f.target === null ? null : f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
  return { ...f, pass };
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
