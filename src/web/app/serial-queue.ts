/**
 * Runs async tasks one at a time, in the order they were queued. Socket events, catch-ups and
 * queue switches all go through one of these, so a recall is applied whole before the next starts
 * and the order of application is the order of arrival.
 */
export interface SerialQueue {
  run(task: () => Promise<void>): Promise<void>;
  /** Resolves when every task queued so far has finished. */
  idle(): Promise<void>;
}

export function createSerialQueue(onError: (err: unknown) => void): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    run(task) {
      const next = tail.then(task).catch(onError);
      tail = next;
      return next;
    },
    idle: () => tail,
  };
}
