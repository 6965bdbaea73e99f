import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../migrations.js';
import type { Store } from '../store.js';
import { openSqliteStore, sqliteIntegrityCheck } from './sqlite-store.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sqlite-'));
  store = openSqliteStore(path.join(dir, 'recall.db'));
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store', () => {
  it('writes a recall whole, bumping the revision once per queue', async () => {
    const revs = await store.recall.write(['a', 'b'], [{ key: 'recall_seed', value: '1' }, { key: 'recall_steps', value: '2' }], 'r1', 'now');
    expect([...revs.revisions]).toEqual([['a', 1], ['b', 1]]);
    const snap = await store.recall.read('a', ['recall_seed', 'recall_steps', 'recall_model']);
    expect(Object.fromEntries(snap.values)).toEqual({ recall_seed: '1', recall_steps: '2' });
    expect(snap.revision).toBe(1);
  });

  it('stores nothing of a recall that fails part way (one transaction)', async () => {
    await store.recall.write(['q'], [{ key: 'recall_seed', value: '1' }], 'r1', 'now');
    const failing = store.recall.write(
      ['q', 'other'],
      [
        { key: 'recall_seed', value: '2' },
        {
          key: 'recall_loras',
          merge: () => {
            throw new Error('disk on fire');
          },
        },
      ],
      'r2',
      'later',
    );
    await expect(failing).rejects.toThrow('disk on fire');
    const snap = await store.recall.read('q', ['recall_seed', 'recall_loras']);
    expect(Object.fromEntries(snap.values)).toEqual({ recall_seed: '1' });
    expect(snap.revision).toBe(1);
    expect((await store.recall.read('other', ['recall_seed'])).revision).toBe(0);
  });

  it('merges inside the transaction from the stored value', async () => {
    await store.recall.write(['q'], [{ key: 'recall_reference_images', value: '[1]' }], 'r1', 'now');
    await store.recall.write(['q'], [{ key: 'recall_reference_images', merge: (prev) => JSON.stringify([...JSON.parse(prev!), 2]) }], 'r2', 'now');
    expect((await store.recall.read('q', ['recall_reference_images'])).values.get('recall_reference_images')).toBe('[1,2]');
  });

  it('survives reopening, applies migrations once, and passes the integrity check', async () => {
    await store.clientState.set('q', 'k', 'v');
    await store.close();
    store = openSqliteStore(path.join(dir, 'recall.db'));
    expect(await store.clientState.get('q', 'k')).toBe('v');
    expect(sqliteIntegrityCheck(path.join(dir, 'recall.db'))).toBe('ok');
  });

  it('finds every model of a name, oldest first, among names that differ only in case or accent', async () => {
    const model = (file: string, name: string) =>
      ({ path: file, name, base: 'sdxl', type: 'lora', format: 'checkpoint', file_size: 10, mtime_ms: 5, description: null, source: `/m/${file}` }) as const;
    let n = 0;
    const key = () => `key-${++n}`;
    // Two scans at different times, so each name's models were added in turn with the others'.
    const first = [model('1.safetensors', 'Detail'), model('2.safetensors', 'detail'), model('3.safetensors', 'détail')];
    await store.models.applyScan(first, '2026-01-01T00:00:00.000Z', key);
    await store.models.applyScan([...first, model('4.safetensors', 'detail'), model('5.safetensors', 'Detail')], '2026-01-02T00:00:00.000Z', key);
    const keysOf = async (name: string) => (await store.models.findRefsByName!(name)).map((m) => m.key);
    expect(await keysOf('Detail')).toEqual(['key-1', 'key-5']);
    expect(await keysOf('detail')).toEqual(['key-2', 'key-4']);
    expect(await keysOf('détail')).toEqual(['key-3']);
    expect(await keysOf('DETAIL')).toEqual([]);
  });

  it('stores hashes only for the file that was hashed, and finds models by a hash prefix of the given kinds', async () => {
    const scanned = { path: 'a.safetensors', name: 'a', base: 'sd-1', type: 'lora', format: 'checkpoint', file_size: 10, mtime_ms: 5, description: null, source: '/m/a' } as const;
    await store.models.applyScan([scanned], 'now', () => 'key-a');
    const hashes = { blake3: 'b3'.repeat(32), sha256: 'ab'.repeat(32), autov2: 'ab'.repeat(5), autov1: '12345678', autov3: 'cd'.repeat(32) };
    expect(await store.models.setHashes('key-a', hashes, 'later', { file_size: 11, mtime_ms: 5 })).toBe(false);
    expect((await store.models.get('key-a'))!.hashes.sha256).toBeNull();
    expect(await store.models.setHashes('key-a', hashes, 'later', { file_size: 10, mtime_ms: 5 })).toBe(true);
    expect(await store.models.withoutHashes(10)).toEqual([]);

    const keys = async (hash: string, kinds?: Parameters<Store['models']['findByHash']>[1]) => (await store.models.findByHash(hash, kinds)).map((m) => m.key);
    expect(await keys('cd'.repeat(6), ['autov3'])).toEqual(['key-a']);
    expect(await keys('cd'.repeat(6), ['sha256'])).toEqual([]);
    expect(await keys('ab'.repeat(5), ['sha256'])).toEqual(['key-a']);
    expect(await keys('12345678', ['autov1'])).toEqual(['key-a']);
    expect(await keys('b3'.repeat(32))).toEqual(['key-a']);
    expect(await keys('ff'.repeat(32))).toEqual([]);
  });
});

/** A database as a Recall whose last migration was `version` left it. */
function databaseAt(file: string, version: number): Database.Database {
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    for (const sql of m.statements) db.exec(sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
  }
  return db;
}

describe('SQLite migrations', () => {
  it('upgrades a database made by an older version, keeping its data (v3 drops the seq index)', async () => {
    const file = path.join(dir, 'old.db');
    const old = databaseAt(file, 2);
    const put = old.prepare('INSERT INTO client_state VALUES (?, ?, ?, ?, ?)');
    put.run('default', 'img_old', '1', 'then', 1);
    put.run('default', 'img_new', '2', 'then', 2);
    old.close();

    const upgraded = openSqliteStore(file);
    try {
      expect(await upgraded.clientState.keysByPrefix('default', 'img_')).toEqual(['img_new', 'img_old']);
      await upgraded.clientState.set('default', 'img_old', '3');
      expect(await upgraded.clientState.keysByPrefix('default', 'img_')).toEqual(['img_old', 'img_new']);
    } finally {
      await upgraded.close();
    }
    const check = new Database(file, { readonly: true });
    const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'client_state'").pluck().all();
    const versions = check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    check.close();
    expect(indexes).not.toContain('client_state_queue_seq');
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
  });
});

describe('SQLite migration 4', () => {
  it('clears the hashes of diffusers folders, so they are taken again, and keeps those of files', async () => {
    const file = path.join(dir, 'v3.db');
    const old = databaseAt(file, 3);
    const put = old.prepare(
      `INSERT INTO models (key, name, base, type, format, path, file_size, mtime_ms, hash_blake3, hash_sha256, hash_autov2, source, created_at, updated_at, hashed_at)
       VALUES (?, ?, 'sdxl', 'main', ?, ?, 1, 1, ?, ?, ?, 'scan', 'then', 'then', 'then')`,
    );
    put.run('folder-key', 'pipe', 'diffusers', 'main/pipe', 'b3'.repeat(32), null, null);
    put.run('file-key', 'single', 'checkpoint', 'main/single.safetensors', 'c4'.repeat(32), 'd5'.repeat(32), 'd5'.repeat(5));
    old.close();

    const upgraded = openSqliteStore(file);
    try {
      const unhashed = await upgraded.models.withoutHashes(10);
      expect(unhashed.map((m) => m.key)).toEqual(['folder-key']);
      expect((await upgraded.models.findByHash('c4'.repeat(32))).map((m) => m.key)).toEqual(['file-key']);
      expect(await upgraded.models.findByHash('b3'.repeat(32))).toEqual([]);
    } finally {
      await upgraded.close();
    }
  });
});
