/* The SQLite store's speed-ups (issue 6): group commit and the in-memory registry index keep their promises. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScannedModel, Store } from '../store.js';
import { openSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
const stores: Store[] = [];
function open(file?: string): { store: Store; file: string } {
  if (!file) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sqlite-'));
    dirs.push(dir);
    file = path.join(dir, 'recall.db');
  }
  const store = openSqliteStore(file);
  stores.push(store);
  return { store, file };
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const now = () => new Date().toISOString();
const lora = (name: string): ScannedModel => ({
  path: `/models/${name}.safetensors`,
  name,
  base: 'sdxl',
  type: 'lora',
  format: 'checkpoint',
  file_size: 1,
  mtime_ms: 1,
  description: null,
  source: `/models/${name}.safetensors`,
});

describe('recall writes (group commit)', () => {
  it('commits concurrent recalls together, each with its own revision in call order', async () => {
    const { store } = open();
    const revisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.recall.write(['default'], [{ key: 'recall_seed', value: String(i) }], randomUUID(), now())),
    );
    expect(revisions.map((r) => r.revisions.get('default'))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const snap = await store.recall.read('default', ['recall_seed']);
    expect(snap).toMatchObject({ revision: 20, values: new Map([['recall_seed', '19']]) });
  });

  it('rolls back a recall that fails inside a batch on its own; the others in the batch are stored', async () => {
    const { store } = open();
    const failing = store.recall.write(
      ['default'],
      [
        { key: 'recall_steps', value: '30' },
        {
          key: 'recall_loras',
          merge: () => {
            throw new Error('merge failed');
          },
        },
      ],
      randomUUID(),
      now(),
    );
    const fine = store.recall.write(['other'], [{ key: 'recall_seed', value: '1' }], randomUUID(), now());
    await expect(failing).rejects.toThrow('merge failed');
    await expect(fine).resolves.toMatchObject({ revisions: new Map([['other', 1]]) });
    expect(await store.recall.read('default', ['recall_steps'])).toMatchObject({ revision: 0, values: new Map() });
    expect(await store.recall.read('other', ['recall_seed'])).toMatchObject({ revision: 1 });
  });

  it('commits what is queued before it closes', async () => {
    const { store, file } = open();
    const pending = store.recall.write(['default'], [{ key: 'recall_seed', value: '7' }], randomUUID(), now());
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    await expect(pending).resolves.toMatchObject({ revisions: new Map([['default', 1]]) });
    const reopened = open(file).store;
    expect((await reopened.recall.read('default', ['recall_seed'])).values.get('recall_seed')).toBe('7');
  });
});

describe('registry references (kept in memory)', () => {
  it('sees its own scans at once', async () => {
    const { store } = open();
    expect(await store.models.findRefsByName!('detail')).toEqual([]);
    await store.models.applyScan([lora('detail')], now(), randomUUID);
    const refs = await store.models.findRefsByName!('detail');
    expect(refs).toEqual([{ key: expect.any(String), name: 'detail', type: 'lora', base: 'sdxl' }]);
    expect(await store.models.findRefByKey!(refs[0]!.key)).toEqual(refs[0]);
  });

  it('sees a scan by another connection to the same file (recall models scan while serving)', async () => {
    const { store: server, file } = open();
    const { store: cli } = open(file);
    expect(await server.models.findRefsByName!('detail')).toEqual([]);
    await cli.models.applyScan([lora('detail')], now(), randomUUID);
    await new Promise((r) => setTimeout(r, 150));
    expect((await server.models.findRefsByName!('detail')).map((m) => m.name)).toEqual(['detail']);
  });

  it('forgets models whose files vanished', async () => {
    const { store } = open();
    await store.models.applyScan([lora('detail'), lora('gone')], now(), randomUUID);
    const goneKey = (await store.models.findRefsByName!('gone'))[0]!.key;
    await store.models.applyScan([lora('detail')], now(), randomUUID);
    expect(await store.models.findRefsByName!('gone')).toEqual([]);
    expect(await store.models.findRefByKey!(goneKey)).toBeNull();
  });
});
