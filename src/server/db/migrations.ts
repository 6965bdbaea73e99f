/**
 * Versioned schema migrations, written in SQL both SQLite and PostgreSQL accept, so both stores run
 * the same list. A migration is applied once, in order, inside a transaction, and recorded in
 * schema_migrations. Never edit an applied migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'client state, recall revisions and the model registry',
    statements: [
      `CREATE TABLE client_state (
         queue_id TEXT NOT NULL,
         key TEXT NOT NULL,
         value TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         seq BIGINT NOT NULL,
         PRIMARY KEY (queue_id, key)
       )`,
      `CREATE INDEX client_state_queue_seq ON client_state (queue_id, seq)`,
      `CREATE TABLE recall_revisions (
         queue_id TEXT PRIMARY KEY,
         revision BIGINT NOT NULL,
         recall_id TEXT NOT NULL,
         updated_at TEXT NOT NULL
       )`,
      `CREATE TABLE models (
         key TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         base TEXT NOT NULL,
         type TEXT NOT NULL,
         format TEXT NOT NULL,
         path TEXT NOT NULL UNIQUE,
         file_size BIGINT NOT NULL,
         mtime_ms BIGINT NOT NULL,
         hash_blake3 TEXT,
         hash_sha256 TEXT,
         hash_autov2 TEXT,
         description TEXT,
         source TEXT NOT NULL,
         missing INTEGER NOT NULL DEFAULT 0,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL
       )`,
      `CREATE INDEX models_name_type ON models (name, type)`,
      `CREATE INDEX models_type_base ON models (type, base)`,
      `CREATE INDEX models_blake3 ON models (hash_blake3)`,
      `CREATE INDEX models_sha256 ON models (hash_sha256)`,
      `CREATE INDEX models_autov2 ON models (hash_autov2)`,
    ],
  },
  {
    version: 2,
    name: 'model hashes for matching images: AutoV1, AutoV3 (addnet) and when they were computed',
    // Additive only (ADD COLUMN, new indexes), so existing rows stay valid in both databases.
    // hashed_at is NULL until the background hasher has computed every hash of the row's file.
    statements: [
      `ALTER TABLE models ADD COLUMN hash_autov1 TEXT`,
      `ALTER TABLE models ADD COLUMN hash_autov3 TEXT`,
      `ALTER TABLE models ADD COLUMN hashed_at TEXT`,
      `CREATE INDEX models_autov1 ON models (hash_autov1)`,
      `CREATE INDEX models_autov3 ON models (hash_autov3)`,
    ],
  },
  {
    version: 3,
    name: 'no index on client_state (queue_id, seq)',
    // Every recall rewrites seq on each key it stores, so the index doubled the cost of a recall's
    // write (docs/benchmarks.md); the one query ordering by seq reads a single queue's few dozen
    // keys through the primary key and sorts them in memory.
    statements: [`DROP INDEX IF EXISTS client_state_queue_seq`],
  },
  {
    version: 4,
    name: 'diffusers folders hashed again',
    // Folder hashes were taken in plain string order and without symlinked weight files; InvokeAI
    // orders paths part by part and counts those links, so some stored hashes could not match its
    // own. The background hasher takes every folder again.
    statements: [
      `UPDATE models SET hash_blake3 = NULL, hash_sha256 = NULL, hash_autov2 = NULL, hash_autov1 = NULL, hash_autov3 = NULL, hashed_at = NULL
       WHERE format = 'diffusers'`,
    ],
  },
];
