import { describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../store.js';
import { ModelIndex } from './model-index.js';

/** Rows as the store gives them: grouped by name, in their order within a name (sort is stable). */
const grouped = (rows: RegistryEntry[]) => [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const rows: RegistryEntry[] = grouped([
  { key: 'k1', name: 'detail', type: 'lora', base: 'sd-1' },
  { key: 'k2', name: 'canny', type: 'controlnet', base: 'sdxl' },
  { key: 'k3', name: 'detail', type: 'lora', base: 'sdxl' },
  { key: 'k4', name: 'odd', type: 'not-a-type' as never, base: 'sdxl' },
  { key: 'k5', name: 'strange-base', type: 'vae', base: 'cosmic' as never },
]);
const [canny, detail1, detail2] = rows;

describe('ModelIndex', () => {
  it('answers every model of a name, oldest first, as references', () => {
    const index = new ModelIndex(() => rows, () => 1);
    expect(index.findByName('detail')).toEqual([detail1, detail2]);
    expect(detail1!.key).toBe('k1');
    expect(index.findByName('canny')).toEqual([canny]);
    expect(index.findByName('absent')).toEqual([]);
  });

  it('refuses rows not grouped by name rather than answer from half of them', () => {
    const scattered = [rows[1]!, rows[0]!, rows[2]!];
    expect(scattered.map((r) => r.name)).toEqual(['detail', 'canny', 'detail']);
    const index = new ModelIndex(() => scattered, () => 1);
    expect(() => index.findByName('detail')).toThrow(/not grouped by name \("detail" came twice\)/);
  });

  it('builds from any iterable of rows, such as a statement streaming them', () => {
    let read = 0;
    function* stream() {
      for (const r of rows) {
        read++;
        yield r;
      }
    }
    const index = new ModelIndex(stream, () => 1);
    expect(index.findByName('strange-base')).toHaveLength(1);
    expect(read).toBe(rows.length);
  });

  it('leaves out a type the contract does not know, and files an unknown base as "unknown"', () => {
    const index = new ModelIndex(() => rows, () => 1);
    expect(index.findByName('odd')).toEqual([]);
    expect(index.findByName('strange-base')).toEqual([{ key: 'k5', name: 'strange-base', type: 'vae', base: 'unknown' }]);
  });

  it('reloads when invalidated, and when the database version changes', async () => {
    let current = rows.filter((r) => r.key !== 'k3');
    let version = 1;
    const index = new ModelIndex(() => current, () => version);
    expect(index.findByName('detail')).toHaveLength(1);
    current = rows;
    expect(index.findByName('detail')).toHaveLength(1);
    index.invalidate();
    expect(index.findByName('detail')).toHaveLength(2);
    current = [];
    version = 2;
    await new Promise((r) => setTimeout(r, 120));
    expect(index.findByName('detail')).toEqual([]);
  });
});

describe('ModelIndex, against a plain Map of the same registry', () => {
  it('answers the same for every name, across duplicates, Unicode and near-identical names', () => {
    let seed = 42;
    const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    const types = ['main', 'lora', 'vae', 'controlnet', 'ip_adapter'] as const;
    const bases = ['sd-1', 'sdxl', 'flux', 'any'] as const;
    const names = [
      ...Array.from({ length: 3000 }, (_, i) => `lora-${String(i).padStart(6, '0')}`),
      'détail', 'détail ', 'Détail', '细节增强', 'art 🎨 style', 'art 🎨 style2', 'a', 'aa',
      // One byte per character up to U+00FF, two from U+0100: names on both sides of that line.
      'ÿÿ', 'Āÿ', 'ÿĀ', 'Ā', 'a\u0000b', '\ud800 lone',
    ];
    const registry: RegistryEntry[] = grouped(Array.from({ length: 6000 }, (_, i) => ({
      // Keys too, mostly Latin-1 as real ones are, some not.
      key: i % 50 === 0 ? `${i}-ключ-${crypto.randomUUID()}` : i % 50 === 1 ? `${i}-ÿ-${crypto.randomUUID()}` : `${i}-${crypto.randomUUID()}`,
      name: names[Math.floor(random() * names.length)]!,
      type: types[Math.floor(random() * types.length)]!,
      base: bases[Math.floor(random() * bases.length)]!,
    })));
    const expected = new Map<string, RegistryEntry[]>();
    for (const r of registry) expected.set(r.name, [...(expected.get(r.name) ?? []), r]);
    const index = new ModelIndex(() => registry, () => 1);
    for (const name of names) expect(index.findByName(name), name).toEqual(expected.get(name) ?? []);
    for (const absent of ['lora-999999', 'detail', 'art 🎨', '', 'lora-00000', 'lora-0000000', 'ÿ', 'ĀĀ', 'Āÿ ', 'a\u0000c']) expect(index.findByName(absent)).toEqual([]);

    // Reading ahead (these tables are large enough for it) changes no answer: absent names, an empty
    // batch, and a batch longer than one read-ahead covers among them.
    const batches = [[], ['lora-999999', '', 'art 🎨'], names.slice(0, 9), names.slice(100, 400), names.filter((_, i) => i % 7 === 0)];
    for (const batch of batches) {
      index.prefetch(batch);
      for (const name of batch) expect(index.findByName(name), name).toEqual(expected.get(name) ?? []);
    }
  });

  it('answers the same after a read-ahead in a registry small enough to stay in the caches (where it reads nothing)', () => {
    const index = new ModelIndex(() => rows, () => 1);
    index.prefetch(['detail', 'canny', 'absent']);
    expect(index.findByName('detail')).toEqual([detail1, detail2]);
  });
});

describe('ModelIndex.load', () => {
  it('builds the tables at once, so the first lookup does not', () => {
    let loads = 0;
    const index = new ModelIndex(() => (loads++, rows), () => 1);
    index.load();
    expect(loads).toBe(1);
    expect(index.findByName('detail')).toHaveLength(2);
    index.load();
    expect(loads).toBe(1);
  });
});
