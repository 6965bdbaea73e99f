import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/server/db/postgres/postgres-store.js';
import { StorageUnavailableError, type Store } from '../../src/server/db/store.js';
import { getJson, postJson } from '../helpers/http.js';
import { startPgCommitProxy, type PgCommitProxy } from '../helpers/pg-commit-proxy.js';
import { makeTempRoot, startServer, type ChildServer } from '../helpers/server.js';
import { createDatabase, PgCluster, servicesAvailable, SHARED_DATABASE_URL } from '../helpers/services.js';

/*
 * The one failure a database client cannot rule out: the connection breaks while the COMMIT is in
 * flight. PostgreSQL may have committed and only its answer been lost. Recall checks afterwards, from
 * the revision rows the write bumped, and answers what actually happened when it can tell.
 */
const available = servicesAvailable('PostgreSQL lost-COMMIT tests', { postgres: 'url-or-binaries' });

let cluster: PgCluster | null = null;
let drop: (() => Promise<void>) | null = null;
let proxy: PgCommitProxy;
/** The store under test, through the proxy. */
let store: Store;
/** The same database without the proxy: what is really stored. */
let truth: Store;
let server: ChildServer | null = null;
let root: string | undefined;

beforeAll(async () => {
  if (!available) return;
  let adminUrl = SHARED_DATABASE_URL;
  if (!adminUrl) {
    cluster = await PgCluster.create();
    adminUrl = cluster.url();
  }
  const db = await createDatabase(adminUrl);
  drop = db.drop;
  proxy = await startPgCommitProxy(db.url);
  [store, truth] = await Promise.all([openPostgresStore(proxy.url), openPostgresStore(db.url)]);
});

afterAll(async () => {
  await server?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  await store?.close();
  await truth?.close();
  await proxy?.close();
  await drop?.().catch(() => undefined);
  await cluster?.destroy();
});

const now = () => new Date().toISOString();
const seedEntry = (seed: number) => [{ key: 'recall_seed', value: String(seed) }];

async function failure(write: Promise<unknown>): Promise<StorageUnavailableError> {
  const err = await write.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageUnavailableError);
  return err as StorageUnavailableError;
}

describe.skipIf(!available)('a COMMIT whose connection breaks', () => {
  it('that PostgreSQL applied: the write succeeds with its revision, as stored', async () => {
    const broken = proxy.breakNextCommit('answer-lost');
    const result = await store.recall.write(['lost-1'], seedEntry(1), 'recall-lost-1', now());
    await broken;
    expect(result.revisions.get('lost-1')).toBe(1);
    const stored = await truth.recall.read('lost-1', ['recall_seed']);
    expect(stored).toMatchObject({ revision: 1, recallId: 'recall-lost-1' });
    expect(stored.values.get('recall_seed')).toBe('1');
  });

  it('that never reached PostgreSQL: fails as not stored, and nothing is', async () => {
    await store.recall.write(['lost-2'], seedEntry(1), 'recall-before', now());
    const broken = proxy.breakNextCommit('never-arrives');
    const err = await failure(store.recall.write(['lost-2'], seedEntry(2), 'recall-dropped', now()));
    await broken;
    expect(err.outcome).toBe('not_stored');
    const stored = await truth.recall.read('lost-2', ['recall_seed']);
    expect(stored).toMatchObject({ revision: 1, recallId: 'recall-before' });
    expect(stored.values.get('recall_seed')).toBe('1');
  });

  it('that cannot be checked afterwards: fails as unknown (and here it was in fact stored)', async () => {
    const broken = proxy.breakNextCommit('answer-lost-unreachable');
    const err = await failure(store.recall.write(['lost-3', 'lost-4'], seedEntry(3), 'recall-unknown', now()));
    await broken;
    expect(err.outcome).toBe('unknown');
    expect(err.message).toContain('whether it was applied is unknown');
    expect(await truth.recall.read('lost-4', [])).toMatchObject({ revision: 1, recallId: 'recall-unknown' });
  });

  it('through the API: 200 when the check finds the recall stored, the 503 that says "unknown" when it cannot check', async () => {
    root = makeTempRoot('recall-pg-commit-');
    server = await startServer({ root, args: ['--no-hash'], env: { DATABASE_URL: proxy.url } });

    let broken = proxy.breakNextCommit('answer-lost');
    const ok = await postJson(`${server.url}/api/v1/recall/api-lost`, { seed: 7 });
    await broken;
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'success', revision: 1 });
    expect((await getJson(`${server.url}/api/v1/recall/api-lost`)).body.stored).toEqual({ seed: 7 });

    broken = proxy.breakNextCommit('answer-lost-unreachable');
    const unknown = await postJson(`${server.url}/api/v1/recall/api-lost`, { seed: 8 });
    await broken;
    expect(unknown.status).toBe(503);
    expect(unknown.body.code).toBe('RECALL_ERR_STORAGE_OUTCOME_UNKNOWN');
    expect(unknown.body.detail).toMatch(/whether it was stored could not be checked.*GET/);
    // Once PostgreSQL can be reached again, the GET the message asks for tells what happened.
    expect((await getJson(`${server.url}/api/v1/recall/api-lost`)).body).toMatchObject({ revision: 2, stored: { seed: 8 } });
  });
});
