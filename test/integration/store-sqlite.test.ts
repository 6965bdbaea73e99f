import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteStore } from '../../src/server/db/sqlite/sqlite-store.js';
import type { Store } from '../../src/server/db/store.js';
import { describeStoreContract } from '../contract/store-contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sqlite-contract-'));
const files = new WeakMap<Store, string>();
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeStoreContract('SQLite', {
  open: async () => {
    const file = path.join(dir, `store-${++n}.db`);
    const store = openSqliteStore(file);
    files.set(store, file);
    return store;
  },
  openAnother: async (store) => {
    const file = files.get(store)!;
    const other = openSqliteStore(file);
    files.set(other, file);
    return other;
  },
});
