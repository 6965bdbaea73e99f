import { MetadataReadError } from '../errors.js';
import { decodeLatin1, decodeUtf8OrLatin1 } from '../text.js';
import type { EntrySink } from './entry-sink.js';
import type { ContainerMetadata } from './types.js';

const MARKER_SOS = 0xda;
const MARKER_EOI = 0xd9;
const MARKER_APP1 = 0xe1;
const MARKER_COM = 0xfe;
const EXIF_HEADER = 'Exif\0\0';
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

/** Markers that stand alone, without a length: TEM and the restart markers (JPEG spec B.1.1.3). */
const isStandalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

const hasPrefix = (data: Uint8Array, prefix: string): boolean =>
  data.length >= prefix.length && decodeLatin1(data.subarray(0, prefix.length)) === prefix;

/** Last index of the EOI marker (FF D9) at or after `from`, or -1. */
function findEoi(bytes: Uint8Array, from: number): number {
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === MARKER_EOI) return i;
  }
  return -1;
}

/**
 * Walks the marker segments of a JPEG up to the first scan: APP1 "Exif" is handed on as a TIFF
 * block, APP1 XMP as XMP, COM segments become entries. The scan data itself is not decoded, but
 * the file must end in an EOI marker after it, or it was cut short.
 */
export function readJpegContainer(bytes: Uint8Array, sink: EntrySink): ContainerMetadata {
  let tiff: Uint8Array | null = null;
  let xmp: string | null = null;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) throw new MetadataReadError('TRUNCATED', `JPEG ends at byte ${bytes.length} before its image data`);
    if (bytes[pos] !== 0xff) throw new MetadataReadError('CORRUPT_CHUNK', `JPEG has no marker at byte ${pos}`);
    // A marker may be preceded by any number of 0xFF fill bytes.
    while (pos < bytes.length && bytes[pos] === 0xff) pos++;
    if (pos >= bytes.length) throw new MetadataReadError('TRUNCATED', 'JPEG ends inside a marker');
    const marker = bytes[pos] as number;
    pos++;
    if (isStandalone(marker)) continue;
    if (marker === 0x00 || marker === 0xd8 || marker === MARKER_EOI) {
      throw new MetadataReadError('CORRUPT_CHUNK', `JPEG has an unexpected marker 0xFF${marker.toString(16).toUpperCase()} at byte ${pos - 1}`);
    }
    if (pos + 2 > bytes.length) throw new MetadataReadError('TRUNCATED', 'JPEG ends inside a segment header');
    const length = ((bytes[pos] as number) << 8) | (bytes[pos + 1] as number);
    if (length < 2) throw new MetadataReadError('CORRUPT_CHUNK', `JPEG segment at byte ${pos - 2} declares an impossible length`);
    const end = pos + length;
    if (end > bytes.length) throw new MetadataReadError('TRUNCATED', `JPEG segment at byte ${pos - 2} runs past the end of the file`);
    const data = bytes.subarray(pos + 2, end);
    if (marker === MARKER_SOS) {
      if (findEoi(bytes, end) < 0) throw new MetadataReadError('TRUNCATED', 'JPEG image data is cut short (no end-of-image marker)');
      break;
    }
    if (marker === MARKER_APP1 && tiff === null && hasPrefix(data, EXIF_HEADER)) {
      tiff = data.subarray(EXIF_HEADER.length);
    } else if (marker === MARKER_APP1 && xmp === null && hasPrefix(data, XMP_HEADER)) {
      xmp = decodeUtf8OrLatin1(data.subarray(XMP_HEADER.length));
    } else if (marker === MARKER_COM) {
      sink.add('jpeg:COM', decodeUtf8OrLatin1(data));
    }
    pos = end;
  }
  return { tiff, xmp };
}
