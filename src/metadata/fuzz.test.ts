import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zImageMetadata } from '../shared/metadata.js';
import { zRecallParameters } from '../shared/recall.js';
import { FIXTURE_IMAGES_DIR, fixtureImagesAvailable } from '../../test/helpers/fixtures.js';
import { INVOKEAI_V3, INVOKEAI_V5_CANVAS, INVOKEAI_V6_REF_IMAGES } from '../../test/helpers/invokeai-samples.js';
import {
  app1Exif,
  app1Xmp,
  asciiTag,
  baseJpeg,
  basePng,
  baseWebp,
  buildTiff,
  com,
  eXIf,
  iTXt,
  tEXt,
  userCommentTag,
  withJpegSegments,
  withPngChunks,
  withWebpChunks,
  xmpPacket,
  zTXt,
} from '../../test/helpers/metadata-images.js';
import { MetadataReadError } from './errors.js';
import { interpretMetadata, parseImageMetadata } from './index.js';

/**
 * Random truncations, bit flips and inserted garbage: whatever the damage, parsing either succeeds
 * with a result that satisfies the shared schema or fails with MetadataReadError, and fast.
 */

interface Damage {
  cut: number | null;
  flips: { at: number; bit: number }[];
  garbage: { at: number; bytes: Uint8Array } | null;
  fixCrc: boolean;
}

const damage: fc.Arbitrary<Damage> = fc.record({
  cut: fc.option(fc.nat(), { nil: null }),
  flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { maxLength: 8 }),
  garbage: fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }), { nil: null }),
  fixCrc: fc.boolean(),
});

/** Damage lands where metadata lives: the first and last 64 KiB (text chunks sit before or after the image data). */
function place(at: number, length: number): number {
  const window = Math.min(length, 65_536);
  const offset = at % (2 * window);
  return offset < window ? offset : length - 1 - (offset - window);
}

/** Rewrites PNG chunk CRCs where the framing still holds, so damage reaches the decoders behind the CRC check. */
function refreshPngCrcs(b: Buffer): void {
  let pos = 8;
  while (pos + 12 <= b.length) {
    const len = b.readUInt32BE(pos);
    if (len > b.length - pos - 12) return;
    b.writeUInt32BE(crc32(b.subarray(pos + 4, pos + 8 + len)), pos + 8 + len);
    pos += 12 + len;
  }
}

function applyDamage(original: Uint8Array, d: Damage): Uint8Array {
  let b = Buffer.from(original);
  for (const f of d.flips) {
    const at = place(f.at, b.length);
    b[at] = (b[at] as number) ^ (1 << f.bit);
  }
  if (d.garbage) {
    const at = place(d.garbage.at, b.length);
    b = Buffer.concat([b.subarray(0, at), d.garbage.bytes, b.subarray(at)]);
  }
  if (d.fixCrc && b[0] === 0x89) refreshPngCrcs(b);
  if (d.cut !== null) b = b.subarray(0, d.cut % (b.length + 1));
  return b;
}

async function survives(bytes: Uint8Array): Promise<void> {
  const started = performance.now();
  try {
    const r = await parseImageMetadata(bytes);
    expect(zImageMetadata.safeParse(r).success).toBe(true);
    if (r.status === 'found') expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  } catch (e) {
    if (!(e instanceof MetadataReadError)) throw e;
  }
  expect(performance.now() - started).toBeLessThan(1000);
}

async function syntheticImages(): Promise<[string, Uint8Array][]> {
  const tiff = buildTiff({
    littleEndian: true,
    ifd0: [asciiTag(0x010e, 'Workflow: {"nodes": []}'), asciiTag(0x010f, 'Prompt: {"1": {"class_type": "KSampler", "inputs": {"seed": 1}}}')],
    exif: [userCommentTag('a prompt <lora:x:0.5>\nNegative prompt: n\nSteps: 20, Sampler: Euler a, Seed: 3, Size: 512x512, Model: m', 'utf16be')],
  });
  const xmp = xmpPacket({ 'exif:UserComment': JSON.stringify({ c: 'p', scale: 5, sampler: 'Euler A', seed: 1, size: '512x512' }) }, { 'xmp:CreatorTool': 'Draw Things' });
  return [
    [
      'png',
      withPngChunks(await basePng(), [
        tEXt('invokeai_metadata', JSON.stringify(INVOKEAI_V5_CANVAS)),
        zTXt('workflow', '{"nodes": []}'),
        iTXt('sd-metadata', JSON.stringify({ image: { prompt: 'a [b]', steps: 5 } }), true),
        eXIf(tiff),
      ]),
    ],
    ['jpeg', withJpegSegments(await baseJpeg(), [app1Exif(tiff), app1Xmp(xmp), com('comment')])],
    ['webp', withWebpChunks(await baseWebp(), { exif: tiff, xmp, width: 64, height: 48 })],
  ];
}

describe('damaged images never crash the reader', () => {
  it('synthetic PNG, JPEG and WebP survive random damage', async () => {
    for (const [name, image] of await syntheticImages()) {
      await fc.assert(
        fc.asyncProperty(damage, (d) => survives(applyDamage(image, d))),
        { numRuns: 400, seed: 7919 + name.charCodeAt(0) },
      );
    }
  }, 60_000);

  const run = fixtureImagesAvailable('metadata fuzz');
  it.skipIf(!run)('fixture images survive random damage', async () => {
    const files = ['png', 'jpg', 'webp'].flatMap((dir) => readdirSync(path.join(FIXTURE_IMAGES_DIR, dir)).map((f) => path.join(FIXTURE_IMAGES_DIR, dir, f)));
    for (const [i, file] of files.entries()) {
      const image = readFileSync(file);
      await fc.assert(
        fc.asyncProperty(damage, (d) => survives(applyDamage(image, d))),
        { numRuns: 40, seed: 1000 + i },
      );
    }
  }, 120_000);
});

describe('random metadata text never breaks the parsers', () => {
  /** A sample with one value, anywhere in it, replaced by arbitrary JSON. */
  function mutated(sample: unknown): fc.Arbitrary<unknown> {
    return fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([pick, value]) => {
      const copy = JSON.parse(JSON.stringify(sample)) as unknown;
      const slots: [Record<string, unknown> | unknown[], string | number][] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) {
          v.forEach((x, i) => {
            slots.push([v, i]);
            walk(x);
          });
        } else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            slots.push([v as Record<string, unknown>, k]);
            walk(x);
          }
        }
      };
      walk(copy);
      const slot = slots[pick % slots.length];
      if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = value;
      return copy;
    });
  }

  const interpret = (entries: Record<string, string>) => {
    const r = interpretMetadata({ format: 'png', width: 8, height: 8, entries });
    expect(zImageMetadata.safeParse(r).success).toBe(true);
    if (r.status === 'found') expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  };

  it('InvokeAI metadata with any one value replaced', () => {
    for (const sample of [INVOKEAI_V3, INVOKEAI_V5_CANVAS, INVOKEAI_V6_REF_IMAGES]) {
      fc.assert(fc.property(mutated(sample), (m) => interpret({ invokeai_metadata: JSON.stringify(m) })), { numRuns: 300, seed: 7 });
    }
  });

  it('arbitrary JSON under every key a parser reads', () => {
    const keys = ['invokeai_metadata', 'invokeai_graph', 'sd-metadata', 'prompt', 'workflow', 'parameters', 'Comment', 'generation_data', 'parameters-json', 'smproj', 'xmp:exif:UserComment'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }), (key, value) => interpret({ [key]: JSON.stringify(value), Software: 'NovelAI', 'xmp:xmp:CreatorTool': 'Draw Things' })),
      { numRuns: 1000, seed: 11 },
    );
  });

  it('arbitrary text as A1111 parameters and as a Dream command', () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.constantFrom('Steps: ', 'Sampler: ', '"', ',', ':', '\n', 'Negative prompt:', '<lora:', '>', '{', '}', 'x', '1', ' '), { maxLength: 60 }).map((a) => a.join('')));
    fc.assert(
      fc.property(text, (t) => {
        interpret({ parameters: t });
        interpret({ Dream: `"${t}` });
      }),
      { numRuns: 1000, seed: 13 },
    );
  });
});
