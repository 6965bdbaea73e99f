import { imageSize } from 'image-size';
import type { ImageFormat } from '../../shared/metadata.js';
import { MetadataReadError } from '../errors.js';
import { EntrySink } from './entry-sink.js';
import { readExifEntries } from './exif.js';
import { readJpegContainer } from './jpeg.js';
import { PNG_SIGNATURE, readPngContainer } from './png.js';
import type { ContainerMetadata, RawImageMetadata } from './types.js';
import { readWebpContainer } from './webp.js';
import { readXmpEntries } from './xmp.js';

export type { RawImageMetadata } from './types.js';

const startsWith = (bytes: Uint8Array, sig: ArrayLike<number>, at = 0): boolean => {
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
};
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const JPEG_SOI = [0xff, 0xd8, 0xff];
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 108, 124]);
const HEIF_BRANDS = ['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1'];
/** Signatures of images Recall does not read, so the error can say "unsupported" rather than "not an image". */
const OTHER_IMAGES: [string, (b: Uint8Array) => boolean][] = [
  ['GIF', (b) => startsWith(b, ascii('GIF8'))],
  ['BMP', (b) => startsWith(b, ascii('BM')) && b.length >= 18 && BMP_HEADER_SIZES.has(new DataView(b.buffer, b.byteOffset + 14, 4).getUint32(0, true))],
  ['TIFF', (b) => startsWith(b, ascii('II*\0')) || startsWith(b, ascii('MM\0*'))],
  ['AVIF/HEIC', (b) => startsWith(b, ascii('ftyp'), 4) && HEIF_BRANDS.some((brand) => startsWith(b, ascii(brand), 8))],
  ['JPEG XL', (b) => startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])],
];

/** PNG, JPEG or WebP by their signatures; anything else is refused with the reason. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SOI)) return 'jpeg';
  if (bytes.length >= 12 && startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  const known = OTHER_IMAGES.find(([, test]) => test(bytes));
  if (known) throw new MetadataReadError('UNSUPPORTED_FORMAT', `${known[0]} images are not supported (PNG, JPEG and WebP are)`);
  const prefixes: ArrayLike<number>[] = [PNG_SIGNATURE, JPEG_SOI, ascii('RIFF')];
  if (bytes.length > 0 && prefixes.some((p) => bytes.length < p.length && startsWith(bytes, Array.from(p).slice(0, bytes.length)))) {
    throw new MetadataReadError('TRUNCATED', `file is only ${bytes.length} bytes long`);
  }
  if (bytes.length >= 4 && bytes.length < 12 && startsWith(bytes, ascii('RIFF'))) {
    throw new MetadataReadError('TRUNCATED', `file is only ${bytes.length} bytes long`);
  }
  throw new MetadataReadError('NOT_AN_IMAGE', bytes.length === 0 ? 'file is empty' : 'file is not a PNG, JPEG or WebP image');
}

function dimensions(bytes: Uint8Array): { width: number; height: number } {
  let size: { width?: number; height?: number };
  try {
    size = imageSize(bytes);
  } catch {
    throw new MetadataReadError('CORRUPT_CHUNK', 'image dimensions could not be read from its header');
  }
  const { width, height } = size;
  if (!width || !height) throw new MetadataReadError('CORRUPT_CHUNK', 'image header gives no dimensions');
  return { width, height };
}

const CONTAINERS: Record<ImageFormat, (bytes: Uint8Array, sink: EntrySink) => ContainerMetadata> = {
  png: readPngContainer,
  jpeg: readJpegContainer,
  webp: readWebpContainer,
};

/**
 * Reads every text entry an image carries, with its size and format. Throws MetadataReadError and
 * nothing else for a file that is not a readable PNG, JPEG or WebP.
 */
export async function readImageMetadata(bytes: Uint8Array): Promise<RawImageMetadata> {
  const format = sniffImageFormat(bytes);
  const sink = new EntrySink();
  const { tiff, xmp } = CONTAINERS[format](bytes, sink);
  const { width, height } = dimensions(bytes);
  if (tiff) await readExifEntries(tiff, sink);
  if (xmp !== null) readXmpEntries(xmp, sink);
  return { format, width, height, entries: sink.entries };
}
