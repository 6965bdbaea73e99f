import type { ModelBase, ModelConfig, ModelFormat, ModelHashes, ModelHashKind, ModelScanSummary, ModelType } from '../../shared/models.js';

/*
 * The store interface: everything the services persist goes through it, so the embedded SQLite store
 * and a PostgreSQL one are interchangeable (one contract test suite runs against both).
 */

export interface ClientStateRepository {
  get(queueId: string, key: string): Promise<string | null>;
  set(queueId: string, key: string, value: string): Promise<void>;
  /** Keys starting with `prefix`, most recently written first. */
  keysByPrefix(queueId: string, prefix: string): Promise<string[]>;
  delete(queueId: string, key: string): Promise<void>;
  deleteQueue(queueId: string): Promise<void>;
}

/** One key of a recall write: a value, or a merge computed from the stored value inside the transaction. */
export type RecallWriteEntry = { key: string; value: string } | { key: string; merge: (previous: string | null) => string };

export interface RecallSnapshot {
  values: Map<string, string>;
  revision: number;
  /** Id of the recall that made this revision; null when never written. */
  recallId: string | null;
  updatedAt: string | null;
}

export interface RecallWriteOptions {
  /** Keys whose values from before this write are returned, read inside the same transaction. */
  readFirst?: readonly string[];
}

export interface RecallWriteResult {
  /** The new revision of each queue, in the order given. */
  revisions: Map<string, number>;
  /** Per queue, the `readFirst` values it held before this write (keys it did not hold are left out). */
  before: Map<string, Map<string, string>>;
}

export interface RecallRepository {
  /**
   * Writes the entries into every queue and bumps each queue's revision, all in ONE transaction:
   * either everything is stored or nothing is.
   */
  write(queueIds: readonly string[], entries: readonly RecallWriteEntry[], recallId: string, now: string, options?: RecallWriteOptions): Promise<RecallWriteResult>;
  /** The stored values of `keys` for a queue, with its revision (0 when never written). */
  read(queueId: string, keys: readonly string[]): Promise<RecallSnapshot>;
}

/** A model file or folder found by a scan, before it has a key. */
export interface ScannedModel {
  path: string;
  name: string;
  base: ModelBase;
  type: ModelType;
  format: ModelFormat;
  file_size: number;
  mtime_ms: number;
  description: string | null;
  source: string;
}

export interface ModelFilter {
  types?: readonly ModelType[];
  bases?: readonly ModelBase[];
  name?: string;
  format?: ModelFormat;
  includeMissing?: boolean;
}

/** What resolving a name needs of a model: little enough to keep a whole registry in memory. */
export type RegistryEntry = Pick<ModelConfig, 'key' | 'name' | 'type' | 'base'>;

export interface ModelRepository {
  list(filter: ModelFilter): Promise<ModelConfig[]>;
  get(key: string): Promise<ModelConfig | null>;
  /** Present (not missing) models with this exact name and one of these types, oldest first. */
  findByName(name: string, types: readonly ModelType[]): Promise<ModelConfig[]>;
  /**
   * Present models one of whose hashes of the given kinds (all kinds when omitted) starts with `hash`
   * (lower-case hex, no prefix), oldest first. A prefix is enough because images carry shortened
   * hashes (AutoV2 is the SHA-256's first 10 digits, A1111's LoRA hash the AutoV3's first 12).
   */
  findByHash(hash: string, kinds?: readonly ModelHashKind[]): Promise<ModelConfig[]>;
  /**
   * Present models with this exact name, of any type, oldest first, as registry entries: the recall
   * hot path. Optional: without it, resolution asks `findByName` (the SQLite store answers from memory).
   */
  findRefsByName?(name: string): Promise<readonly RegistryEntry[]>;
  /** The present model with this key, as a registry entry (optional, as above; else `get`). */
  findRefByKey?(key: string): Promise<RegistryEntry | null>;
  /** Loads what the two lookups above keep in memory now, rather than on the first recall (optional, as above). */
  warmUp?(): Promise<void>;
  /**
   * A hint that `findRefsByName` is about to be asked for each of `names`: the memory those lookups
   * read is read for all of them at once (optional, as above; answers nothing).
   */
  prefetchNames?(names: readonly string[]): void;
  /**
   * A number that changes whenever what the lookups above answer may have changed (a scan here, or
   * one by another process, seen within a tenth of a second). Optional: a store that cannot tell
   * cheaply leaves it out, and then nothing resolved is kept between recalls.
   */
  registryGeneration?(): number;
  /**
   * Upserts the scan result by path in one transaction: known paths keep their key, new ones get
   * `newKey()`, and known paths not in the scan are marked missing.
   */
  applyScan(found: readonly ScannedModel[], now: string, newKey: () => string): Promise<ModelScanSummary>;
  /**
   * Stores the hashes of a model and marks it hashed (`hashed_at = now`). With `expect`, only while
   * the row still describes the file that was hashed (same size and mtime: a rescan in between may
   * have seen a new file); answers whether the row was updated.
   */
  setHashes(key: string, hashes: ModelHashes, now: string, expect?: HashedFile): Promise<boolean>;
  /**
   * Present models not hashed yet (`hashed_at` is NULL), smallest first (then by key), for the
   * background hasher; with `after`, those that come after that model in this order, so the hasher
   * reads each once per pass however many it has to leave for later.
   */
  withoutHashes(limit: number, after?: { file_size: number; key: string }): Promise<ModelRecord[]>;
  count(): Promise<number>;
}

/** What the hasher checks before storing: the file it hashed is still the one the row describes. */
export interface HashedFile {
  file_size: number;
  mtime_ms: number;
}

/** A model with the file facts the registry keeps but the API does not show. */
export type ModelRecord = ModelConfig & HashedFile;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly clientState: ClientStateRepository;
  readonly recall: RecallRepository;
  readonly models: ModelRepository;
  close(): Promise<void>;
}

/** Row of the models table, shared by both stores. */
export interface ModelRow {
  key: string;
  name: string;
  base: string;
  type: string;
  format: string;
  path: string;
  file_size: number | string;
  mtime_ms: number | string;
  hash_blake3: string | null;
  hash_sha256: string | null;
  hash_autov2: string | null;
  hash_autov1: string | null;
  hash_autov3: string | null;
  hashed_at: string | null;
  description: string | null;
  source: string;
  missing: number | boolean;
  created_at: string;
  updated_at: string;
}

export function modelFromRow(r: ModelRow): ModelConfig {
  return {
    key: r.key,
    hash: r.hash_blake3 ? `blake3:${r.hash_blake3}` : null,
    hashes: {
      blake3: r.hash_blake3,
      sha256: r.hash_sha256,
      autov2: r.hash_autov2,
      autov1: r.hash_autov1 ?? null,
      autov3: r.hash_autov3 ?? null,
    },
    path: r.path,
    file_size: Number(r.file_size),
    name: r.name,
    description: r.description,
    source: r.source,
    base: r.base as ModelBase,
    type: r.type as ModelType,
    format: r.format as ModelFormat,
    missing: Boolean(r.missing),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function modelRecordFromRow(r: ModelRow): ModelRecord {
  return { ...modelFromRow(r), file_size: Number(r.file_size), mtime_ms: Number(r.mtime_ms) };
}

/** Column of each hash kind in the models table. */
export const HASH_COLUMNS: Record<ModelHashKind, keyof ModelRow> = {
  blake3: 'hash_blake3',
  sha256: 'hash_sha256',
  autov2: 'hash_autov2',
  autov1: 'hash_autov1',
  autov3: 'hash_autov3',
};

/** Whether a scanned model differs from what is stored for its path. */
export function scanChanged(row: ModelRow, m: ScannedModel): boolean {
  return (
    row.name !== m.name ||
    row.base !== m.base ||
    row.type !== m.type ||
    row.format !== m.format ||
    Number(row.file_size) !== m.file_size ||
    Number(row.mtime_ms) !== m.mtime_ms ||
    Boolean(row.missing)
  );
}

/**
 * What became of a write when the database could not be reached: `not_stored` (rolled back or never
 * sent), or `unknown` when the connection broke while its COMMIT was in flight and checking afterwards
 * could not tell.
 */
export type StorageOutcome = 'not_stored' | 'unknown';

/** Thrown by a store when its database cannot be reached; the API answers 503. */
export class StorageUnavailableError extends Error {
  readonly outcome: StorageOutcome;
  constructor(message: string, options?: { cause?: unknown; outcome?: StorageOutcome }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
    this.outcome = options?.outcome ?? 'not_stored';
  }
}
