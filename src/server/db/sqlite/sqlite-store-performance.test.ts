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

  it('lets each recall of a batch see what the ones before it wrote, as if they were written one by one', async () => {
    const { store } = open();
    await store.recall.write(['q'], [{ key: 'recall_model', value: '"m0"' }, { key: 'recall_reference_images', value: '["a"]' }], 'r0', now());
    const append = (item: string) => ({
      key: 'recall_reference_images',
      merge: (previous: string | null) => JSON.stringify([...(JSON.parse(previous ?? '[]') as string[]), item]),
    });
    const readFirst = { readFirst: ['recall_model', 'recall_seed'] };
    // Issued together, so they share one transaction.
    const [one, two, three] = await Promise.all([
      store.recall.write(['q'], [{ key: 'recall_model', value: '"m1"' }, append('b')], 'r1', '2026-01-01T00:00:01.000Z', readFirst),
      store.recall.write(['q', 'p'], [{ key: 'recall_seed', value: '5' }, append('c')], 'r2', '2026-01-01T00:00:02.000Z', readFirst),
      store.recall.write(['q'], [{ key: 'recall_model', value: '"m3"' }], 'r3', '2026-01-01T00:00:03.000Z', readFirst),
    ]);
    expect([...one!.revisions]).toEqual([['q', 2]]);
    expect([...two!.revisions]).toEqual([['q', 3], ['p', 1]]);
    expect([...three!.revisions]).toEqual([['q', 4]]);
    expect(one!.before.get('q')).toEqual(new Map([['recall_model', '"m0"']]));
    expect(two!.before.get('q')).toEqual(new Map([['recall_model', '"m1"']]));
    expect(two!.before.get('p')).toEqual(new Map());
    expect(three!.before.get('q')).toEqual(new Map([['recall_model', '"m1"'], ['recall_seed', '5']]));

    const q = await store.recall.read('q', ['recall_model', 'recall_seed', 'recall_reference_images']);
    expect(q).toEqual({
      values: new Map([['recall_model', '"m3"'], ['recall_seed', '5'], ['recall_reference_images', '["a","b","c"]']]),
      revision: 4,
      recallId: 'r3',
      updatedAt: '2026-01-01T00:00:03.000Z',
    });
    expect(await store.recall.read('p', ['recall_reference_images'])).toMatchObject({ values: new Map([['recall_reference_images', '["c"]']]), revision: 1, recallId: 'r2' });
    // The newest key first, as each key's last write left it.
    expect(await store.clientState.keysByPrefix('q', 'recall_')).toEqual(['recall_model', 'recall_reference_images', 'recall_seed']);
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
