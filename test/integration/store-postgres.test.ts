import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/server/db/postgres/postgres-store.js';
import { MIGRATIONS } from '../../src/server/db/migrations.js';
import { StorageUnavailableError, type Store } from '../../src/server/db/store.js';
import { describeStoreContract } from '../contract/store-contract.js';
import { createDatabase, PgCluster, servicesAvailable, SHARED_DATABASE_URL, waitFor } from '../helpers/services.js';

const available = servicesAvailable('PostgreSQL store tests', { postgres: 'url-or-binaries' });
const canRestart = available && servicesAvailable('PostgreSQL store restart test', { postgres: 'binaries' });

/** The server the suite creates its databases on: the shared one, or a throwaway cluster. */
let adminUrl: string;
let cluster: PgCluster | null = null;
const urls = new WeakMap<Store, string>();
const drops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (!available) return;
  if (SHARED_DATABASE_URL) adminUrl = SHARED_DATABASE_URL;
  else {
    cluster = await PgCluster.create();
    adminUrl = cluster.url();
  }
});
afterAll(async () => {
  for (const drop of drops) await drop().catch(() => undefined);
  await cluster?.destroy();
});

async function freshStore(): Promise<Store> {
  const db = await createDatabase(adminUrl);
  drops.push(db.drop);
  const store = await openPostgresStore(db.url);
  urls.set(store, db.url);
  return store;
}

describe.skipIf(!available)('PostgreSQL', () => {
  describeStoreContract('PostgreSQL', {
    open: freshStore,
    openAnother: async (store) => {
      const other = await openPostgresStore(urls.get(store)!);
      urls.set(other, urls.get(store)!);
      return other;
    },
  });

  describe('PostgreSQL specifics', () => {
    it('migrates one empty database from several processes starting at once', async () => {
      const db = await createDatabase(adminUrl);
      drops.push(db.drop);
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url)));
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const { rows } = await c.query('SELECT version FROM schema_migrations ORDER BY version');
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      for (const s of stores) await s.close();
    });

    it('rolls back a write whose connection is cut midway and reports the database unavailable', async () => {
      const store = await freshStore();
      const url = urls.get(store)!;
      await store.recall.write(['a', 'b'], [{ key: 'recall_seed', value: '1' }], 'before', '2025-01-01T00:00:00.000Z');
      // Another session holds queue b's revision row, so the write stops there, after bumping a.
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query("SELECT * FROM recall_revisions WHERE queue_id = 'b' FOR UPDATE");
      const write = store.recall
        .write(['a', 'b'], [{ key: 'recall_seed', value: '2' }], 'cut', '2025-01-01T00:00:00.000Z')
        .then(() => null, (e: unknown) => e);
      const victim = await waitFor('the write to wait on the lock', async () => {
        const { rows } = await blocker.query("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'recall'");
        return rows[0]?.pid as number | undefined;
      });
      const killer = new pg.Client({ connectionString: url });
      await killer.connect();
      await killer.query('SELECT pg_terminate_backend($1)', [victim]);
      await killer.end();
      const err = await write;
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toMatch(/^PostgreSQL is unavailable: /);
      await blocker.query('ROLLBACK');
      await blocker.end();
      for (const q of ['a', 'b']) {
        const snap = await store.recall.read(q, ['recall_seed']);
        expect(snap).toMatchObject({ revision: 1, recallId: 'before', values: new Map([['recall_seed', '1']]) });
      }
      await store.close();
    });

    it.skipIf(!canRestart)('answers StorageUnavailableError while the server is down and recovers by itself when it is back', async () => {
      const own = await PgCluster.create();
      try {
        const store = await openPostgresStore(own.url(), { connectTimeoutMs: 2000 });
        await store.clientState.set('q', 'k', 'before');
        await own.stop('fast');
        for (const op of [() => store.clientState.get('q', 'k'), () => store.recall.write(['q'], [{ key: 'recall_seed', value: '1' }], 'down', 'x')]) {
          const err = await op().then(() => null, (e: unknown) => e);
          expect(err).toBeInstanceOf(StorageUnavailableError);
        }
        await own.start();
        expect(await waitFor('the store to answer again', () => store.clientState.get('q', 'k').catch(() => undefined))).toBe('before');
        expect((await store.recall.read('q', [])).revision).toBe(0);
        await store.close();
      } finally {
        await own.destroy();
      }
    });
  });
});
