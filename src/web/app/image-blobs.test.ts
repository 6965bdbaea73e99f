import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createImageBlobCache } from './image-blobs.js';

const png = () => new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
/** Whether an object URL still resolves to its blob (Node keeps the same registry as browsers). */
const alive = (url: string) => resolveObjectURL(url) !== undefined;

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('image blob cache', () => {
  it('loads an image once for every holder and revokes its URL when the last one lets go', async () => {
    const cache = createImageBlobCache();
    let loads = 0;
    const load = async () => (loads++, png());
    const a = cache.acquire('x.png|full|1', load);
    const b = cache.acquire('x.png|full|1', load);
    const url = await a.url;
    expect(await b.url).toBe(url);
    expect(loads).toBe(1);
    expect(url.startsWith('blob:')).toBe(true);
    a.release();
    a.release(); // a second release by the same holder counts once
    expect(alive(url)).toBe(true);
    b.release();
    await Promise.resolve();
    expect(alive(url)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('aborts a load nobody waits for any more, and revokes what it brings anyway', async () => {
    const cache = createImageBlobCache();
    const pending = deferred<Blob>();
    let signal: AbortSignal | null = null;
    const hold = cache.acquire('slow.png|thumbnail|1', (s) => ((signal = s), pending.promise));
    hold.release();
    expect(signal!.aborted).toBe(true);
    pending.resolve(png());
    const url = await hold.url;
    await Promise.resolve();
    expect(alive(url)).toBe(false);
  });

  it('forgets a failed load so the next holder tries again', async () => {
    const cache = createImageBlobCache();
    const first = cache.acquire('gone.png|full|1', () => Promise.reject(new Error('404')));
    await expect(first.url).rejects.toThrow('404');
    expect(cache.size).toBe(0);
    const second = cache.acquire('gone.png|full|1', async () => png());
    expect(await second.url).toMatch(/^blob:/);
    second.release();
  });

  it('keeps images under different keys apart (another size or token)', async () => {
    const cache = createImageBlobCache();
    const a = cache.acquire('x.png|full|1', async () => png());
    const b = cache.acquire('x.png|full|2', async () => png());
    expect(await a.url).not.toBe(await b.url);
    a.release();
    await Promise.resolve();
    expect(alive(await b.url)).toBe(true);
    b.release();
  });
});
