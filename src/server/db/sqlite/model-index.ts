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
 * per name with its models right after it, each string inline, one byte per character where all of
 * its characters fit in one (Latin-1: model names and keys nearly always), else two. It all lives
 * in two typed arrays, so 100,000 models are a few megabytes the garbage collector never walks,
 * and a lookup reads two places in memory: the slot, then the name's record, whose models follow
 * it in the same or the next cache line. With a Map of 100,000 name strings beside arrays of keys,
 * types and bases, a recall naming nine random models of a large registry cost about a tenth more
 * than with a small one; as these tables, about a twentieth, most of it the two places each lookup
 * reads, each a likely cache and TLB miss in a large registry (docs/benchmarks.md). One byte per
 * character halves the records' memory (5.5 MB instead of 10.2 MB for 100,000 models); no speed
 * change could be measured.
 *
 *   slots:   per slot, the name's hash and its record's offset + 1 (0: empty slot)
 *   records: per name, [length | WIDE, model count, ...name], then per model [type, base, key length | WIDE, ...key];
 *            lengths and counts are two bytes (little-endian), type and base one
 */
interface Table {
  slots: Int32Array;
  records: Uint8Array;
}

/** Names `prefetch` reads at most in one call (a recall names a few dozen models at most). */
const PREFETCH_MAX = 256;
/** Tables smaller than this are not read ahead (a core's L2 cache holds them). */
const PREFETCH_FROM_BYTES = 256 * 1024;
/** Bytes before a name's characters: its length, its model count. */
const NAME_HEAD = 4;
/** Bytes of a model's type and base, before its key's length field. */
const KIND_BYTES = 2;
/** Bytes before a key's characters: type, base, the key's length. */
const MODEL_HEAD = KIND_BYTES + 2;
/** Set in a length when the string takes two bytes per character (some character is above U+00FF). */
const WIDE = 0x8000;
/** Longest name or key the tables hold: their length has 15 bits (the contract allows far shorter ones). */
const MAX_LENGTH = WIDE - 1;
/** Models kept per name: the count has 16 bits (a registry holds a few of a name at most). */
const MAX_PER_NAME = 0xffff;

function read16(a: Uint8Array, at: number): number {
  return a[at]! | (a[at + 1]! << 8);
}

function write16(a: Uint8Array, at: number, v: number): void {
  a[at] = v & 0xff;
  a[at + 1] = v >>> 8;
}

function isNarrow(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** A string's length field: its length, with WIDE when it takes two bytes per character. */
function headOf(s: string): number {
  return isNarrow(s) ? s.length : s.length | WIDE;
}

/** Bytes a string's characters take, from its length field. */
function charBytes(head: number): number {
  return head & WIDE ? (head & MAX_LENGTH) * 2 : head;
}

/** Writes the characters of `s` at `at` as `head` (its headOf) says; returns where they end. */
function putChars(a: Uint8Array, at: number, s: string, head: number): number {
  let p = at;
  if (!(head & WIDE)) for (let i = 0; i < s.length; i++) a[p++] = s.charCodeAt(i);
  else
    for (let i = 0; i < s.length; i++) {
      write16(a, p, s.charCodeAt(i));
      p += 2;
    }
  return p;
}

/** Writes `s`'s length field, then its characters, at `at`; returns where they end. */
function putString(a: Uint8Array, at: number, s: string): number {
  const head = headOf(s);
  write16(a, at, head);
  return putChars(a, at + 2, s, head);
}

/** The string whose length is at `at` (as putString wrote it), and where it ends. */
function getString(a: Uint8Array, at: number): [string, number] {
  const head = read16(a, at);
  const start = at + 2;
  const end = start + charBytes(head);
  if (!(head & WIDE)) return [String.fromCharCode.apply(null, a.subarray(start, end) as unknown as number[]), end];
  let s = '';
  for (let p = start; p < end; p += 2) s += String.fromCharCode(read16(a, p));
  return [s, end];
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
      if (at >= 0) touched |= t.records[at]! | t.records[Math.min(at + 64, last)]!;
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
    let m = at + NAME_HEAD + charBytes(read16(r, at));
    for (let n = read16(r, at + 2); n > 0; n--) {
      const type = MODEL_TYPES[r[m]!]!;
      const base = MODEL_BASES[r[m + 1]!]!;
      const [key, end] = getString(r, m + KIND_BYTES);
      found.push({ key, name, type, base });
      m = end;
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

function sameName(records: Uint8Array, at: number, name: string): boolean {
  const head = read16(records, at);
  if ((head & MAX_LENGTH) !== name.length) return false;
  const start = at + NAME_HEAD;
  if (!(head & WIDE)) {
    for (let i = 0; i < name.length; i++) if (records[start + i] !== name.charCodeAt(i)) return false;
  } else {
    for (let i = 0; i < name.length; i++) if (read16(records, start + i * 2) !== name.charCodeAt(i)) return false;
  }
  return true;
}

function build(rows: readonly RegistryEntry[]): Table {
  // A type outside the contract cannot be asked for, so such a model is left out rather than guessed;
  // so is a name or key too long for its length field.
  const byName = new Map<string, RegistryEntry[]>();
  for (const r of rows) {
    if (!TYPE_CODES.has(r.type) || r.name.length > MAX_LENGTH || r.key.length > MAX_LENGTH) continue;
    const list = byName.get(r.name);
    if (!list) byName.set(r.name, [r]);
    else if (list.length < MAX_PER_NAME) list.push(r);
  }
  let bytes = 0;
  for (const [name, models] of byName) {
    bytes += NAME_HEAD + charBytes(headOf(name));
    for (const m of models) bytes += MODEL_HEAD + charBytes(headOf(m.key));
  }
  let size = 16;
  while (size < byName.size * 2) size *= 2;
  const t: Table = { slots: new Int32Array(size * 2), records: new Uint8Array(bytes) };
  const r = t.records;
  let end = 0;
  for (const [name, models] of byName) {
    const at = end;
    const head = headOf(name);
    write16(r, at, head);
    write16(r, at + 2, models.length);
    end = putChars(r, at + NAME_HEAD, name, head);
    for (const m of models) {
      r[end] = TYPE_CODES.get(m.type)!;
      r[end + 1] = BASE_CODES.get(m.base) ?? UNKNOWN_BASE;
      end = putString(r, end + KIND_BYTES, m.key);
    }
    const hash = hashOf(name);
    let slot = hash & (size - 1);
    while (t.slots[slot * 2 + 1] !== 0) slot = (slot + 1) & (size - 1);
    t.slots[slot * 2] = hash;
    t.slots[slot * 2 + 1] = at + 1;
  }
  return t;
}
