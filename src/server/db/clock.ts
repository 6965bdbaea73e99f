/**
 * A strictly increasing sequence for "newest first" ordering: microseconds since the epoch, bumped
 * past the last value handed out, so two writes in the same millisecond still order.
 */
export function createSequence(): (count?: number) => number {
  let last = 0;
  /** The first of `count` consecutive values, all past any handed out before. */
  return (count = 1) => {
    const now = Date.now() * 1000;
    const first = now > last ? now : last + 1;
    last = first + Math.max(count, 1) - 1;
    return first;
  };
}

let lastMs = Number.NaN;
let lastIso = '';

/**
 * `new Date(ms).toISOString()`, kept for the last millisecond asked: under load a dozen recalls
 * share one, and making the string cost as much as the rest of a small recall's bookkeeping.
 */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
