/**
 * Keeps a queue's events in revision order. Recalls are stored in order, but each then resolves
 * its models and images at its own pace, and a quick one would overtake a slow one. A client that
 * applied revision 7 treats a late revision 6 as a repeat and drops it, so what it shows would
 * drift from what is stored. Each recall enters as soon as its revision is known and publishes
 * only after every earlier recall of the same queue in this process has published.
 */
export class PublishOrder {
  private readonly inFlight = new Map<string, { revision: number; done: Promise<void> }[]>();

  /**
   * Takes a place in the queue's line. `turn` resolves once every earlier revision has left;
   * `leave` must be called after publishing (or giving up), or later events would wait forever.
   */
  enter(queueId: string, revision: number): { turn: Promise<void>; leave: () => void } {
    let line = this.inFlight.get(queueId);
    if (!line) this.inFlight.set(queueId, (line = []));
    const earlier: Promise<void>[] = [];
    for (const place of line) if (place.revision < revision) earlier.push(place.done);
    const queueLine = line;
    let leave!: () => void;
    const done = new Promise<void>((resolve) => {
      leave = () => {
        const i = queueLine.findIndex((p) => p.revision === revision);
        if (i >= 0) queueLine.splice(i, 1);
        if (queueLine.length === 0 && this.inFlight.get(queueId) === queueLine) this.inFlight.delete(queueId);
        resolve();
      };
    });
    line.push({ revision, done });
    return { turn: earlier.length ? Promise.all(earlier).then(() => undefined) : Promise.resolve(), leave };
  }

  /** Queues with recalls still waiting to publish (for tests). */
  get size(): number {
    return this.inFlight.size;
  }
}
