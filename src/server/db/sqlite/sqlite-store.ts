import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MODEL_HASH_KINDS, type ModelConfig, type ModelHashes, type ModelHashKind, type ModelScanSummary, type ModelType } from '../../../shared/models.js';
import { createSequence } from '../clock.js';
import { MIGRATIONS } from '../migrations.js';
import { ModelIndex } from './model-index.js';
import {
  HASH_COLUMNS,
  modelFromRow,
  modelRecordFromRow,
  scanChanged,
  type ModelFilter,
  type RegistryEntry,
  type ModelRow,
  type RecallWriteEntry,
  type RecallWriteOptions,
  type RecallWriteResult,
  type ScannedModel,
  type Store,
} from '../store.js';

type Db = Database.Database;

/** Rows per multi-row upsert: 5 parameters each, far below SQLite's limit of 32,766. */
const UPSERT_ROWS = 64;

interface PendingRecallWrite {
  queueIds: readonly string[];
  entries: readonly RecallWriteEntry[];
  recallId: string;
  now: string;
  readFirst: readonly string[];
  resolve: (result: RecallWriteResult) => void;
  reject: (err: unknown) => void;
}

/** Applies pending migrations, each in its own transaction. */
function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      for (const sql of m.statements) db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
}

/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3. Calls are synchronous
 * underneath; the async interface is what lets PostgreSQL stand in for it.
 */
export function openSqliteStore(file: string): Store {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL, SQLite's advice for WAL: a commit is in the WAL file before the write is acknowledged,
  // so it survives the server being killed (issue 6's durability rule, tested with SIGKILL), but
  // the WAL is synced only at checkpoints, so a power cut can lose the last commits. FULL syncs
  // every commit and blocked the event loop for most of each recall (docs/benchmarks.md).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const nextSeq = createSequence();

  const st = {
    csGet: db.prepare<[string, string], { value: string }>('SELECT value FROM client_state WHERE queue_id = ? AND key = ?'),
    csSet: db.prepare(
      `INSERT INTO client_state (queue_id, key, value, updated_at, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, seq = excluded.seq`,
    ),
    csKeys: db.prepare<[string, string, string], { key: string }>(
      'SELECT key FROM client_state WHERE queue_id = ? AND substr(key, 1, length(?)) = ? ORDER BY seq DESC',
    ),
    csDelete: db.prepare('DELETE FROM client_state WHERE queue_id = ? AND key = ?'),
    csDeleteQueue: db.prepare('DELETE FROM client_state WHERE queue_id = ?'),
    revGet: db.prepare<[string], { revision: number; recall_id: string; updated_at: string }>(
      'SELECT revision, recall_id, updated_at FROM recall_revisions WHERE queue_id = ?',
    ),
    revSet: db.prepare<[string, number, string, string]>(
      `INSERT INTO recall_revisions (queue_id, revision, recall_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue_id) DO UPDATE SET revision = excluded.revision, recall_id = excluded.recall_id, updated_at = excluded.updated_at`,
    ),
    revNumber: db.prepare<[string], number>('SELECT revision FROM recall_revisions WHERE queue_id = ?').pluck(),
    modelGet: db.prepare<[string], ModelRow>('SELECT * FROM models WHERE key = ?'),
    modelByName: db.prepare<[string], ModelRow>(
      'SELECT * FROM models WHERE name = ? AND missing = 0 ORDER BY created_at, key',
    ),
    modelAll: db.prepare<[], ModelRow>('SELECT * FROM models'),
    modelInsert: db.prepare(
      `INSERT INTO models (key, name, base, type, format, path, file_size, mtime_ms, description, source, missing, created_at, updated_at)
       VALUES (@key, @name, @base, @type, @format, @path, @file_size, @mtime_ms, @description, @source, 0, @now, @now)`,
    ),
    modelUpdate: db.prepare(
      `UPDATE models SET name = @name, base = @base, type = @type, format = @format, file_size = @file_size,
         mtime_ms = @mtime_ms, description = @description, source = @source, missing = 0, updated_at = @now,
         hash_blake3 = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hash_blake3 END,
         hash_sha256 = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hash_sha256 END,
         hash_autov2 = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hash_autov2 END,
         hash_autov1 = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hash_autov1 END,
         hash_autov3 = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hash_autov3 END,
         hashed_at = CASE WHEN mtime_ms = @mtime_ms AND file_size = @file_size THEN hashed_at END
       WHERE key = @key`,
    ),
    modelMissing: db.prepare('UPDATE models SET missing = 1, updated_at = ? WHERE key = ?'),
    modelHashes: db.prepare(
      `UPDATE models SET hash_blake3 = @blake3, hash_sha256 = @sha256, hash_autov2 = @autov2, hash_autov1 = @autov1,
         hash_autov3 = @autov3, hashed_at = @now, updated_at = @now
       WHERE key = @key AND (@size IS NULL OR (file_size = @size AND mtime_ms = @mtime))`,
    ),
    modelUnhashed: db.prepare<[number, string, number], ModelRow>(
      'SELECT * FROM models WHERE missing = 0 AND hashed_at IS NULL AND (file_size, key) > (?, ?) ORDER BY file_size, key LIMIT ?',
    ),
    modelCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM models WHERE missing = 0'),
  };

  // Values go in multi-row upserts of up to UPSERT_ROWS rows; statements are prepared once per row count.
  const upserts = new Map<number, Database.Statement>();
  const upsertRows = (rows: readonly (readonly unknown[])[]) => {
    for (let at = 0; at < rows.length; at += UPSERT_ROWS) {
      const chunk = rows.slice(at, at + UPSERT_ROWS);
      let stmt = upserts.get(chunk.length);
      if (!stmt) {
        stmt = db.prepare(
          `INSERT INTO client_state (queue_id, key, value, updated_at, seq) VALUES ${Array(chunk.length).fill('(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (queue_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, seq = excluded.seq`,
        );
        upserts.set(chunk.length, stmt);
      }
      stmt.run(...chunk.flat());
    }
  };

  /**
   * A batch of recalls, in order, inside a transaction the caller holds. Each recall sees what the
   * ones before it wrote (its `readFirst` values, the list an append extends), kept in memory as the
   * batch goes; then each (queue, key) is written once, with its last value, and each queue's
   * revision once, counted up by the recalls that touched it. The database ends as if the recalls
   * had been written one after the other, without writing a key many times over when a busy queue's
   * recalls share a commit (about 15 % of a seed recall's CPU, docs/benchmarks.md).
   */
  const applyRecalls = (batch: readonly PendingRecallWrite[]): RecallWriteResult[] => {
    /**
     * Each (queue, key) read or written so far, by queue then key: its current value (null when it
     * holds none) and, once written, the time and sequence number of its last write. Rows are made
     * at the end, for the last writes only: a busy queue's batch overwrites the same keys many times.
     * Nested maps, not one keyed by queue and key joined: the keys are constants, and a joined
     * string was made and hashed for every value.
     */
    type Slot = { value: string | null; written: boolean; now: string; seq: number };
    const current = new Map<string, Map<string, Slot>>();
    const revs = new Map<string, { revision: number; recallId: string; now: string }>();
    const slotsOf = (queueId: string) => {
      let slots = current.get(queueId);
      if (!slots) current.set(queueId, (slots = new Map()));
      return slots;
    };
    const slotOf = (slots: Map<string, Slot>, queueId: string, key: string) => {
      let slot = slots.get(key);
      if (!slot) slots.set(key, (slot = { value: st.csGet.get(queueId, key)?.value ?? null, written: false, now: '', seq: 0 }));
      return slot;
    };
    const results = batch.map((w) => {
      const revisions = new Map<string, number>();
      const before = new Map<string, Map<string, string>>();
      for (const queueId of w.queueIds) {
        const slots = slotsOf(queueId);
        const held = new Map<string, string>();
        for (const key of w.readFirst) {
          const v = slotOf(slots, queueId, key).value;
          if (v !== null) held.set(key, v);
        }
        before.set(queueId, held);
        // One reading of the clock per recall and queue, its keys numbered on from it.
        let seq = nextSeq(w.entries.length);
        for (const e of w.entries) {
          const slot = 'value' in e ? slots.get(e.key) : slotOf(slots, queueId, e.key);
          const value = 'value' in e ? e.value : e.merge(slot!.value);
          if (slot) {
            slot.value = value;
            slot.written = true;
            slot.now = w.now;
            slot.seq = seq++;
          } else {
            slots.set(e.key, { value, written: true, now: w.now, seq: seq++ });
          }
        }
        let rev = revs.get(queueId);
        if (!rev) revs.set(queueId, (rev = { revision: st.revNumber.get(queueId) ?? 0, recallId: w.recallId, now: w.now }));
        rev.revision += 1;
        rev.recallId = w.recallId;
        rev.now = w.now;
        revisions.set(queueId, rev.revision);
      }
      return { revisions, before };
    });
    const rows: unknown[][] = [];
    for (const [queueId, slots] of current) {
      for (const [key, slot] of slots) if (slot.written) rows.push([queueId, key, slot.value, slot.now, slot.seq]);
    }
    upsertRows(rows);
    for (const [queueId, rev] of revs) st.revSet.run(queueId, rev.revision, rev.recallId, rev.now);
    return results;
  };
  const writeOne = db.transaction((w: PendingRecallWrite) => applyRecalls([w])[0]!);
  const writeBatch = db.transaction(applyRecalls);

  /*
   * Group commit: recalls that arrive in the same turn of the event loop are written in one
   * transaction, so they share its fixed cost (the WAL write, and the sync at checkpoints).
   * Each still answers only after the commit that holds it, so an acknowledged write is stored.
   * Should the batch fail, it is rolled back whole and each recall is retried in a transaction of
   * its own, so one bad write cannot take the others down with it.
   */
  let pending: PendingRecallWrite[] = [];
  const flushRecalls = () => {
    const batch = pending;
    pending = [];
    let results: RecallWriteResult[];
    try {
      results = writeBatch(batch);
    } catch (err) {
      // Alone in its batch, a failed recall has failed: running it again would only repeat it.
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const w of batch) {
        try {
          w.resolve(writeOne(w));
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  };
  const queueRecallWrite = (queueIds: readonly string[], entries: readonly RecallWriteEntry[], recallId: string, now: string, options: RecallWriteOptions = {}) =>
    new Promise<RecallWriteResult>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flushRecalls);
      pending.push({ queueIds, entries, recallId, now, readFirst: options.readFirst ?? [], resolve, reject });
    });

  // One read transaction, so the values and the revision belong to the same write. Made once: a
  // transaction wrapped per call took twice as long for the two keys a recall reads first.
  const readRecall = db.transaction((queueId: string, keys: readonly string[]) => {
    const values = new Map<string, string>();
    for (const key of keys) {
      const v = st.csGet.get(queueId, key)?.value;
      if (v !== undefined) values.set(key, v);
    }
    const rev = st.revGet.get(queueId);
    return { values, revision: rev?.revision ?? 0, recallId: rev?.recall_id ?? null, updatedAt: rev?.updated_at ?? null };
  });

  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  // Grouped by name, so the index is written as the rows stream in (see ModelIndex).
  const presentRefs = db.prepare<[], RegistryEntry>('SELECT key, name, type, base FROM models WHERE missing = 0 ORDER BY name, created_at, key');
  const presentRefByKey = db.prepare<[string], RegistryEntry>('SELECT key, name, type, base FROM models WHERE key = ? AND missing = 0');
  const index = new ModelIndex(
    () => presentRefs.iterate(),
    () => dataVersion.get()!,
  );

  const applyScan = db.transaction((found: readonly ScannedModel[], now: string, newKey: () => string) => {
    const summary: ModelScanSummary = { added: 0, updated: 0, unchanged: 0, missing: 0, skipped: [] };
    const byPath = new Map(st.modelAll.all().map((r) => [r.path, r]));
    for (const m of found) {
      const row = byPath.get(m.path);
      byPath.delete(m.path);
      if (!row) {
        st.modelInsert.run({ ...m, key: newKey(), now });
        summary.added++;
      } else if (scanChanged(row, m)) {
        st.modelUpdate.run({ ...m, key: row.key, now });
        summary.updated++;
      } else {
        summary.unchanged++;
      }
    }
    for (const row of byPath.values()) {
      if (!row.missing) {
        st.modelMissing.run(now, row.key);
        summary.missing++;
      }
    }
    return summary;
  });

  /** One prepared statement per set of kinds: `substr` makes a shortened hash match as a prefix. */
  const byHashStatements = new Map<string, Database.Statement<unknown[], ModelRow>>();
  function findByHash(hash: string, kinds: readonly ModelHashKind[]): ModelConfig[] {
    if (kinds.length === 0) return [];
    const id = kinds.join(',');
    let stmt = byHashStatements.get(id);
    if (!stmt) {
      const cond = kinds.map((k) => `substr(${HASH_COLUMNS[k]}, 1, @len) = @hash`).join(' OR ');
      stmt = db.prepare<unknown[], ModelRow>(`SELECT * FROM models WHERE missing = 0 AND (${cond}) ORDER BY created_at, key`);
      byHashStatements.set(id, stmt);
    }
    return stmt.all({ hash, len: hash.length }).map(modelFromRow);
  }

  function listModels(filter: ModelFilter): ModelConfig[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (!filter.includeMissing) where.push('missing = 0');
    if (filter.types?.length) {
      where.push(`type IN (${filter.types.map(() => '?').join(',')})`);
      args.push(...filter.types);
    }
    if (filter.bases?.length) {
      where.push(`base IN (${filter.bases.map(() => '?').join(',')})`);
      args.push(...filter.bases);
    }
    if (filter.name !== undefined) {
      where.push('name = ?');
      args.push(filter.name);
    }
    if (filter.format !== undefined) {
      where.push('format = ?');
      args.push(filter.format);
    }
    const sql = `SELECT * FROM models ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY type, base, name, key`;
    return (db.prepare(sql).all(...args) as ModelRow[]).map(modelFromRow);
  }

  return {
    kind: 'sqlite',
    clientState: {
      get: async (q, k) => st.csGet.get(q, k)?.value ?? null,
      set: async (q, k, v) => void st.csSet.run(q, k, v, new Date().toISOString(), nextSeq()),
      keysByPrefix: async (q, prefix) => st.csKeys.all(q, prefix, prefix).map((r) => r.key),
      delete: async (q, k) => void st.csDelete.run(q, k),
      deleteQueue: async (q) => void st.csDeleteQueue.run(q),
    },
    recall: {
      write: queueRecallWrite,
      read: async (queueId, keys) => readRecall(queueId, keys),
    },
    models: {
      list: async (filter) => listModels(filter),
      get: async (key) => {
        const row = st.modelGet.get(key);
        return row ? modelFromRow(row) : null;
      },
      findByName: async (name, types: readonly ModelType[]) =>
        st.modelByName
          .all(name)
          .filter((r) => types.includes(r.type as ModelType))
          .map(modelFromRow),
      findRefsByName: async (name) => index.findByName(name),
      warmUp: async () => index.load(),
      prefetchNames: (names) => index.prefetch(names),
      registryGeneration: () => index.generation(),
      // Keys are rarely sent instead of names; a query is fine for them.
      findRefByKey: async (key) => presentRefByKey.get(key) ?? null,
      findByHash: async (hash, kinds = MODEL_HASH_KINDS) => findByHash(hash, kinds),
      applyScan: async (found, now, newKey) => {
        try {
          return applyScan(found, now, newKey);
        } finally {
          index.invalidate();
        }
      },
      setHashes: async (key, h: ModelHashes, now, expect) =>
        st.modelHashes.run({ ...h, key, now, size: expect?.file_size ?? null, mtime: expect?.mtime_ms ?? null }).changes > 0,
      withoutHashes: async (limit, after) => st.modelUnhashed.all(after?.file_size ?? -1, after?.key ?? '', limit).map(modelRecordFromRow),
      count: async () => st.modelCount.get()!.n,
    },
    close: async () => {
      // Writes already queued are committed (and answered) before the database closes.
      if (pending.length) flushRecalls();
      db.close();
    },
  };
}

/** SQLite's own consistency check, for tests and `recall doctor`-style tooling. */
export function sqliteIntegrityCheck(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  } finally {
    db.close();
  }
}
