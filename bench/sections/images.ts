import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { rootPaths } from '../../src/server/config.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import { makeRoot, startRecall } from '../lib/processes.js';
import { median, round } from '../lib/stats.js';

const PER_REQUEST = 50;

/** An uncompressed PNG of random pixels: `side`² × 3 bytes, so its size is what it says. */
async function noisePng(file: string, side: number): Promise<number> {
  await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toFile(file);
  // On disk before anything is timed: a 50 MB file still being written back competes with the reads.
  const fd = fs.openSync(file, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

/**
 * Measuring a 50 MB image against a 50 KB one, through the recall route: each request names 50
 * images never measured before (hard links to the same file), so every one is a real header read,
 * never a cached answer.
 */
export async function imageFigures(s: BenchSettings, dir: string): Promise<Figure[]> {
  const root = makeRoot(dir, 'images-');
  const images = rootPaths(root).images;
  const bigBytes = await noisePng(path.join(images, 'big.png'), 4096);
  const smallBytes = await noisePng(path.join(images, 'small.png'), 128);
  // A request takes about 10 ms, so a hundred of each cost two seconds; thirty left the median
  // swinging from 1.01 to 1.15 between runs of the same build.
  const batches = 10 + s.repeats * 20;
  for (let i = 0; i < batches * PER_REQUEST; i++) {
    fs.linkSync(path.join(images, 'big.png'), path.join(images, `big-${i}.png`));
    fs.linkSync(path.join(images, 'small.png'), path.join(images, `small-${i}.png`));
  }
  const server = await startRecall(root, ['--no-scan']);
  try {
    const measure = async (kind: 'big' | 'small', batch: number) => {
      const names = Array.from({ length: PER_REQUEST }, (_, j) => ({ image_name: `${kind}-${batch * PER_REQUEST + j}.png` }));
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/recall/bench`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reference_images: names }),
      });
      const body = (await res.json()) as { parameters?: { reference_images?: unknown[] } };
      const ms = performance.now() - t0;
      if (body.parameters?.reference_images?.length !== PER_REQUEST) throw new Error(`images: not every ${kind} image was measured`);
      return ms;
    };
    const warmup = 5;
    const times = { big: [] as number[], small: [] as number[] };
    for (let b = 0; b < batches; b++) {
      // Alternate which goes first, so neither always runs on a warmer process.
      const order: ('big' | 'small')[] = b % 2 ? ['big', 'small'] : ['small', 'big'];
      for (const kind of order) {
        const ms = await measure(kind, b);
        if (b >= warmup) times[kind].push(ms);
      }
    }
    const big = median(times.big);
    const small = median(times.small);
    return [
      figure({
        id: 'images',
        label: `measuring a ${round(bigBytes / 1e6, 0)} MB image vs a ${round(smallBytes / 1e3, 0)} KB one`,
        value: big / small,
        unit: 'ratio',
        target: { op: '<=', value: 1.1 },
        details: {
          big_ms_per_request: round(big, 2),
          small_ms_per_request: round(small, 2),
          images_per_request: PER_REQUEST,
          big_bytes: bigBytes,
          small_bytes: smallBytes,
          requests_each: times.big.length,
        },
      }),
    ];
  } finally {
    await server.close();
  }
}
