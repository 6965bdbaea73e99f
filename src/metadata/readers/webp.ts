import { MetadataReadError } from '../errors.js';
import { decodeLatin1, decodeUtf8OrLatin1 } from '../text.js';
import type { EntrySink } from './entry-sink.js';
import type { ContainerMetadata } from './types.js';

const RIFF_HEADER = 12;
const CHUNK_HEADER = 8;
const EXIF_PREFIX = 'Exif\0\0';
const IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X']);

const isFourCcByte = (b: number): boolean => b >= 0x20 && b <= 0x7e;

/**
 * Walks the RIFF chunks of a WebP: EXIF is handed on as a TIFF block (some writers keep the JPEG
 * "Exif\0\0" prefix, which is dropped) and "XMP " as XMP. The RIFF size must fit the file and every
 * chunk its RIFF; chunks are padded to even sizes.
 */
export function readWebpContainer(bytes: Uint8Array, _sink: EntrySink): ContainerMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffSize = view.getUint32(4, true);
  if (riffSize < 4) throw new MetadataReadError('CORRUPT_CHUNK', 'WebP RIFF header declares an impossible size');
  const riffEnd = CHUNK_HEADER + riffSize;
  if (riffEnd > bytes.length) throw new MetadataReadError('TRUNCATED', `WebP is ${bytes.length} bytes but its RIFF header says ${riffEnd}`);
  let tiff: Uint8Array | null = null;
  let xmp: string | null = null;
  let sawImage = false;
  let pos = RIFF_HEADER;
  while (pos < riffEnd) {
    if (pos + CHUNK_HEADER > riffEnd) throw new MetadataReadError('TRUNCATED', `WebP chunk header at byte ${pos} is cut short`);
    const fourCcBytes = bytes.subarray(pos, pos + 4);
    if (!fourCcBytes.every(isFourCcByte)) throw new MetadataReadError('CORRUPT_CHUNK', `invalid WebP chunk id at byte ${pos}`);
    const fourCc = decodeLatin1(fourCcBytes);
    const size = view.getUint32(pos + 4, true);
    const dataEnd = pos + CHUNK_HEADER + size;
    if (dataEnd > riffEnd) throw new MetadataReadError('TRUNCATED', `WebP chunk ${fourCc.trim()} at byte ${pos} runs past the end of the file`);
    const data = bytes.subarray(pos + CHUNK_HEADER, dataEnd);
    if (IMAGE_CHUNKS.has(fourCc)) sawImage = true;
    if (fourCc === 'EXIF' && tiff === null) {
      tiff = decodeLatin1(data.subarray(0, EXIF_PREFIX.length)) === EXIF_PREFIX ? data.subarray(EXIF_PREFIX.length) : data;
    } else if (fourCc === 'XMP ' && xmp === null) {
      xmp = decodeUtf8OrLatin1(data);
    }
    // The pad byte of an odd-sized last chunk is sometimes missing; tolerate that.
    pos = Math.min(dataEnd + (size % 2), riffEnd);
  }
  if (!sawImage) throw new MetadataReadError('CORRUPT_CHUNK', 'WebP has no image data chunk');
  return { tiff, xmp };
}
