import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Builds small PNG, JPEG and WebP files carrying metadata the way generation tools write it. sharp
 * makes a valid base image; the chunks, segments and EXIF blocks are assembled here byte by byte, so
 * tests control every length, encoding and byte order (and can break them on purpose).
 */

const enc = new TextEncoder();
const latin1 = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const u32be = (n: number): Uint8Array => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export async function basePng(width = 64, height = 48): Promise<Uint8Array> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
}
export async function baseJpeg(width = 64, height = 48): Promise<Uint8Array> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
}
export async function baseWebp(width = 64, height = 48): Promise<Uint8Array> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).webp({ lossless: true }).toBuffer();
}

/* ---------------- PNG ---------------- */

export function pngChunk(type: string, data: Uint8Array, opts: { badCrc?: boolean; length?: number } = {}): Uint8Array {
  const typeBytes = latin1(type);
  const crc = crc32(concat(typeBytes, data)) ^ (opts.badCrc ? 1 : 0);
  return concat(u32be(opts.length ?? data.length), typeBytes, data, u32be(crc));
}

export const tEXt = (key: string, value: string, encoding: 'utf8' | 'latin1' = 'utf8'): Uint8Array =>
  pngChunk('tEXt', concat(latin1(key), Uint8Array.of(0), encoding === 'utf8' ? enc.encode(value) : latin1(value)));

export const zTXt = (key: string, value: string): Uint8Array =>
  pngChunk('zTXt', concat(latin1(key), Uint8Array.of(0, 0), deflateSync(latin1(value))));

/** zTXt whose payload is given compressed as-is (zip bombs, broken streams). */
export const zTXtRaw = (key: string, compressed: Uint8Array): Uint8Array =>
  pngChunk('zTXt', concat(latin1(key), Uint8Array.of(0, 0), compressed));

export const iTXt = (key: string, value: string, compressed = false): Uint8Array =>
  pngChunk(
    'iTXt',
    concat(latin1(key), Uint8Array.of(0, compressed ? 1 : 0, 0), latin1('en'), Uint8Array.of(0), Uint8Array.of(0), compressed ? deflateSync(enc.encode(value)) : enc.encode(value)),
  );

export const eXIf = (tiff: Uint8Array): Uint8Array => pngChunk('eXIf', tiff);

/** Inserts chunks right after IHDR (8-byte signature + 25-byte IHDR chunk). */
export function withPngChunks(png: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  const at = 8 + 25;
  return concat(png.subarray(0, at), ...chunks, png.subarray(at));
}

export async function pngWithText(entries: Record<string, string>, kind: 'tEXt' | 'iTXt' = 'iTXt'): Promise<Uint8Array> {
  const chunks = Object.entries(entries).map(([k, v]) => (kind === 'tEXt' ? tEXt(k, v) : iTXt(k, v)));
  return withPngChunks(await basePng(), chunks);
}

/* ---------------- EXIF (TIFF) ---------------- */

export interface TiffTag {
  tag: number;
  /** 1 BYTE, 2 ASCII, 7 UNDEFINED */
  type: 1 | 2 | 7;
  data: Uint8Array;
}

export const asciiTag = (tag: number, text: string): TiffTag => ({ tag, type: 2, data: concat(enc.encode(text), Uint8Array.of(0)) });

/** A minimal TIFF: IFD0 (with a pointer to the Exif IFD when it has tags) and the Exif IFD. */
export function buildTiff(opts: { littleEndian: boolean; ifd0?: TiffTag[]; exif?: TiffTag[] }): Uint8Array {
  const le = opts.littleEndian;
  const ifd0 = [...(opts.ifd0 ?? [])];
  const exif = [...(opts.exif ?? [])];
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(n);
    else b.writeUInt16BE(n);
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(n >>> 0);
    else b.writeUInt32BE(n >>> 0);
    return b;
  };
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const ifd0Count = ifd0.length + (exif.length > 0 ? 1 : 0);
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0Count);
  let dataAt = exifAt + (exif.length > 0 ? ifdSize(exif.length) : 0);
  const data: Uint8Array[] = [];
  const entry = (t: TiffTag): Uint8Array => {
    const count = t.data.length;
    let value: Uint8Array;
    if (count <= 4) value = concat(t.data, new Uint8Array(4 - count));
    else {
      value = u32(dataAt);
      data.push(t.data);
      dataAt += count + (count % 2);
      if (count % 2) data.push(new Uint8Array(1));
    }
    return concat(u16(t.tag), u16(t.type), u32(count), value);
  };
  const ifd0Entries = ifd0.sort((a, b) => a.tag - b.tag).map(entry);
  if (exif.length > 0) ifd0Entries.push(concat(u16(0x8769), u16(4), u32(1), u32(exifAt)));
  const exifEntries = exif.sort((a, b) => a.tag - b.tag).map(entry);
  const header = concat(latin1(le ? 'II' : 'MM'), u16(42), u32(ifd0At));
  const ifd0Block = concat(u16(ifd0Count), ...ifd0Entries, u32(0));
  const exifBlock = exif.length > 0 ? concat(u16(exif.length), ...exifEntries, u32(0)) : new Uint8Array(0);
  return concat(header, ifd0Block, exifBlock, ...data);
}

/** EXIF UserComment bytes: an 8-byte charset id, then the text. */
export function userComment(text: string, charset: 'ascii' | 'utf16le' | 'utf16be' | 'none'): Uint8Array {
  if (charset === 'none') return enc.encode(text);
  if (charset === 'ascii') return concat(latin1('ASCII\0\0\0'), enc.encode(text));
  const body = Buffer.from(text, 'utf16le');
  if (charset === 'utf16be') body.swap16();
  return concat(latin1('UNICODE\0'), body);
}

export const userCommentTag = (text: string, charset: 'ascii' | 'utf16le' | 'utf16be' | 'none'): TiffTag => ({ tag: 0x9286, type: 7, data: userComment(text, charset) });

/* ---------------- JPEG ---------------- */

export function jpegSegment(marker: number, data: Uint8Array, opts: { length?: number } = {}): Uint8Array {
  const len = opts.length ?? data.length + 2;
  return concat(Uint8Array.of(0xff, marker, (len >> 8) & 0xff, len & 0xff), data);
}
export const app1Exif = (tiff: Uint8Array): Uint8Array => jpegSegment(0xe1, concat(latin1('Exif\0\0'), tiff));
export const app1Xmp = (xml: string): Uint8Array => jpegSegment(0xe1, concat(latin1('http://ns.adobe.com/xap/1.0/\0'), enc.encode(xml)));
export const com = (text: string): Uint8Array => jpegSegment(0xfe, enc.encode(text));

/** Inserts segments right after SOI. */
export function withJpegSegments(jpeg: Uint8Array, segments: Uint8Array[]): Uint8Array {
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2));
}

/* ---------------- WebP ---------------- */

export function riffChunk(fourCc: string, data: Uint8Array, opts: { size?: number } = {}): Uint8Array {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(opts.size ?? data.length);
  return concat(latin1(fourCc), size, data, data.length % 2 ? new Uint8Array(1) : new Uint8Array(0));
}

/** Rebuilds a simple (VP8L/VP8) WebP as extended: VP8X, the image chunk, then EXIF and XMP chunks. */
export function withWebpChunks(webp: Uint8Array, opts: { exif?: Uint8Array; xmp?: string; width: number; height: number }): Uint8Array {
  const image = webp.subarray(12);
  const flags = (opts.exif ? 0x08 : 0) | (opts.xmp ? 0x04 : 0);
  const vp8x = Buffer.alloc(10);
  vp8x[0] = flags;
  vp8x.writeUIntLE(opts.width - 1, 4, 3);
  vp8x.writeUIntLE(opts.height - 1, 7, 3);
  const body = concat(
    latin1('WEBP'),
    riffChunk('VP8X', vp8x),
    image,
    opts.exif ? riffChunk('EXIF', opts.exif) : new Uint8Array(0),
    opts.xmp ? riffChunk('XMP ', enc.encode(opts.xmp)) : new Uint8Array(0),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return concat(latin1('RIFF'), size, body);
}

/** An XMP packet with the given properties, written as rdf:Alt language alternatives. */
export function xmpPacket(props: Record<string, string>, attributes: Record<string, string> = {}): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  const body = Object.entries(props)
    .map(([k, v]) => `<${k}><rdf:Alt><rdf:li xml:lang="x-default">${esc(v)}</rdf:li></rdf:Alt></${k}>`)
    .join('');
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"${attrs}>${body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}
