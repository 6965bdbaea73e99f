/**
 * Keeps a queue's events in revision order. Recalls are stored in order, but each then resolves
 * its models and images at its own pace, and a quick one would overtake a slow one. A client that
 * applied revision 7 treats a late revision 6 as a repeat and drops it, so what it shows would
 * drift from what is stored. Each recall enters as soon as its revision is known and publishes
 * only after every earlier recall of the same queue in this process has published (or given up).
 *
 * A queue's line is its places sorted by revision, so a place may go exactly when it is first in
 * line. Nothing is allocated for waiting unless a place has to wait: most recalls resolve at once
 * and find themselves first (a line of promises, one per place, cost a few percent of a recall).
 */
export class PublishOrder {
  private readonly lines = new Map<string, Place[]>();

  /** Takes a place in the queue's line; the place must `leave` after publishing (or giving up), or later ones wait forever. */
  enter(queueId: string, revision: number): Place {
    let places = this.lines.get(queueId);
    if (!places) this.lines.set(queueId, (places = []));
    const place = new Place(revision, places, this.lines, queueId);
    // Revisions nearly always enter in order: the place goes last, found from the end otherwise.
    let at = places.length;
    while (at > 0 && places[at - 1]!.revision > revision) at--;
    places.splice(at, 0, place);
    return place;
  }

  /** Queues with recalls still waiting to publish (for tests). */
  get size(): number {
    return this.lines.size;
  }
}

export class Place {
  private waiters: (() => void)[] | null = null;

  constructor(
    readonly revision: number,
    private readonly places: Place[],
    /** The lines of every queue, this one's kept under `queueId`, to let go of it once empty. */
    private readonly lines: Map<string, Place[]>,
    private readonly queueId: string,
  ) {}

  /** Whether every earlier revision of the queue has left, so this one may publish now. */
  ready(): boolean {
    return this.places[0] === this;
  }

  /** Resolves once the place is ready (at once when it is). */
  wait(): Promise<void> {
    if (this.ready()) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** Leaves the line, letting the next place go; leaving twice does nothing. */
  leave(): void {
    const i = this.places.indexOf(this);
    if (i < 0) return;
    this.places.splice(i, 1);
    if (this.places.length === 0) {
      if (this.lines.get(this.queueId) === this.places) this.lines.delete(this.queueId);
    } else if (i === 0) this.places[0]!.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters) for (const resolve of waiters) resolve();
  }
}
