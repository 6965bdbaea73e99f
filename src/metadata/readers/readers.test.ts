import { describe, expect, it } from 'vitest';
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
} from '../../../test/helpers/metadata-images.js';
import { readImageMetadata } from './index.js';

const PROMPT = 'a castle on a hill, テスト\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 1';

describe('PNG reader', () => {
  it('reads tEXt written as UTF-8', async () => {
    const r = await readImageMetadata(withPngChunks(await basePng(), [tEXt('parameters', PROMPT)]));
    expect(r).toMatchObject({ format: 'png', width: 64, height: 48, entries: { parameters: PROMPT } });
  });

  it('falls back to Latin-1 for tEXt that is not valid UTF-8', async () => {
    const r = await readImageMetadata(withPngChunks(await basePng(), [tEXt('Comment', 'café au lait, naïve', 'latin1')]));
    expect(r.entries.Comment).toBe('café au lait, naïve');
  });

  it('inflates zTXt and compressed iTXt, and reads uncompressed iTXt', async () => {
    const r = await readImageMetadata(
      withPngChunks(await basePng(), [zTXt('workflow', '{"nodes": []}'), iTXt('prompt', '{"1": {"class_type": "X", "inputs": {}}}', true), iTXt('parameters', 'ユニコード')]),
    );
    expect(r.entries).toEqual({ workflow: '{"nodes": []}', prompt: '{"1": {"class_type": "X", "inputs": {}}}', parameters: 'ユニコード' });
  });

  it('keeps a repeated keyword under a numbered key instead of dropping it', async () => {
    const r = await readImageMetadata(withPngChunks(await basePng(), [tEXt('Comment', 'first'), tEXt('Comment', 'second')]));
    expect(r.entries).toEqual({ Comment: 'first', 'Comment#2': 'second' });
  });

  it('decodes an eXIf chunk and an XMP iTXt chunk', async () => {
    const tiff = buildTiff({ littleEndian: true, exif: [userCommentTag('from exif', 'ascii')] });
    const xmp = xmpPacket({ 'dc:description': 'from xmp' });
    const r = await readImageMetadata(withPngChunks(await basePng(), [eXIf(tiff), iTXt('XML:com.adobe.xmp', xmp)]));
    expect(r.entries['exif:UserComment']).toBe('from exif');
    expect(r.entries['xmp:dc:description']).toBe('from xmp');
    expect(r.entries['XML:com.adobe.xmp']).toBeUndefined();
  });

  it('answers no entries for a PNG without text', async () => {
    expect((await readImageMetadata(await basePng(80, 96))).entries).toEqual({});
  });
});

describe('EXIF UserComment', () => {
  const text = 'masterpiece, 1girl, テスト\nSteps: 20, Sampler: Euler, Seed: 5';
  for (const littleEndian of [true, false]) {
    for (const charset of ['utf16le', 'utf16be', 'ascii', 'none'] as const) {
      it(`decodes ${charset} text in a ${littleEndian ? 'little' : 'big'}-endian TIFF`, async () => {
        const tiff = buildTiff({ littleEndian, exif: [userCommentTag(text, charset)] });
        const r = await readImageMetadata(withJpegSegments(await baseJpeg(), [app1Exif(tiff)]));
        expect(r.entries['exif:UserComment']).toBe(text);
      });
    }
  }

  it('gets the byte order of UTF-16 text without any ASCII from the script it yields', async () => {
    for (const charset of ['utf16le', 'utf16be'] as const) {
      const tiff = buildTiff({ littleEndian: charset === 'utf16be', exif: [userCommentTag('日本語のプロンプトだけ', charset)] });
      const r = await readImageMetadata(withJpegSegments(await baseJpeg(), [app1Exif(tiff)]));
      expect(r.entries['exif:UserComment']).toBe('日本語のプロンプトだけ');
    }
  });

  it('reads ImageDescription, Make, Software and the UCS-2 XPComment from IFD0', async () => {
    const tiff = buildTiff({
      littleEndian: false,
      ifd0: [
        asciiTag(0x010e, 'Workflow: {"nodes": []}'),
        asciiTag(0x010f, 'Prompt: {"3": {}}'),
        asciiTag(0x0131, 'Fooocus v2.5.5'),
        { tag: 0x9c9c, type: 1, data: Buffer.from('XP コメント\0', 'utf16le') },
      ],
    });
    const r = await readImageMetadata(withJpegSegments(await baseJpeg(), [app1Exif(tiff)]));
    expect(r.entries).toMatchObject({
      'exif:ImageDescription': 'Workflow: {"nodes": []}',
      'exif:Make': 'Prompt: {"3": {}}',
      'exif:Software': 'Fooocus v2.5.5',
      'exif:XPComment': 'XP コメント',
    });
  });
});

describe('JPEG reader', () => {
  it('reads COM segments and XMP with its entities decoded', async () => {
    const xmp = xmpPacket({ 'dc:description': 'a <red> & "blue" cube', 'exif:UserComment': '{"c": "cube"}' }, { 'xmp:CreatorTool': 'Draw Things' });
    const r = await readImageMetadata(withJpegSegments(await baseJpeg(32, 32), [com('just a comment'), app1Xmp(xmp)]));
    expect(r).toMatchObject({ format: 'jpeg', width: 32, height: 32 });
    expect(r.entries).toMatchObject({
      'jpeg:COM': 'just a comment',
      'xmp:dc:description': 'a <red> & "blue" cube',
      'xmp:exif:UserComment': '{"c": "cube"}',
      'xmp:xmp:CreatorTool': 'Draw Things',
    });
  });
});

describe('WebP reader', () => {
  const tiff = buildTiff({ littleEndian: true, exif: [userCommentTag('webp comment', 'utf16le')] });

  it('reads an EXIF chunk that is a bare TIFF block', async () => {
    const r = await readImageMetadata(withWebpChunks(await baseWebp(), { exif: tiff, width: 64, height: 48 }));
    expect(r).toMatchObject({ format: 'webp', width: 64, height: 48, entries: { 'exif:UserComment': 'webp comment' } });
  });

  it('reads an EXIF chunk that keeps the JPEG "Exif\\0\\0" prefix', async () => {
    const prefixed = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const r = await readImageMetadata(withWebpChunks(await baseWebp(), { exif: prefixed, width: 64, height: 48 }));
    expect(r.entries['exif:UserComment']).toBe('webp comment');
  });

  it('reads a parameters property of any namespace from XMP', async () => {
    const xml = xmpPacket({ 'sdm:parameters': 'a boat\nSteps: 12, Sampler: Euler, Seed: 4' });
    const r = await readImageMetadata(withWebpChunks(await baseWebp(), { xmp: xml, width: 64, height: 48 }));
    expect(r.entries['xmp:parameters']).toBe('a boat\nSteps: 12, Sampler: Euler, Seed: 4');
  });

  it('reads an XMP chunk', async () => {
    const r = await readImageMetadata(withWebpChunks(await baseWebp(), { xmp: xmpPacket({ 'dc:description': 'webp xmp' }), width: 64, height: 48 }));
    expect(r.entries['xmp:dc:description']).toBe('webp xmp');
  });
});
