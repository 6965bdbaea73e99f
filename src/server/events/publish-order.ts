/**
 * Keeps a queue's events in revision order. Recalls are stored in order, but each then resolves
 * its models and images at its own pace, and a quick one would overtake a slow one. A client that
 * applied revision 7 treats a late revision 6 as a repeat and drops it, so what it shows would
 * drift from what is stored. Each recall enters as soon as its revision is known and publishes
 * only after every earlier recall of the same queue in this process has published.
 */
export class PublishOrder {
  private readonly inFlight = new Map<string, Line>();

  /**
   * Takes a place in the queue's line. `turn` resolves once every earlier revision has left, and is
   * null when none is in the line (the place may publish at once, without waiting a tick);
   * `ready` tells whether every earlier revision has left by now, so that waiting can be skipped;
   * `leave` must be called after publishing (or giving up), or later events would wait forever.
   */
  enter(queueId: string, revision: number): { turn: Promise<void> | null; ready: () => boolean; leave: () => void } {
    let line = this.inFlight.get(queueId);
    if (!line) this.inFlight.set(queueId, (line = { places: [], ascending: true }));
    const { places } = line;
    const last = places.at(-1);
    let turn: Promise<void> | null;
    if (!last) {
      turn = null;
    } else if (line.ascending && last.revision < revision) {
      // The usual case, revisions entering in order: the last place already waits for all before it,
      // so waiting for it alone is enough (waiting for each earlier place made a busy queue quadratic).
      turn = last.settled;
    } else {
      line.ascending &&= last.revision < revision;
      turn = Promise.all(places.filter((p) => p.revision < revision).map((p) => p.settled)).then(() => undefined);
    }
    let leave!: () => void;
    const left = new Promise<void>((resolve) => {
      leave = () => {
        const i = places.findIndex((p) => p.revision === revision);
        if (i >= 0) places.splice(i, 1);
        if (places.length === 0 && this.inFlight.get(queueId) === line) this.inFlight.delete(queueId);
        resolve();
      };
    });
    // Settled once this place has left and so has everything it waited for.
    places.push({ revision, settled: turn ? turn.then(() => left) : left });
    // Every earlier revision has left the line already (the usual case once recalls resolve at
    // once): the place may publish without waiting for `turn` to come round through the promises.
    const ready = () => {
      for (const p of places) if (p.revision < revision) return false;
      return true;
    };
    return { turn, ready, leave };
  }

  /** Queues with recalls still waiting to publish (for tests). */
  get size(): number {
    return this.inFlight.size;
  }
}

interface Line {
  places: { revision: number; settled: Promise<void> }[];
  /** Whether revisions have entered in increasing order, so the last place stands for all of them. */
  ascending: boolean;
}
