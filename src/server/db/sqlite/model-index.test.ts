import { describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../store.js';
import { ModelIndex } from './model-index.js';

const rows: RegistryEntry[] = [
  { key: 'k1', name: 'detail', type: 'lora', base: 'sd-1' },
  { key: 'k2', name: 'canny', type: 'controlnet', base: 'sdxl' },
  { key: 'k3', name: 'detail', type: 'lora', base: 'sdxl' },
  { key: 'k4', name: 'odd', type: 'not-a-type' as never, base: 'sdxl' },
  { key: 'k5', name: 'strange-base', type: 'vae', base: 'cosmic' as never },
];

describe('ModelIndex', () => {
  it('answers every model of a name, oldest first, as references', () => {
    const index = new ModelIndex(() => rows, () => 1);
    expect(index.findByName('detail')).toEqual([rows[0], rows[2]]);
    expect(index.findByName('canny')).toEqual([rows[1]]);
    expect(index.findByName('absent')).toEqual([]);
  });

  it('leaves out a type the contract does not know, and files an unknown base as "unknown"', () => {
    const index = new ModelIndex(() => rows, () => 1);
    expect(index.findByName('odd')).toEqual([]);
    expect(index.findByName('strange-base')).toEqual([{ key: 'k5', name: 'strange-base', type: 'vae', base: 'unknown' }]);
  });

  it('reloads when invalidated, and when the database version changes', async () => {
    let current = rows.slice(0, 2);
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
