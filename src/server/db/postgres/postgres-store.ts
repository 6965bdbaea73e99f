import pg from 'pg';
import type { PoolClient } from 'pg';
import { MODEL_HASH_KINDS, type ModelConfig, type ModelScanSummary } from '../../../shared/models.js';
import { createSequence } from '../clock.js';
import { MIGRATIONS } from '../migrations.js';
import { HASH_COLUMNS, modelFromRow, modelRecordFromRow, scanChanged, type ModelFilter, type ModelRow, type RecallWriteResult, StorageUnavailableError, type Store } from '../store.js';
import { isConnectionError, toStoreError } from './pg-errors.js';

export interface PostgresStoreOptions {
  /** Connections this process may hold (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before answering 503 (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Server-side limit on one statement (default 15000 ms); a query past it answers 503. */
  statementTimeoutMs?: number;
  /** Told about connections the pool lost while idle (PostgreSQL restarted, network cut). */
  onConnectionError?: (err: Error) => void;
}

/*
 * Advisory lock ids (two-int form: our class id, then the purpose), so migrations and model scans
 * of several processes starting at once run one after the other instead of colliding.
 */
const LOCK_CLASS = 0x52434c4c; // "RCLL"
const LOCK_MIGRATIONS = 1;
const LOCK_MODEL_SCAN = 2;

/*
 * Text ordering follows SQLite's (byte order), not the database's locale, so both stores list
 * models in the same order.
 */
const MODEL_ORDER = 'ORDER BY type COLLATE "C", base COLLATE "C", name COLLATE "C", key COLLATE "C"';
const OLDEST_FIRST = 'ORDER BY created_at COLLATE "C", key COLLATE "C"';

const SQL = {
  csGet: 'SELECT value FROM client_state WHERE queue_id = $1 AND key = $2',
  csSet: `INSERT INTO client_state (queue_id, key, value, updated_at, seq) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (queue_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, seq = excluded.seq`,
  csSetMany: `INSERT INTO client_state (queue_id, key, value, updated_at, seq)
              SELECT q, k, v, $4, s FROM unnest($1::text[], $2::text[], $3::text[], $5::bigint[]) AS t(q, k, v, s)
              ON CONFLICT (queue_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, seq = excluded.seq`,
  csKeys: `SELECT key FROM client_state WHERE queue_id = $1 AND substr(key, 1, length($2::text)) = $2::text ORDER BY seq DESC`,
  csValuesOf: 'SELECT queue_id, key, value FROM client_state WHERE queue_id = ANY($1::text[]) AND key = ANY($2::text[])',
  revBump: `INSERT INTO recall_revisions (queue_id, revision, recall_id, updated_at) VALUES ($1, 1, $2, $3)
            ON CONFLICT (queue_id) DO UPDATE SET revision = recall_revisions.revision + 1,
              recall_id = excluded.recall_id, updated_at = excluded.updated_at
            RETURNING revision`,
  // One statement, so the values and the revision come from the same snapshot.
  recallRead: `SELECT r.revision, r.recall_id, r.updated_at,
                 (SELECT json_object_agg(key, value) FROM client_state WHERE queue_id = $1 AND key = ANY($2::text[])) AS vals
               FROM (SELECT 1) AS one LEFT JOIN recall_revisions r ON r.queue_id = $1`,
  modelInsert: `INSERT INTO models (key, name, base, type, format, path, file_size, mtime_ms, description, source, missing, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11)`,
  modelUpdate: `UPDATE models SET name = $2, base = $3, type = $4, format = $5, file_size = $6, mtime_ms = $7,
                  description = $8, source = $9, missing = 0, updated_at = $10,
                  hash_blake3 = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hash_blake3 END,
                  hash_sha256 = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hash_sha256 END,
                  hash_autov2 = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hash_autov2 END,
                  hash_autov1 = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hash_autov1 END,
                  hash_autov3 = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hash_autov3 END,
                  hashed_at = CASE WHEN mtime_ms = $7 AND file_size = $6 THEN hashed_at END
                WHERE key = $1`,
};

/** Applies pending migrations, each in its own transaction, under a lock other processes wait on. */
async function migrate(tx: <T>(fn: (c: PoolClient) => Promise<T>) => Promise<T>): Promise<void> {
  const lock = (c: PoolClient) => c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]);
  await tx(async (c) => {
    await lock(c);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  });
  for (const m of MIGRATIONS) {
    await tx(async (c) => {
      await lock(c);
      const done = await c.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rowCount) return;
      for (const sql of m.statements) await c.query(sql);
      await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
    });
  }
}

/**
 * The store on PostgreSQL through a pg connection pool: the same tables, migrations and behaviour as
 * the SQLite store, for several Recall processes sharing one database. An unreachable database
 * surfaces as StorageUnavailableError; the pool opens fresh connections once it is back.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    // Client-side bound for a server that stopped answering without closing the socket.
    query_timeout: (options.statementTimeoutMs ?? 15_000) + 5000,
    application_name: 'recall',
  });
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  // Without listeners, an error on an idle or checked-out client would crash the process.
  pool.on('error', (err) => onConnectionError(err));
  pool.on('connect', (client) => client.on('error', () => undefined));
  const nextSeq = createSequence();

  /** One query on any pooled connection. */
  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  /**
   * Runs `fn` in one transaction: COMMIT if it resolves, ROLLBACK if it throws. A connection that
   * failed is dropped, not reused; PostgreSQL rolls back what it held.
   *
   * A connection that breaks while the COMMIT is in flight leaves its outcome open: PostgreSQL may
   * have committed and only the answer been lost. `confirm` then checks on another connection, from
   * what the transaction wrote, whether it was applied (true), was not (false), or cannot tell (null).
   */
  async function tx<T>(fn: (c: PoolClient) => Promise<T>, confirm?: (result: T) => Promise<boolean | null>): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw toStoreError(err);
    }
    let written: { result: T } | null = null;
    try {
      await client.query('BEGIN');
      written = { result: await fn(client) };
      await client.query('COMMIT');
      client.release();
      return written.result;
    } catch (err) {
      const lost = isConnectionError(err);
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      client.release(lost ? (err as Error) : undefined);
      if (!lost || !written) throw toStoreError(err);
      const applied = confirm ? await confirm(written.result).catch(() => null) : null;
      if (applied === true) return written.result;
      throw new StorageUnavailableError(
        applied === false
          ? `PostgreSQL connection lost during COMMIT; the transaction was not applied: ${(err as Error).message}`
          : `PostgreSQL connection lost during COMMIT; whether it was applied is unknown: ${(err as Error).message}`,
        { cause: err, outcome: applied === false ? 'not_stored' : 'unknown' },
      );
    }
  }

  /**
   * Whether a recall whose COMMIT answer was lost was applied, from the revision rows it bumped: one
   * row carrying its recall id proves it (a recall commits whole); a row still below its revision, or
   * at it under another recall, proves it was not. A row already past it was overwritten since: no telling.
   */
  async function recallApplied(queueIds: readonly string[], recallId: string, revisions: ReadonlyMap<string, number>): Promise<boolean | null> {
    const rows = await query<{ queue_id: string; revision: string; recall_id: string }>(
      'SELECT queue_id, revision, recall_id FROM recall_revisions WHERE queue_id = ANY($1::text[])',
      [queueIds],
    );
    const byQueue = new Map(rows.map((r) => [r.queue_id, r]));
    let notApplied = false;
    for (const q of queueIds) {
      const row = byQueue.get(q);
      const mine = revisions.get(q)!;
      if (row?.recall_id === recallId) return true;
      if (!row || Number(row.revision) <= mine) notApplied = true;
    }
    return notApplied ? false : null;
  }

  try {
    await migrate(tx);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  async function listModels(filter: ModelFilter): Promise<ModelConfig[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (!filter.includeMissing) where.push('missing = 0');
    if (filter.types?.length) where.push(`type = ANY(${arg(filter.types)}::text[])`);
    if (filter.bases?.length) where.push(`base = ANY(${arg(filter.bases)}::text[])`);
    if (filter.name !== undefined) where.push(`name = ${arg(filter.name)}`);
    if (filter.format !== undefined) where.push(`format = ${arg(filter.format)}`);
    const rows = await query<ModelRow>(`SELECT * FROM models ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${MODEL_ORDER}`, args);
    return rows.map(modelFromRow);
  }

  return {
    kind: 'postgres',
    clientState: {
      get: async (q, k) => (await query<{ value: string }>(SQL.csGet, [q, k]))[0]?.value ?? null,
      set: async (q, k, v) => void (await query(SQL.csSet, [q, k, v, new Date().toISOString(), nextSeq()])),
      keysByPrefix: async (q, prefix) => (await query<{ key: string }>(SQL.csKeys, [q, prefix])).map((r) => r.key),
      delete: async (q, k) => void (await query('DELETE FROM client_state WHERE queue_id = $1 AND key = $2', [q, k])),
      deleteQueue: async (q) => void (await query('DELETE FROM client_state WHERE queue_id = $1', [q])),
    },
    recall: {
      write: (queueIds, entries, recallId, now, options = {}) =>
        tx(async (c): Promise<RecallWriteResult> => {
          // Bumping a queue's revision row first takes its row lock until COMMIT: another write to the
          // same queue (from any process) waits here, so the merges below read what the previous write
          // committed and no append or revision is lost. Sorted, so overlapping batches cannot deadlock.
          const revisions = new Map<string, number>();
          for (const q of [...queueIds].sort()) {
            const { rows } = await c.query<{ revision: string }>(SQL.revBump, [q, recallId, now]);
            revisions.set(q, Number(rows[0]!.revision));
          }
          // What merges build on and what the caller asked to see, in one query under the locks.
          const readFirst = options.readFirst ?? [];
          const readKeys = [...new Set([...entries.filter((e) => 'merge' in e).map((e) => e.key), ...readFirst])];
          const previous = new Map<string, string>();
          if (readKeys.length) {
            const { rows } = await c.query<{ queue_id: string; key: string; value: string }>(SQL.csValuesOf, [queueIds, readKeys]);
            for (const r of rows) previous.set(`${r.queue_id}\n${r.key}`, r.value);
          }
          const before = new Map<string, Map<string, string>>();
          for (const q of queueIds) {
            const held = new Map<string, string>();
            for (const key of readFirst) {
              const v = previous.get(`${q}\n${key}`);
              if (v !== undefined) held.set(key, v);
            }
            before.set(q, held);
          }
          const cols = { q: [] as string[], k: [] as string[], v: [] as string[], seq: [] as number[] };
          for (const q of queueIds) {
            for (const e of entries) {
              cols.q.push(q);
              cols.k.push(e.key);
              cols.v.push('value' in e ? e.value : e.merge(previous.get(`${q}\n${e.key}`) ?? null));
              cols.seq.push(nextSeq());
            }
          }
          if (cols.q.length) await c.query(SQL.csSetMany, [cols.q, cols.k, cols.v, now, cols.seq]);
          return { revisions: new Map(queueIds.map((q) => [q, revisions.get(q)!])), before };
        }, (written) => recallApplied(queueIds, recallId, written.revisions)),
      read: async (queueId, keys) => {
        const [row] = await query<{ revision: string | null; recall_id: string | null; updated_at: string | null; vals: Record<string, string> | null }>(
          SQL.recallRead,
          [queueId, keys],
        );
        return {
          values: new Map(Object.entries(row?.vals ?? {})),
          revision: Number(row?.revision ?? 0),
          recallId: row?.recall_id ?? null,
          updatedAt: row?.updated_at ?? null,
        };
      },
    },
    models: {
      list: listModels,
      get: async (key) => {
        const [row] = await query<ModelRow>('SELECT * FROM models WHERE key = $1', [key]);
        return row ? modelFromRow(row) : null;
      },
      findByName: async (name, types) =>
        (await query<ModelRow>(`SELECT * FROM models WHERE name = $1 AND type = ANY($2::text[]) AND missing = 0 ${OLDEST_FIRST}`, [name, types])).map(
          modelFromRow,
        ),
      // `substr` makes a shortened hash (AutoV2, a 12-digit LoRA hash) match as a prefix.
      findByHash: async (hash, kinds = MODEL_HASH_KINDS) => {
        if (kinds.length === 0) return [];
        const cond = kinds.map((k) => `substr(${HASH_COLUMNS[k]}, 1, $2) = $1`).join(' OR ');
        return (await query<ModelRow>(`SELECT * FROM models WHERE missing = 0 AND (${cond}) ${OLDEST_FIRST}`, [hash, hash.length])).map(modelFromRow);
      },
      applyScan: (found, now, newKey) =>
        tx(async (c) => {
          // Processes starting together each scan: one at a time, each seeing the last one's result.
          await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_MODEL_SCAN]);
          const summary: ModelScanSummary = { added: 0, updated: 0, unchanged: 0, missing: 0, skipped: [] };
          const byPath = new Map((await c.query<ModelRow>('SELECT * FROM models')).rows.map((r) => [r.path, r]));
          for (const m of found) {
            const row = byPath.get(m.path);
            byPath.delete(m.path);
            if (!row) {
              await c.query(SQL.modelInsert, [newKey(), m.name, m.base, m.type, m.format, m.path, m.file_size, m.mtime_ms, m.description, m.source, now]);
              summary.added++;
            } else if (scanChanged(row, m)) {
              await c.query(SQL.modelUpdate, [row.key, m.name, m.base, m.type, m.format, m.file_size, m.mtime_ms, m.description, m.source, now]);
              summary.updated++;
            } else {
              summary.unchanged++;
            }
          }
          for (const row of byPath.values()) {
            if (!row.missing) {
              await c.query('UPDATE models SET missing = 1, updated_at = $1 WHERE key = $2', [now, row.key]);
              summary.missing++;
            }
          }
          return summary;
        }),
      // With `expect`, only while the file is still the one that was hashed (same size and mtime).
      setHashes: async (key, h, now, expect) => {
        const { rowCount } = await pool
          .query(
            `UPDATE models SET hash_blake3 = $1, hash_sha256 = $2, hash_autov2 = $3, hash_autov1 = $4, hash_autov3 = $5,
               hashed_at = $6, updated_at = $6
             WHERE key = $7 AND ($8::bigint IS NULL OR (file_size = $8 AND mtime_ms = $9))`,
            [h.blake3, h.sha256, h.autov2, h.autov1, h.autov3, now, key, expect?.file_size ?? null, expect?.mtime_ms ?? null],
          )
          .catch((err: unknown) => {
            throw toStoreError(err);
          });
        return (rowCount ?? 0) > 0;
      },
      withoutHashes: async (limit, after) =>
        (
          await query<ModelRow>(
            `SELECT * FROM models WHERE missing = 0 AND hashed_at IS NULL AND (file_size > $2 OR (file_size = $2 AND key COLLATE "C" > $3))
             ORDER BY file_size, key COLLATE "C" LIMIT $1`,
            [limit, after?.file_size ?? -1, after?.key ?? ''],
          )
        ).map(modelRecordFromRow),
      count: async () => Number((await query<{ n: string }>('SELECT count(*) AS n FROM models WHERE missing = 0'))[0]!.n),
    },
    close: () => pool.end(),
  };
}
