import { MODEL_BASES, MODEL_TYPES } from '../../../shared/models.js';
import type { RegistryEntry } from '../store.js';

/** How often, at most, the index asks SQLite whether another connection changed the registry. */
const CHECK_EVERY_MS = 100;

/** Types and bases as one byte each; the registry only holds values of the contract's lists. */
const TYPE_CODES = new Map<string, number>(MODEL_TYPES.map((t, i) => [t, i]));
const BASE_CODES = new Map<string, number>(MODEL_BASES.map((b, i) => [b, i]));
const UNKNOWN_BASE = BASE_CODES.get('unknown')!;

/**
 * Every present model of the registry by name, as references (key, name, type, base): what
 * resolving a recall needs, in memory, so a lookup costs about the same with 100 models or
 * 100,000 (a query cost several microseconds whatever SQLite's cache). It is built on
 * first use and rebuilt after a write through this connection (`invalidate`) or a commit by
 * another one (`PRAGMA data_version`, e.g. `recall models scan` while the server runs).
 */
export class ModelIndex {
  /*
   * Kept as columns rather than one object per model (about 13 MB for 100,000 models); a lookup
   * builds the few references it returns.
   */
  private table: { byName: Map<string, number | number[]>; keys: string[]; types: Uint8Array; bases: Uint8Array } | null = null;
  private seenVersion: number | null = null;
  private checkedAt = -Infinity;

  constructor(
    /** Present models, oldest first. */
    private readonly loadAll: () => RegistryEntry[],
    /** SQLite's `PRAGMA data_version`. */
    private readonly version: () => number,
  ) {}

  invalidate(): void {
    this.table = null;
  }

  private fresh() {
    const now = performance.now();
    if (now - this.checkedAt >= CHECK_EVERY_MS) {
      this.checkedAt = now;
      const version = this.version();
      if (version !== this.seenVersion) {
        this.seenVersion = version;
        this.invalidate();
      }
    }
    if (!this.table) {
      const rows = this.loadAll();
      const table = { byName: new Map<string, number | number[]>(), keys: new Array<string>(rows.length), types: new Uint8Array(rows.length), bases: new Uint8Array(rows.length) };
      rows.forEach((row, i) => {
        const type = TYPE_CODES.get(row.type);
        // A type outside the contract cannot be asked for, so it is left out rather than guessed.
        if (type === undefined) return;
        table.keys[i] = row.key;
        table.types[i] = type;
        table.bases[i] = BASE_CODES.get(row.base) ?? UNKNOWN_BASE;
        const seen = table.byName.get(row.name);
        if (seen === undefined) table.byName.set(row.name, i);
        else if (Array.isArray(seen)) seen.push(i);
        else table.byName.set(row.name, [seen, i]);
      });
      this.table = table;
    }
    return this.table;
  }

  /** Present models with this name, oldest first. */
  findByName(name: string): readonly RegistryEntry[] {
    const t = this.fresh();
    const found = t.byName.get(name);
    if (found === undefined) return [];
    const ref = (i: number): RegistryEntry => ({ key: t.keys[i]!, name, type: MODEL_TYPES[t.types[i]!]!, base: MODEL_BASES[t.bases[i]!]! });
    return typeof found === 'number' ? [ref(found)] : found.map(ref);
  }
}
