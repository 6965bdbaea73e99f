/**
 * A strictly increasing sequence for "newest first" ordering: microseconds since the epoch, bumped
 * past the last value handed out, so two writes in the same millisecond still order.
 */
export function createSequence(): () => number {
  let last = 0;
  return () => {
    const now = Date.now() * 1000;
    last = now > last ? now : last + 1;
    return last;
  };
}
