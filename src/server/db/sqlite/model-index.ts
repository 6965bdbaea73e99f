import { MODEL_BASES, MODEL_TYPES } from '../../../shared/models.js';
import type { RegistryEntry } from '../store.js';

/** How often, at most, the index asks SQLite whether another connection changed the registry. */
const CHECK_EVERY_MS = 100;

/** Types and bases as one byte each; the registry only holds values of the contract's lists. */
const TYPE_CODES = new Map<string, number>(MODEL_TYPES.map((t, i) => [t, i]));
const BASE_CODES = new Map<string, number>(MODEL_BASES.map((b, i) => [b, i]));
const UNKNOWN_BASE = BASE_CODES.get('unknown')!;

/** FNV-1a over UTF-16 code units: cheap, and spreads names that differ only in a digit. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * The registry as lookup tables: an open-addressing hash table of distinct names, and one record
 * per name with its models right after it, each string's UTF-16 code units inline. It all lives
 * in two typed arrays, so 100,000 models are a few megabytes the garbage collector never walks,
 * and a lookup reads two places in memory: the slot, then the name's record, whose models follow
 * it in the same or the next cache lines. With a Map of 100,000 name strings beside arrays of keys,
 * types and bases, a recall naming nine random models of a large registry cost about a tenth more
 * than with a small one; as these tables, about a twentieth, most of it the two places each lookup
 * reads, each a likely cache and TLB miss in a large registry (docs/benchmarks.md).
 *
 *   slots:   per slot, the name's hash and its record's offset + 1 (0: empty slot)
 *   records: per name, [length, model count, ...name], then per model [type << 8 | base, key length, ...key]
 */
interface Table {
  slots: Int32Array;
  records: Uint16Array;
}

/** Names `prefetch` reads at most in one call (a recall names a few dozen models at most). */
const PREFETCH_MAX = 256;
/** Tables smaller than this are not read ahead (a core's L2 cache holds them). */
const PREFETCH_FROM_BYTES = 256 * 1024;
const NAME_HEAD = 2;
const MODEL_HEAD = 2;
/** Models kept per name: the count has 16 bits (a registry holds a few of a name at most). */
const MAX_PER_NAME = 0xffff;
function put(a: Uint16Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) a[at + i] = s.charCodeAt(i);
}

/**
 * Every present model of the registry by name, as references (key, name, type, base): what
 * resolving a recall needs, in memory, so a lookup costs about the same with 100 models or
 * 100,000 (a query cost several microseconds whatever SQLite's cache). It is built on
 * first use and rebuilt after a write through this connection (`invalidate`) or a commit by
 * another one (`PRAGMA data_version`, e.g. `recall models scan` while the server runs).
 */
export class ModelIndex {
  private table: Table | null = null;
  /** Tables built so far: a new number means answers may differ from the last table's. */
  private builds = 0;
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

  /** Builds the tables now if they are not current (a large registry takes a moment). */
  load(): void {
    this.fresh();
  }

  private fresh(): Table {
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
      this.table = build(this.loadAll());
      this.builds++;
    }
    return this.table;
  }

  /** Which table answers now (checking for other connections' commits as lookups do): it changes with every rebuild. */
  generation(): number {
    this.fresh();
    return this.builds;
  }

  /** Per name `prefetch` reads: its first slot, then that slot's record offset + 1; reused so reading allocates nothing. */
  private readonly ahead = new Int32Array(PREFETCH_MAX);
  /** What the reads of `prefetch` gave, kept so they are not left out as unused. */
  private touched = 0;

  /**
   * Reads the memory that looking up `names` will read, for all of them at once, before they are
   * looked up one by one. In a large registry each lookup's reads (the hash slot, then the name's
   * record) are likely cache and TLB misses; made one lookup after another they come one after
   * another, while here the reads of different names do not wait for each other, so their misses
   * overlap. Answers nothing: the lookups that follow find the memory at hand.
   */
  prefetch(names: readonly string[]): void {
    const t = this.fresh();
    // Tables this small stay in the caches: reading them ahead would only add a pass.
    if (t.records.byteLength + t.slots.byteLength < PREFETCH_FROM_BYTES) return;
    const n = Math.min(names.length, PREFETCH_MAX);
    const mask = t.slots.length / 2 - 1;
    const last = t.records.length - 1;
    const ahead = this.ahead;
    for (let i = 0; i < n; i++) ahead[i] = hashOf(names[i]!) & mask;
    // Every slot, then every record: the reads within each pass do not depend on one another.
    for (let i = 0; i < n; i++) ahead[i] = t.slots[ahead[i]! * 2 + 1]!;
    let touched = 0;
    for (let i = 0; i < n; i++) {
      const at = ahead[i]! - 1;
      // The record's first two cache lines: the name, and the first model's key after it.
      if (at >= 0) touched |= t.records[at]! | t.records[Math.min(at + 32, last)]!;
    }
    this.touched = touched;
  }

  /** Present models with this name, oldest first. */
  findByName(name: string): readonly RegistryEntry[] {
    const t = this.fresh();
    const at = findName(t, name, hashOf(name));
    if (at < 0) return [];
    const r = t.records;
    const found: RegistryEntry[] = [];
    let m = at + NAME_HEAD + r[at]!;
    for (let n = r[at + 1]!; n > 0; n--) {
      const kind = r[m]!;
      const keyAt = m + MODEL_HEAD;
      const keyEnd = keyAt + r[m + 1]!;
      found.push({
        key: String.fromCharCode.apply(null, r.subarray(keyAt, keyEnd) as unknown as number[]),
        name,
        type: MODEL_TYPES[kind >> 8]!,
        base: MODEL_BASES[kind & 0xff]!,
      });
      m = keyEnd;
    }
    return found;
  }
}

/** Where a name's record starts, or -1. */
function findName(t: Table, name: string, hash: number): number {
  const mask = t.slots.length / 2 - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const at = t.slots[slot * 2 + 1]! - 1;
    if (at < 0) return -1;
    if (t.slots[slot * 2] === hash && sameName(t.records, at, name)) return at;
  }
}

function sameName(records: Uint16Array, at: number, name: string): boolean {
  if (records[at] !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (records[at + NAME_HEAD + i] !== name.charCodeAt(i)) return false;
  return true;
}

function build(rows: readonly RegistryEntry[]): Table {
  // A type outside the contract cannot be asked for, so such a model is left out rather than guessed;
  // so is a name or key too long for its length field (the contract allows far shorter ones).
  const byName = new Map<string, RegistryEntry[]>();
  for (const r of rows) {
    if (!TYPE_CODES.has(r.type) || r.name.length > 0xffff || r.key.length > 0xffff) continue;
    const list = byName.get(r.name);
    if (!list) byName.set(r.name, [r]);
    else if (list.length < MAX_PER_NAME) list.push(r);
  }
  let units = 0;
  for (const [name, models] of byName) {
    units += NAME_HEAD + name.length;
    for (const m of models) units += MODEL_HEAD + m.key.length;
  }
  let size = 16;
  while (size < byName.size * 2) size *= 2;
  const t: Table = { slots: new Int32Array(size * 2), records: new Uint16Array(units) };
  let end = 0;
  for (const [name, models] of byName) {
    const at = end;
    t.records[at] = name.length;
    t.records[at + 1] = models.length;
    put(t.records, at + NAME_HEAD, name);
    end += NAME_HEAD + name.length;
    for (const m of models) {
      t.records[end] = (TYPE_CODES.get(m.type)! << 8) | (BASE_CODES.get(m.base) ?? UNKNOWN_BASE);
      t.records[end + 1] = m.key.length;
      put(t.records, end + MODEL_HEAD, m.key);
      end += MODEL_HEAD + m.key.length;
    }
    const hash = hashOf(name);
    let slot = hash & (size - 1);
    while (t.slots[slot * 2 + 1] !== 0) slot = (slot + 1) & (size - 1);
    t.slots[slot * 2] = hash;
    t.slots[slot * 2 + 1] = at + 1;
  }
  return t;
}
