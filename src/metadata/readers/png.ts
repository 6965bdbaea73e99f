import { crc32, inflateSync } from 'node:zlib';
import { MetadataReadError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { decodeLatin1, decodeUtf8OrLatin1 } from '../text.js';
import type { EntrySink } from './entry-sink.js';
import type { ContainerMetadata } from './types.js';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG spec: chunk lengths are at most 2^31 - 1. */
const MAX_CHUNK_LENGTH = 0x7fffffff;
const CHUNK_OVERHEAD = 12;
const XMP_KEYWORD = 'XML:com.adobe.xmp';

const isChunkTypeByte = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** zTXt/iTXt payloads (UTF-8 first, as for tEXt), bounded so a zip bomb stops at the entry limit instead of filling memory. */
function inflateText(data: Uint8Array, keyword: string): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: LIMITS.entryBytes });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new MetadataReadError('TOO_LARGE', `compressed text "${keyword}" expands beyond ${LIMITS.entryBytes} bytes`);
    }
    throw new MetadataReadError('CORRUPT_CHUNK', `compressed text "${keyword}" is not valid zlib data`);
  }
}

function splitKeyword(data: Uint8Array, type: string): { keyword: string; rest: Uint8Array } {
  const nul = data.indexOf(0);
  // PNG spec: keywords are 1 to 79 Latin-1 characters.
  if (nul < 1 || nul > 79) throw new MetadataReadError('CORRUPT_CHUNK', `${type} chunk has no valid keyword`);
  return { keyword: decodeLatin1(data.subarray(0, nul)), rest: data.subarray(nul + 1) };
}

function readTextChunk(type: string, data: Uint8Array): { keyword: string; text: string } {
  const { keyword, rest } = splitKeyword(data, type);
  if (type === 'tEXt') return { keyword, text: decodeUtf8OrLatin1(rest) };
  if (type === 'zTXt') {
    if (rest.length < 1 || rest[0] !== 0) throw new MetadataReadError('CORRUPT_CHUNK', `zTXt "${keyword}" uses an unknown compression method`);
    return { keyword, text: decodeUtf8OrLatin1(inflateText(rest.subarray(1), keyword)) };
  }
  // iTXt: compression flag, method, language tag \0, translated keyword \0, UTF-8 text.
  if (rest.length < 2) throw new MetadataReadError('CORRUPT_CHUNK', `iTXt "${keyword}" is too short`);
  const compressed = rest[0] === 1;
  if (compressed && rest[1] !== 0) throw new MetadataReadError('CORRUPT_CHUNK', `iTXt "${keyword}" uses an unknown compression method`);
  const langEnd = rest.indexOf(0, 2);
  const transEnd = langEnd < 0 ? -1 : rest.indexOf(0, langEnd + 1);
  if (transEnd < 0) throw new MetadataReadError('CORRUPT_CHUNK', `iTXt "${keyword}" is missing its language fields`);
  const text = rest.subarray(transEnd + 1);
  return { keyword, text: decodeUtf8OrLatin1(compressed ? inflateText(text, keyword) : text) };
}

/**
 * Walks the chunks of a PNG: text chunks become entries, eXIf is handed on as a TIFF block and
 * `XML:com.adobe.xmp` as XMP. Every length is checked against the data before it is used, every
 * chunk but image data is checked against its CRC, and the walk must end at IEND.
 */
export function readPngContainer(bytes: Uint8Array, sink: EntrySink): ContainerMetadata {
  let tiff: Uint8Array | null = null;
  let xmp: string | null = null;
  let pos = PNG_SIGNATURE.length;
  let first = true;
  for (;;) {
    if (pos + 8 > bytes.length) throw new MetadataReadError('TRUNCATED', `PNG ends at byte ${bytes.length} before its IEND chunk`);
    const view = new DataView(bytes.buffer, bytes.byteOffset + pos, 8);
    const length = view.getUint32(0);
    const typeBytes = bytes.subarray(pos + 4, pos + 8);
    if (!typeBytes.every(isChunkTypeByte)) throw new MetadataReadError('CORRUPT_CHUNK', `invalid PNG chunk type at byte ${pos + 4}`);
    const type = decodeLatin1(typeBytes);
    if (length > MAX_CHUNK_LENGTH) throw new MetadataReadError('CORRUPT_CHUNK', `PNG chunk ${type} at byte ${pos} declares an impossible length`);
    const end = pos + CHUNK_OVERHEAD + length;
    if (end > bytes.length) throw new MetadataReadError('TRUNCATED', `PNG chunk ${type} at byte ${pos} runs past the end of the file`);
    if (first && (type !== 'IHDR' || length !== 13)) throw new MetadataReadError('CORRUPT_CHUNK', 'PNG does not start with an IHDR chunk');
    first = false;
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (type !== 'IDAT') {
      const stored = new DataView(bytes.buffer, bytes.byteOffset + pos + 8 + length, 4).getUint32(0);
      if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== stored) {
        throw new MetadataReadError('CORRUPT_CHUNK', `PNG chunk ${type} at byte ${pos} fails its CRC check`);
      }
    }
    if (type === 'IEND') break;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const { keyword, text } = readTextChunk(type, data);
      // XMP is an iTXt chunk by convention; it goes to the XMP decoder rather than in as raw XML.
      if (keyword === XMP_KEYWORD && xmp === null) xmp = text;
      else sink.add(keyword, text);
    } else if (type === 'eXIf' && tiff === null) {
      tiff = data;
    }
    pos = end;
  }
  return { tiff, xmp };
}
