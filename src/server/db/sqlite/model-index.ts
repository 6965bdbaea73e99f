import type { ModelRef } from '../store.js';

/** How often, at most, the index asks SQLite whether another connection changed the registry. */
const CHECK_EVERY_MS = 100;

/**
 * Every present model of the registry, by name and by key, as references (key, name, type, base):
 * what resolving a recall needs, in memory, so a lookup costs the same with 100 models or 100,000
 * (a query cost several microseconds whatever the cache; a reference costs about 100 bytes).
 * It is built on first use and rebuilt after a write through this connection (`invalidate`) or a
 * commit by another one (`PRAGMA data_version`, e.g. `recall models scan` while the server runs).
 */
export class ModelIndex {
  private byName: Map<string, ModelRef[]> | null = null;
  private byKey: Map<string, ModelRef> | null = null;
  private seenVersion: number | null = null;
  private checkedAt = -Infinity;

  constructor(
    /** Present models, oldest first. */
    private readonly loadAll: () => ModelRef[],
    /** SQLite's `PRAGMA data_version`. */
    private readonly version: () => number,
  ) {}

  invalidate(): void {
    this.byName = null;
    this.byKey = null;
  }

  private fresh(): { byName: Map<string, ModelRef[]>; byKey: Map<string, ModelRef> } {
    const now = performance.now();
    if (now - this.checkedAt >= CHECK_EVERY_MS) {
      this.checkedAt = now;
      const version = this.version();
      if (version !== this.seenVersion) {
        this.seenVersion = version;
        this.invalidate();
      }
    }
    if (!this.byName || !this.byKey) {
      const byName = new Map<string, ModelRef[]>();
      const byKey = new Map<string, ModelRef>();
      for (const row of this.loadAll()) {
        const ref = Object.freeze({ key: row.key, name: row.name, type: row.type, base: row.base });
        const list = byName.get(ref.name);
        if (list) list.push(ref);
        else byName.set(ref.name, [ref]);
        byKey.set(ref.key, ref);
      }
      this.byName = byName;
      this.byKey = byKey;
    }
    return { byName: this.byName, byKey: this.byKey };
  }

  findByName(name: string): readonly ModelRef[] {
    return this.fresh().byName.get(name) ?? [];
  }

  findByKey(key: string): ModelRef | null {
    return this.fresh().byKey.get(key) ?? null;
  }
}
