/**
 * Keeps a queue's events in revision order. Recalls are stored in order, but each then resolves
 * its models and images at its own pace, and a quick one would overtake a slow one. A client that
 * applied revision 7 treats a late revision 6 as a repeat and drops it, so what it shows would
 * drift from what is stored. Each recall enters as soon as its revision is known and publishes
 * only after every earlier recall of the same queue in this process has published.
 */
export class PublishOrder {
  private readonly inFlight = new Map<string, Map<number, Promise<void>>>();

  /**
   * Takes a place in the queue's line. `turn` resolves once every earlier revision has left;
   * `leave` must be called after publishing (or giving up), or later events would wait forever.
   */
  enter(queueId: string, revision: number): { turn: Promise<void>; leave: () => void } {
    let line = this.inFlight.get(queueId);
    if (!line) this.inFlight.set(queueId, (line = new Map()));
    const earlier: Promise<void>[] = [];
    for (const [r, done] of line) if (r < revision) earlier.push(done);
    let leave!: () => void;
    const queueLine = line;
    const done = new Promise<void>((resolve) => {
      leave = () => {
        queueLine.delete(revision);
        if (queueLine.size === 0 && this.inFlight.get(queueId) === queueLine) this.inFlight.delete(queueId);
        resolve();
      };
    });
    line.set(revision, done);
    return { turn: earlier.length ? Promise.all(earlier).then(() => undefined) : Promise.resolve(), leave };
  }

  /** Queues with recalls still waiting to publish (for tests). */
  get size(): number {
    return this.inFlight.size;
  }
}
