import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    expect([...revs]).toEqual([['a', 1], ['b', 1]]);
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
});
