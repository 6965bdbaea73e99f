import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecallWriteEntry, ScannedModel, Store } from '../../src/server/db/store.js';

/**
 * The store contract: what every Store implementation must do, run against SQLite and PostgreSQL
 * alike (store-sqlite.test.ts, store-postgres.test.ts). Each test gets a fresh, empty database.
 */
export interface StoreHarness {
  /** A store on a fresh, empty database. */
  open(): Promise<Store>;
  /** A second store (its own connections, as another process would have) on the same database as `store`. */
  openAnother(store: Store): Promise<Store>;
}

const NOW = '2025-01-01T00:00:00.000Z';

function scanned(name: string, over: Partial<ScannedModel> = {}): ScannedModel {
  return {
    path: `sdxl/lora/${name}.safetensors`,
    name,
    base: 'sdxl',
    type: 'lora',
    format: 'checkpoint',
    file_size: 1000,
    mtime_ms: 1_700_000_000_000,
    description: null,
    source: `/models/sdxl/lora/${name}.safetensors`,
    ...over,
  };
}

/** An append entry: the stored JSON list plus `item`, as the recall service's merge does. */
const appendEntry = (key: string, item: unknown): RecallWriteEntry => ({
  key,
  merge: (previous) => JSON.stringify([...(previous ? (JSON.parse(previous) as unknown[]) : []), item]),
});

export function describeStoreContract(name: string, harness: StoreHarness): void {
  describe(`${name} store contract`, () => {
    const opened: Store[] = [];
    const open = async () => {
      const s = await harness.open();
      opened.push(s);
      return s;
    };
    const another = async (s: Store) => {
      const t = await harness.openAnother(s);
      opened.push(t);
      return t;
    };
    afterEach(async () => {
      for (const s of opened.splice(0).reverse()) await s.close();
    });

    describe('client state', () => {
      it('returns null for a key never set, the value once set, and the newest value after an overwrite', async () => {
        const s = await open();
        expect(await s.clientState.get('default', 'k')).toBeNull();
        await s.clientState.set('default', 'k', 'one');
        expect(await s.clientState.get('default', 'k')).toBe('one');
        await s.clientState.set('default', 'k', 'two');
        expect(await s.clientState.get('default', 'k')).toBe('two');
      });

      it('keeps each queue\'s keys apart', async () => {
        const s = await open();
        await s.clientState.set('q1', 'k', 'a');
        await s.clientState.set('q2', 'k', 'b');
        expect(await s.clientState.get('q1', 'k')).toBe('a');
        expect(await s.clientState.get('q2', 'k')).toBe('b');
      });

      it('lists keys by literal prefix, most recently written first', async () => {
        const s = await open();
        for (const k of ['img_1', 'other', 'img_2', 'img_1', 'img%x', 'imgA']) await s.clientState.set('default', k, 'v');
        expect(await s.clientState.keysByPrefix('default', 'img_')).toEqual(['img_1', 'img_2']);
        expect(await s.clientState.keysByPrefix('default', 'img%')).toEqual(['img%x']);
        expect(await s.clientState.keysByPrefix('other-queue', 'img')).toEqual([]);
      });

      it('deletes one key, then a whole queue, leaving other queues alone', async () => {
        const s = await open();
        await s.clientState.set('q1', 'a', '1');
        await s.clientState.set('q1', 'b', '2');
        await s.clientState.set('q2', 'a', '3');
        await s.clientState.delete('q1', 'a');
        expect(await s.clientState.get('q1', 'a')).toBeNull();
        expect(await s.clientState.get('q1', 'b')).toBe('2');
        await s.clientState.deleteQueue('q1');
        expect(await s.clientState.get('q1', 'b')).toBeNull();
        expect(await s.clientState.get('q2', 'a')).toBe('3');
      });

      it('round-trips long and non-ASCII values unchanged', async () => {
        const s = await open();
        const value = `${'ü€😀"\\\n\t'.repeat(10)}${'x'.repeat(100_000)}`;
        await s.clientState.set('default', 'big', value);
        expect(await s.clientState.get('default', 'big')).toBe(value);
      });
    });

    describe('recall writes', () => {
      it('reads revision 0, no recall id and no values for a queue never recalled', async () => {
        const s = await open();
        const snap = await s.recall.read('fresh', ['recall_seed']);
        expect(snap).toEqual({ values: new Map(), revision: 0, recallId: null, updatedAt: null });
      });

      it('writes every entry into every queue and bumps each queue\'s revision, in the order given', async () => {
        const s = await open();
        const first = await s.recall.write(['b', 'a'], [{ key: 'recall_seed', value: '1' }, { key: 'recall_steps', value: '20' }], 'r1', NOW);
        expect([...first.revisions]).toEqual([['b', 1], ['a', 1]]);
        const second = await s.recall.write(['a'], [{ key: 'recall_seed', value: '2' }], 'r2', '2025-01-02T00:00:00.000Z');
        expect([...second.revisions]).toEqual([['a', 2]]);
        const a = await s.recall.read('a', ['recall_seed', 'recall_steps', 'recall_model']);
        expect(a).toEqual({
          values: new Map([['recall_seed', '2'], ['recall_steps', '20']]),
          revision: 2,
          recallId: 'r2',
          updatedAt: '2025-01-02T00:00:00.000Z',
        });
        expect((await s.recall.read('b', ['recall_seed'])).values.get('recall_seed')).toBe('1');
        // Recall values are client state too (spec "Implementation Details").
        expect(await s.clientState.get('b', 'recall_steps')).toBe('20');
      });

      it('merges an append entry with the stored value inside the write', async () => {
        const s = await open();
        await s.recall.write(['q'], [{ key: 'recall_reference_images', value: JSON.stringify(['a']) }], 'r1', NOW);
        await s.recall.write(['q', 'empty'], [appendEntry('recall_reference_images', 'b')], 'r2', NOW);
        expect(JSON.parse((await s.recall.read('q', ['recall_reference_images'])).values.get('recall_reference_images')!)).toEqual(['a', 'b']);
        expect(JSON.parse((await s.recall.read('empty', ['recall_reference_images'])).values.get('recall_reference_images')!)).toEqual(['b']);
      });

      it('loses no append and no revision when writers on two connections append to one queue at once', async () => {
        const s1 = await open();
        const s2 = await another(s1);
        const n = 40;
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            (i % 2 ? s1 : s2).recall.write(['shared'], [appendEntry('recall_ip_adapters', i), { key: 'recall_seed', value: String(i) }], `r${i}`, NOW),
          ),
        );
        const snap = await s1.recall.read('shared', ['recall_ip_adapters']);
        expect(snap.revision).toBe(n);
        const list = JSON.parse(snap.values.get('recall_ip_adapters')!) as number[];
        expect([...list].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      });

      it('hands out distinct, gapless revisions to overlapping batches written at once in opposite orders', async () => {
        const s1 = await open();
        const s2 = await another(s1);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? s1 : s2).recall.write(i % 2 ? ['x', 'y'] : ['y', 'x'], [{ key: 'recall_seed', value: String(i) }], `r${i}`, NOW),
          ),
        );
        for (const q of ['x', 'y']) {
          expect(results.map((r) => r.revisions.get(q)!).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
          expect((await s1.recall.read(q, [])).revision).toBe(20);
        }
      });

      it('stores nothing of a write that fails midway, in any queue, and keeps what was there', async () => {
        const s = await open();
        await s.recall.write(['q1', 'q2'], [{ key: 'recall_seed', value: '1' }], 'before', NOW);
        let merges = 0;
        const failing: RecallWriteEntry = {
          key: 'recall_reference_images',
          merge: () => {
            // The first queue's merge succeeds; the second one's fails, after q1 was (to be) written.
            if (++merges === 2) throw new Error('merge failed');
            return '[]';
          },
        };
        await expect(
          s.recall.write(['q1', 'q2'], [{ key: 'recall_seed', value: '2' }, failing, { key: 'recall_steps', value: '9' }], 'failed', NOW),
        ).rejects.toThrow('merge failed');
        expect(merges).toBe(2);
        for (const q of ['q1', 'q2']) {
          const snap = await s.recall.read(q, ['recall_seed', 'recall_steps', 'recall_reference_images']);
          expect(snap).toEqual({ values: new Map([['recall_seed', '1']]), revision: 1, recallId: 'before', updatedAt: NOW });
        }
        // The store is still usable afterwards.
        expect([...(await s.recall.write(['q1'], [{ key: 'recall_seed', value: '3' }], 'after', NOW)).revisions]).toEqual([['q1', 2]]);
      });

      it('returns, per queue, the values asked for as they were before the write, in the same transaction', async () => {
        const s = await open();
        await s.recall.write(['a'], [{ key: 'recall_model', value: '"old-model"' }, { key: 'recall_seed', value: '1' }], 'r1', NOW);
        const result = await s.recall.write(
          ['a', 'b'],
          [{ key: 'recall_model', value: '"new-model"' }, appendEntry('recall_reference_images', 'x')],
          'r2',
          NOW,
          { readFirst: ['recall_model', 'recall_seed', 'recall_reference_images'] },
        );
        // Keys the write changes are read before it; keys a queue never held are left out.
        expect(result.before).toEqual(
          new Map([
            ['a', new Map([['recall_model', '"old-model"'], ['recall_seed', '1']])],
            ['b', new Map()],
          ]),
        );
        expect(result.revisions).toEqual(new Map([['a', 2], ['b', 1]]));
        expect((await s.recall.read('a', ['recall_model'])).values.get('recall_model')).toBe('"new-model"');
        // Without readFirst nothing is read.
        const plain = await s.recall.write(['a'], [{ key: 'recall_seed', value: '2' }], 'r3', NOW);
        expect(plain.before).toEqual(new Map([['a', new Map()]]));
      });
    });

    describe('models', () => {
      it('applyScan adds new paths, keeps keys of known ones, updates changed ones and marks vanished ones missing', async () => {
        const s = await open();
        let n = 0;
        const key = () => `key-${++n}`;
        expect(await s.models.applyScan([scanned('a'), scanned('b')], NOW, key)).toEqual({ added: 2, updated: 0, unchanged: 0, missing: 0, skipped: [] });
        const a1 = (await s.models.findByName('a', ['lora']))[0]!;
        expect(a1).toMatchObject({ key: 'key-1', name: 'a', base: 'sdxl', type: 'lora', format: 'checkpoint', file_size: 1000, missing: false, hash: null });

        const later = '2025-02-01T00:00:00.000Z';
        expect(await s.models.applyScan([scanned('a', { file_size: 2000 }), scanned('c')], later, key)).toEqual({
          added: 1,
          updated: 1,
          unchanged: 0,
          missing: 1,
          skipped: [],
        });
        const a2 = (await s.models.get('key-1'))!;
        expect(a2).toMatchObject({ key: 'key-1', file_size: 2000, updated_at: later, created_at: NOW });
        expect((await s.models.list({})).map((m) => m.name)).toEqual(['a', 'c']);
        expect((await s.models.list({ includeMissing: true })).map((m) => [m.name, m.missing])).toEqual([
          ['a', false],
          ['b', true],
          ['c', false],
        ]);
        expect(await s.models.findByName('b', ['lora'])).toEqual([]);

        // A vanished model that comes back keeps its key.
        expect(await s.models.applyScan([scanned('a', { file_size: 2000 }), scanned('b'), scanned('c')], later, key)).toMatchObject({
          added: 0,
          updated: 1,
          unchanged: 2,
          missing: 0,
        });
        expect((await s.models.findByName('b', ['lora']))[0]?.key).toBe('key-2');
        expect(await s.models.count()).toBe(3);
      });

      it('lists with filters, ordered by type, base, name and key in byte order', async () => {
        const s = await open();
        let n = 0;
        await s.models.applyScan(
          [
            scanned('beta'),
            scanned('alpha'),
            scanned('Alpha'),
            scanned('zeta', { path: 'sd-1/lora/zeta.safetensors', base: 'sd-1' }),
            scanned('main', { path: 'sdxl/main/main', type: 'main', format: 'diffusers' }),
          ],
          NOW,
          () => `k${++n}`,
        );
        expect((await s.models.list({})).map((m) => `${m.type}/${m.base}/${m.name}`)).toEqual([
          'lora/sd-1/zeta',
          'lora/sdxl/Alpha',
          'lora/sdxl/alpha',
          'lora/sdxl/beta',
          'main/sdxl/main',
        ]);
        expect((await s.models.list({ types: ['main'] })).map((m) => m.name)).toEqual(['main']);
        expect((await s.models.list({ bases: ['sd-1', 'flux'] })).map((m) => m.name)).toEqual(['zeta']);
        expect((await s.models.list({ name: 'alpha' })).map((m) => m.name)).toEqual(['alpha']);
        expect((await s.models.list({ format: 'diffusers' })).map((m) => m.name)).toEqual(['main']);
        expect(await s.models.list({ types: ['vae'] })).toEqual([]);
      });

      it('findByName returns present models of the asked types, oldest first', async () => {
        const s = await open();
        let n = 0;
        const key = () => `k${++n}`;
        await s.models.applyScan([scanned('dup', { path: 'sdxl/lora/dup.safetensors' })], '2025-01-02T00:00:00.000Z', key);
        await s.models.applyScan(
          [scanned('dup', { path: 'sdxl/lora/dup.safetensors' }), scanned('dup', { path: 'sd-1/lora/dup.safetensors', base: 'sd-1' }), scanned('dup', { path: 'vae/dup', type: 'vae' })],
          '2025-01-03T00:00:00.000Z',
          key,
        );
        expect((await s.models.findByName('dup', ['lora'])).map((m) => m.base)).toEqual(['sdxl', 'sd-1']);
        expect((await s.models.findByName('dup', ['vae', 'lora'])).map((m) => m.type).sort()).toEqual(['lora', 'lora', 'vae']);
        expect(await s.models.findByName('DUP', ['lora'])).toEqual([]);
      });

      it('keeps hashes, finds a model by any of its hashes, and drops them when the file changes', async () => {
        const s = await open();
        let n = 0;
        const key = () => `k${++n}`;
        await s.models.applyScan([scanned('a'), scanned('b')], NOW, key);
        expect((await s.models.withoutHashes(10)).map((m) => m.name).sort()).toEqual(['a', 'b']);
        const hashes = { blake3: 'b3', sha256: 'abcdef0123456789', autov2: 'abcdef0123', autov1: '0badc0de', autov3: 'feedbeef0011223344' };
        expect(await s.models.setHashes('k1', hashes, NOW)).toBe(true);
        const a = (await s.models.get('k1'))!;
        expect(a.hash).toBe('blake3:b3');
        expect(a.hashes).toEqual(hashes);
        // Full hashes, and shortened ones as prefixes (AutoV2 of the SHA-256, a 12-digit LoRA hash of AutoV3).
        for (const h of ['b3', 'abcdef0123456789', 'abcdef0123', '0badc0de', 'feedbeef0011']) {
          expect((await s.models.findByHash(h)).map((m) => m.key)).toEqual(['k1']);
        }
        expect((await s.models.findByHash('feedbeef0011', ['sha256'])).map((m) => m.key)).toEqual([]);
        // A hash computed from a file that has changed since is not stored.
        expect(await s.models.setHashes('k2', hashes, NOW, { file_size: 999, mtime_ms: 1 })).toBe(false);
        expect(await s.models.findByHash('nope')).toEqual([]);
        expect((await s.models.withoutHashes(10)).map((m) => m.name)).toEqual(['b']);

        // Same size and mtime: hashes stay. A changed file: they are cleared for re-hashing.
        await s.models.applyScan([scanned('a', { description: 'now described' }), scanned('b')], NOW, key);
        expect((await s.models.get('k1'))!.hashes.blake3).toBe('b3');
        await s.models.applyScan([scanned('a', { mtime_ms: 1_800_000_000_000 }), scanned('b')], NOW, key);
        expect((await s.models.get('k1'))!.hashes).toEqual({ blake3: null, sha256: null, autov2: null, autov1: null, autov3: null });
        expect((await s.models.withoutHashes(10)).map((m) => m.name).sort()).toEqual(['a', 'b']);
        expect(await s.models.findByHash('b3')).toEqual([]);
      });

      it('pages through the models without hashes, smallest first, then by key', async () => {
        const s = await open();
        const sizes: Record<string, number> = { a: 300, b: 100, c: 200, d: 100, e: 100 };
        await s.models.applyScan(
          Object.entries(sizes).map(([name, file_size]) => scanned(name, { file_size })),
          NOW,
          (() => {
            let n = 0;
            // Keys whose order differs from the names', so the key decides among equal sizes.
            return () => ['k5', 'k4', 'k3', 'k2', 'k1'][n++]!;
          })(),
        );
        const all = await s.models.withoutHashes(10);
        expect(all.map((m) => `${m.file_size}:${m.key}`)).toEqual(['100:k1', '100:k2', '100:k4', '200:k3', '300:k5']);
        const pages: string[][] = [];
        let after: { file_size: number; key: string } | undefined;
        for (;;) {
          const page = await s.models.withoutHashes(2, after);
          if (page.length === 0) break;
          pages.push(page.map((m) => m.key));
          after = { file_size: page.at(-1)!.file_size, key: page.at(-1)!.key };
        }
        expect(pages).toEqual([['k1', 'k2'], ['k4', 'k3'], ['k5']]);
      });

      it('finds a model by a hash prefix of the given kinds, and stores hashes only for the file that was hashed', async () => {
        const s = await open();
        await s.models.applyScan([scanned('a')], NOW, () => 'k1');
        const [row] = await s.models.withoutHashes(10);
        const hashes = { blake3: 'b3'.repeat(32), sha256: 'ab'.repeat(32), autov2: 'ab'.repeat(5), autov1: '12345678', autov3: 'cd'.repeat(32) };
        expect(await s.models.setHashes('k1', hashes, NOW, { file_size: row!.file_size + 1, mtime_ms: row!.mtime_ms })).toBe(false);
        expect((await s.models.get('k1'))!.hashes.sha256).toBeNull();
        expect(await s.models.setHashes('k1', hashes, NOW, { file_size: row!.file_size, mtime_ms: row!.mtime_ms })).toBe(true);
        expect(await s.models.withoutHashes(10)).toEqual([]);
        const keys = async (hash: string, kinds?: Parameters<Store['models']['findByHash']>[1]) => (await s.models.findByHash(hash, kinds)).map((m) => m.key);
        expect(await keys('cd'.repeat(6), ['autov3'])).toEqual(['k1']);
        expect(await keys('cd'.repeat(6), ['sha256'])).toEqual([]);
        expect(await keys('ab'.repeat(5), ['sha256'])).toEqual(['k1']);
        expect(await keys('12345678', ['autov1'])).toEqual(['k1']);
        expect(await keys('ff'.repeat(32))).toEqual([]);
      });

      it('registers each path once when two connections scan the same folder at once', async () => {
        const s1 = await open();
        const s2 = await another(s1);
        const found = Array.from({ length: 30 }, (_, i) => scanned(`m${i}`));
        const summaries = await Promise.all([s1.models.applyScan(found, NOW, randomUUID), s2.models.applyScan(found, NOW, randomUUID)]);
        expect(summaries.map((x) => x.added).sort()).toEqual([0, 30]);
        const all = await s1.models.list({ includeMissing: true });
        expect(all).toHaveLength(30);
        expect(new Set(all.map((m) => m.key)).size).toBe(30);
      });
    });
  });
}
