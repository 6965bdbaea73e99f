import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MetadataReadErrorCode } from '../../shared/metadata.js';
import {
  app1Exif,
  asciiTag,
  baseJpeg,
  basePng,
  baseWebp,
  buildTiff,
  eXIf,
  jpegSegment,
  pngChunk,
  tEXt,
  userCommentTag,
  withJpegSegments,
  withPngChunks,
  withWebpChunks,
  zTXtRaw,
} from '../../../test/helpers/metadata-images.js';
import { MetadataReadError } from '../errors.js';
import { parseImageMetadata } from '../index.js';

/** Parses and expects a MetadataReadError with `code`, within a time that rules out any hang. */
async function expectError(bytes: Uint8Array, code: MetadataReadErrorCode, withinMs = 1000): Promise<MetadataReadError> {
  const started = performance.now();
  const err = await parseImageMetadata(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(performance.now() - started).toBeLessThan(withinMs);
  expect(err).toBeInstanceOf(MetadataReadError);
  const e = err as MetadataReadError;
  expect(e.code).toBe(code);
  expect(e.message.length).toBeGreaterThan(10);
  return e;
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b);

describe('files that are not PNG, JPEG or WebP', () => {
  it('refuses an empty file as not an image', () => expectError(new Uint8Array(0), 'NOT_AN_IMAGE'));
  it('refuses text as not an image', () => expectError(new TextEncoder().encode('{"prompt": "not an image"}'), 'NOT_AN_IMAGE'));
  it('refuses random bytes as not an image', () => expectError(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251), 'NOT_AN_IMAGE'));
  it('names GIF, BMP, AVIF and TIFF as unsupported formats, but not text that starts like them', async () => {
    await expectError(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), 'UNSUPPORTED_FORMAT');
    const bmp = Buffer.alloc(64);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    await expectError(bmp, 'UNSUPPORTED_FORMAT');
    await expectError(Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif'), Buffer.alloc(20)]), 'UNSUPPORTED_FORMAT');
    await expectError(new TextEncoder().encode('BMW owners club newsletter'), 'NOT_AN_IMAGE');
    await expectError(buildTiff({ littleEndian: true, ifd0: [asciiTag(0x010e, 'x')] }), 'UNSUPPORTED_FORMAT');
  });
});

describe('truncated files', () => {
  it('reports a PNG cut at any offset as truncated', async () => {
    const png = withPngChunks(await basePng(), [tEXt('parameters', 'a prompt\nSteps: 1, Sampler: Euler, Seed: 2')]);
    for (const cut of [1, 4, 7, 8, 12, 20, 33, 40, 60, 90, png.length - 13, png.length - 1]) {
      const e = await expectError(png.subarray(0, cut), 'TRUNCATED');
      expect(e.message).toMatch(/byte|bytes long/);
    }
  });

  it('reports a JPEG cut inside its headers or its image data as truncated', async () => {
    const jpeg = withJpegSegments(await baseJpeg(), [app1Exif(buildTiff({ littleEndian: true, exif: [userCommentTag('c', 'ascii')] }))]);
    for (const cut of [2, 3, 4, 10, 40, 80, 150, jpeg.length - 1]) await expectError(jpeg.subarray(0, cut), 'TRUNCATED');
  });

  it('reports a WebP shorter than its RIFF size as truncated', async () => {
    const webp = withWebpChunks(await baseWebp(), { exif: buildTiff({ littleEndian: true, exif: [userCommentTag('c', 'ascii')] }), width: 64, height: 48 });
    for (const cut of [5, 11, 12, 20, 40, webp.length - 1]) await expectError(webp.subarray(0, cut), 'TRUNCATED');
  });
});

describe('damaged chunks and segments', () => {
  it('refuses a PNG chunk whose CRC does not match', async () => {
    await expectError(withPngChunks(await basePng(), [pngChunk('tEXt', Buffer.from('parameters\0flipped'), { badCrc: true })]), 'CORRUPT_CHUNK');
  });

  it('refuses a PNG chunk length over the PNG maximum, and one running past the end', async () => {
    await expectError(withPngChunks(await basePng(), [pngChunk('tEXt', Buffer.from('a\0b'), { length: 0xffffffff })]), 'CORRUPT_CHUNK');
    await expectError(withPngChunks(await basePng(), [pngChunk('tEXt', Buffer.from('a\0b'), { length: 5_000_000 })]), 'TRUNCATED');
  });

  it('refuses a PNG that does not start with IHDR, and a chunk type that is not letters', async () => {
    const png = await basePng();
    await expectError(Buffer.concat([png.subarray(0, 8), tEXt('a', 'b'), png.subarray(8)]), 'CORRUPT_CHUNK');
    const bad = buf(withPngChunks(png, [tEXt('a', 'b')]));
    bad.write('t3Xt', 33 + 4, 'latin1');
    await expectError(bad, 'CORRUPT_CHUNK');
  });

  it('refuses text chunks without a keyword and compressed text that is not zlib', async () => {
    const png = await basePng();
    await expectError(withPngChunks(png, [pngChunk('tEXt', Buffer.from('\0no keyword'))]), 'CORRUPT_CHUNK');
    await expectError(withPngChunks(png, [zTXtRaw('parameters', Buffer.from('this is not deflate data'))]), 'CORRUPT_CHUNK');
    await expectError(withPngChunks(png, [zTXtRaw('parameters', deflateSync(Buffer.from('a prompt that got cut')).subarray(0, 9))]), 'CORRUPT_CHUNK');
    await expectError(withPngChunks(png, [pngChunk('iTXt', Buffer.from('parameters\0\x01\x00'))]), 'CORRUPT_CHUNK');
  });

  it('stops a zip bomb at the 16 MiB entry limit, quickly', async () => {
    const bomb = deflateSync(Buffer.alloc(200 * 1024 * 1024, 0x41), { level: 9 });
    expect(bomb.length).toBeLessThan(300_000);
    await expectError(withPngChunks(await basePng(), [zTXtRaw('parameters', bomb)]), 'TOO_LARGE', 3000);
  });

  it('refuses more text than the total budget across many chunks', async () => {
    const chunk = deflateSync(Buffer.alloc(15 * 1024 * 1024, 0x42));
    await expectError(withPngChunks(await basePng(), [zTXtRaw('a', chunk), zTXtRaw('b', chunk), zTXtRaw('c', chunk)]), 'TOO_LARGE', 3000);
  });

  it('reads a PNG with thousands of text chunks in bounded time, keeping the first 256', async () => {
    const png = withPngChunks(await basePng(), Array.from({ length: 5000 }, (_, i) => tEXt(`k${i}`, 'v')));
    const started = performance.now();
    const r = await parseImageMetadata(png);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.status).toBe('none');
    expect(Object.keys(r.unmapped)).toHaveLength(256);
  });

  it('refuses JPEG segments with impossible lengths and bytes where a marker belongs', async () => {
    const jpeg = await baseJpeg();
    await expectError(withJpegSegments(jpeg, [jpegSegment(0xfe, Buffer.from('x'), { length: 1 })]), 'CORRUPT_CHUNK');
    await expectError(withJpegSegments(jpeg, [jpegSegment(0xfe, Buffer.from('x'), { length: 60_000 })]), 'TRUNCATED');
    await expectError(withJpegSegments(jpeg, [jpegSegment(0xfe, Buffer.from('ok')), Buffer.from('garbage')]), 'CORRUPT_CHUNK');
  });

  it('refuses WebP chunks running past the RIFF, an impossible RIFF size, and a WebP without image data', async () => {
    const webp = buf(await baseWebp());
    const huge = buf(webp);
    huge.writeUInt32LE(0xfffffff0, 16);
    await expectError(huge, 'TRUNCATED');
    const tiny = buf(webp);
    tiny.writeUInt32LE(2, 4);
    await expectError(tiny, 'CORRUPT_CHUNK');
    const noImage = Buffer.concat([Buffer.from('RIFF'), Buffer.from([12, 0, 0, 0]), Buffer.from('WEBPXMP '), Buffer.alloc(4)]);
    await expectError(noImage, 'CORRUPT_CHUNK');
  });
});

describe('damaged EXIF blocks', () => {
  it('refuses an EXIF block that is not TIFF', async () => {
    await expectError(withPngChunks(await basePng(), [eXIf(Buffer.from('definitely not tiff'))]), 'CORRUPT_CHUNK');
  });

  it('refuses an IFD offset or value count that points outside the block', async () => {
    await expectError(withPngChunks(await basePng(), [eXIf(Buffer.from('II*\0\xff\xff\xff\x7fpadding', 'latin1'))]), 'CORRUPT_CHUNK');
    const tiff = buf(buildTiff({ littleEndian: true, ifd0: [asciiTag(0x010e, 'a description long enough')] }));
    tiff.writeUInt32LE(0x7fffffff, 10 + 4);
    await expectError(withPngChunks(await basePng(), [eXIf(tiff)]), 'CORRUPT_CHUNK');
  });

  it('finishes quickly when IFD pointers loop back on themselves', async () => {
    const tiff = buf(buildTiff({ littleEndian: true, ifd0: [asciiTag(0x010e, 'looping')], exif: [userCommentTag('c', 'ascii')] }));
    const count = tiff.readUInt16LE(8);
    tiff.writeUInt32LE(8, 8 + 2 + count * 12); // IFD0's next-IFD pointer → IFD0
    for (let i = 0; i < count; i++) if (tiff.readUInt16LE(10 + i * 12) === 0x8769) tiff.writeUInt32LE(8, 10 + i * 12 + 8); // Exif IFD → IFD0
    const started = performance.now();
    const r = await parseImageMetadata(withPngChunks(await basePng(), [eXIf(tiff)]));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.status).toBe('none');
  });
});
