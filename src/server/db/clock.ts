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

let lastSecond = Number.NaN;
let secondPrefix = '';

/**
 * `new Date(ms).toISOString()`, the part up to the second made once per second: under load
 * thousands of recalls a second each need one, and making the whole string every time cost as
 * much as the rest of a small recall's bookkeeping.
 */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS && Number.isInteger(ms))) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    // "2026-12-06T21:56:28." from "2026-12-06T21:56:28.000Z"
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    lastSecond = second;
  }
  const millis = ms - second * 1000;
  return `${secondPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** The first instant of year 10000, from which ISO strings get a sign and six digits. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;
