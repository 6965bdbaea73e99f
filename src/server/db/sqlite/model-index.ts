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

/** The string whose length field is at `at` (its characters right after it), and where it ends. */
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
    /** Present models, grouped by name (all of a name one after another), oldest first within a name. */
    private readonly loadAll: () => Iterable<RegistryEntry>,
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
    const at = findName(t.slots, t.records, name, hashOf(name));
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
function findName(slots: Int32Array, records: Uint8Array, name: string, hash: number): number {
  const mask = slots.length / 2 - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const at = slots[slot * 2 + 1]! - 1;
    if (at < 0) return -1;
    if (slots[slot * 2] === hash && sameName(records, at, name)) return at;
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

/** A table being built: records are appended as rows stream in, and both arrays grow as needed. */
class Builder {
  private slots: Int32Array = new Int32Array(16 * 2);
  private records: Uint8Array = new Uint8Array(64 * 1024);
  private end = 0;
  private names = 0;
  /** The record being written: its name, where it starts, how many models it holds so far. */
  private name: string | null = null;
  private at = -1;
  private count = 0;

  add(r: RegistryEntry): void {
    // A type outside the contract cannot be asked for, so such a model is left out rather than guessed;
    // so is a name or key too long for its length field.
    if (!TYPE_CODES.has(r.type) || r.name.length > MAX_LENGTH || r.key.length > MAX_LENGTH) return;
    if (r.name !== this.name) this.startName(r.name);
    else if (this.count === MAX_PER_NAME) return;
    const head = headOf(r.key);
    this.reserve(MODEL_HEAD + charBytes(head));
    const a = this.records;
    a[this.end] = TYPE_CODES.get(r.type)!;
    a[this.end + 1] = BASE_CODES.get(r.base) ?? UNKNOWN_BASE;
    write16(a, this.end + KIND_BYTES, head);
    this.end = putChars(a, this.end + MODEL_HEAD, r.key, head);
    write16(a, this.at + 2, ++this.count);
  }

  /** The finished table, its records trimmed to their size. */
  finish(): Table {
    return { slots: this.slots, records: this.records.slice(0, this.end) };
  }

  private startName(name: string): void {
    const hash = hashOf(name);
    // Rows come grouped by name; a name met again after others would get a second record that
    // lookups never reach, so that is a caller's bug, reported rather than answered wrongly.
    if (findName(this.slots, this.records, name, hash) >= 0) throw new Error(`model index: rows are not grouped by name ("${name}" came twice)`);
    const head = headOf(name);
    this.reserve(NAME_HEAD + charBytes(head));
    this.name = name;
    this.at = this.end;
    this.count = 0;
    write16(this.records, this.at, head);
    write16(this.records, this.at + 2, 0);
    this.end = putChars(this.records, this.at + NAME_HEAD, name, head);
    // At most half full, so a probe finds an empty slot within a few steps.
    if (++this.names * 2 > this.slots.length / 2) this.slots = rehash(this.slots);
    insert(this.slots, hash, this.at);
  }

  private reserve(bytes: number): void {
    if (this.end + bytes <= this.records.length) return;
    const grown = new Uint8Array(Math.max(this.records.length * 2, this.end + bytes));
    grown.set(this.records.subarray(0, this.end));
    this.records = grown;
  }
}

function insert(slots: Int32Array, hash: number, at: number): void {
  const mask = slots.length / 2 - 1;
  let slot = hash & mask;
  while (slots[slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
  slots[slot * 2] = hash;
  slots[slot * 2 + 1] = at + 1;
}

/** The same entries in a table twice the size. */
function rehash(slots: Int32Array): Int32Array {
  const grown = new Int32Array(slots.length * 2);
  for (let i = 0; i < slots.length; i += 2) if (slots[i + 1] !== 0) insert(grown, slots[i]!, slots[i + 1]! - 1);
  return grown;
}

/**
 * The tables, written as the rows stream in: no row outlives its turn. Collected all at once (an
 * array of 100,000 rows, then a Map of them by name), they were about 25 MB that a collection during
 * the build kept in V8's old generation; streamed, the server starts 31 MB smaller and the build
 * takes about half as long (docs/benchmarks.md, round 12).
 */
function build(rows: Iterable<RegistryEntry>): Table {
  const b = new Builder();
  for (const r of rows) b.add(r);
  return b.finish();
}
