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
 * The registry as lookup tables: an open-addressing hash table of distinct names, then one record
 * per name and one per model, each with its string's UTF-16 code units inline. It all lives in
 * three typed arrays, so 100,000 models are a few megabytes the garbage collector never walks, and
 * a lookup reads about three cache lines (the slot, the name's record, the model's). With a Map of
 * 100,000 name strings beside arrays of keys, types and bases, a recall naming nine random models
 * of a large registry cost about a tenth more than with a small one (docs/benchmarks.md).
 *
 *   slots:  per slot, the name's hash and its record's offset + 1 (0: empty slot)
 *   names:  per name,  [length, first model (2 units), ...name]
 *   models: per model, [type << 8 | base, next model of the name + 1 (2 units), key length, ...key]
 */
interface Table {
  slots: Int32Array;
  names: Uint16Array;
  models: Uint16Array;
}

const NAME_HEAD = 3;
const MODEL_HEAD = 4;
const u32 = (a: Uint16Array, at: number): number => a[at]! | (a[at + 1]! << 16);
function setU32(a: Uint16Array, at: number, v: number): void {
  a[at] = v & 0xffff;
  a[at + 1] = v >>> 16;
}
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

  /** Present models with this name, oldest first. */
  findByName(name: string): readonly RegistryEntry[] {
    const t = this.fresh();
    const at = findName(t, name, hashOf(name));
    if (at < 0) return [];
    const found: RegistryEntry[] = [];
    for (let m = u32(t.names, at + 1); m >= 0; m = u32(t.models, m + 1) - 1) {
      const kind = t.models[m]!;
      const keyAt = m + MODEL_HEAD;
      found.push({
        key: String.fromCharCode.apply(null, t.models.subarray(keyAt, keyAt + t.models[m + 3]!) as unknown as number[]),
        name,
        type: MODEL_TYPES[kind >> 8]!,
        base: MODEL_BASES[kind & 0xff]!,
      });
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
    if (t.slots[slot * 2] === hash && sameName(t.names, at, name)) return at;
  }
}

function sameName(names: Uint16Array, at: number, name: string): boolean {
  if (names[at] !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (names[at + NAME_HEAD + i] !== name.charCodeAt(i)) return false;
  return true;
}

function build(rows: readonly RegistryEntry[]): Table {
  // A type outside the contract cannot be asked for, so such a model is left out rather than guessed;
  // so is a name or key too long for its length field (the contract allows far shorter ones).
  const kept = rows.filter((r) => TYPE_CODES.has(r.type) && r.name.length <= 0xffff && r.key.length <= 0xffff);
  let nameUnits = 0;
  let modelUnits = 0;
  for (const r of kept) {
    nameUnits += NAME_HEAD + r.name.length;
    modelUnits += MODEL_HEAD + r.key.length;
  }
  let size = 16;
  while (size < kept.length * 2) size *= 2;
  const t: Table = { slots: new Int32Array(size * 2), names: new Uint16Array(nameUnits), models: new Uint16Array(modelUnits) };
  /** The last model seen of each name, by the name's record. */
  const lastOf = new Map<number, number>();
  let nameEnd = 0;
  let modelEnd = 0;
  for (const r of kept) {
    const m = modelEnd;
    t.models[m] = (TYPE_CODES.get(r.type)! << 8) | (BASE_CODES.get(r.base) ?? UNKNOWN_BASE);
    t.models[m + 3] = r.key.length;
    put(t.models, m + MODEL_HEAD, r.key);
    modelEnd += MODEL_HEAD + r.key.length;
    const hash = hashOf(r.name);
    let at = findName(t, r.name, hash);
    if (at < 0) {
      at = nameEnd;
      t.names[at] = r.name.length;
      setU32(t.names, at + 1, m);
      put(t.names, at + NAME_HEAD, r.name);
      nameEnd += NAME_HEAD + r.name.length;
      let slot = hash & (size - 1);
      while (t.slots[slot * 2 + 1] !== 0) slot = (slot + 1) & (size - 1);
      t.slots[slot * 2] = hash;
      t.slots[slot * 2 + 1] = at + 1;
    } else {
      setU32(t.models, lastOf.get(at)! + 1, m + 1);
    }
    lastOf.set(at, m);
  }
  return t;
}
