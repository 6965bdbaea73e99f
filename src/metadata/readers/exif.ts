import { MetadataReadError } from '../errors.js';
import { decodeUserComment, decodeUtf16, stripNuls } from '../text.js';
import type { EntrySink } from './entry-sink.js';

/** IFD0 text tags tools write metadata into (ComfyUI puts "Prompt: {...}" in Make, for one). */
const TEXT_TAGS: ReadonlyMap<number, string> = new Map([
  [0x010d, 'DocumentName'],
  [0x010e, 'ImageDescription'],
  [0x010f, 'Make'],
  [0x0110, 'Model'],
  [0x0131, 'Software'],
  [0x013b, 'Artist'],
  [0x8298, 'Copyright'],
]);
/** Windows XP tags: UCS-2 little-endian in BYTE arrays. */
const XP_TAGS: ReadonlyMap<number, string> = new Map([
  [0x9c9b, 'XPTitle'],
  [0x9c9c, 'XPComment'],
  [0x9c9e, 'XPKeywords'],
  [0x9c9f, 'XPSubject'],
]);
const USER_COMMENT = 0x9286;
const MAKER_NOTE = 0x927c;

const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: {},
  exif: true,
  ifd1: false,
  gps: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  userComment: true,
  makerNote: true,
  translateKeys: false,
  translateValues: false,
  reviveValues: false,
  sanitize: false,
  mergeOutput: false,
  silentErrors: false,
} as const;

type TagValue = string | number | number[] | Uint8Array | undefined;
type Block = Record<string, TagValue> | undefined;

function toBytes(v: TagValue): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0 && n < 256)) return Uint8Array.from(v);
  return undefined;
}

function textOf(v: TagValue, littleEndian: boolean, userComment: boolean): string | undefined {
  if (typeof v === 'string') return stripNuls(v);
  const bytes = toBytes(v);
  if (!bytes) return undefined;
  return userComment ? decodeUserComment(bytes, littleEndian) : stripNuls(new TextDecoder('utf-8').decode(bytes));
}

/**
 * Decodes an EXIF (TIFF) block into entries named "exif:<Tag>". The IFD walk is exifr's; the
 * charset handling of UserComment (ASCII, or UTF-16 of either byte order) is ours.
 */
export async function readExifEntries(tiff: Uint8Array, sink: EntrySink): Promise<void> {
  const order = String.fromCharCode(tiff[0] ?? 0, tiff[1] ?? 0);
  if (tiff.length < 8 || (order !== 'II' && order !== 'MM')) {
    throw new MetadataReadError('CORRUPT_CHUNK', 'EXIF block is not a TIFF structure');
  }
  const littleEndian = order === 'II';
  let parsed: { ifd0?: Block; exif?: Block } | undefined;
  try {
    // exifr reads only within the Uint8Array it is given (never a path or URL: the input is bytes).
    const exifr = (await import('exifr')).default; // loaded on the first EXIF block, not at start
    parsed = (await exifr.parse(tiff, EXIFR_OPTIONS)) as { ifd0?: Block; exif?: Block } | undefined;
  } catch (err) {
    throw new MetadataReadError('CORRUPT_CHUNK', `EXIF block is damaged (${err instanceof Error ? err.message : 'unreadable'})`);
  }
  const ifd0 = parsed?.ifd0 ?? {};
  const exif = parsed?.exif ?? {};
  for (const [tag, name] of TEXT_TAGS) {
    const text = textOf(ifd0[tag], littleEndian, false);
    if (text) sink.add(`exif:${name}`, text);
  }
  for (const [tag, name] of XP_TAGS) {
    const bytes = toBytes(ifd0[tag]);
    if (bytes) sink.add(`exif:${name}`, stripNuls(decodeUtf16(bytes, true)));
  }
  // UserComment belongs to the Exif IFD, but some writers put it in IFD0.
  const comment = textOf(exif[USER_COMMENT] ?? ifd0[USER_COMMENT], littleEndian, true);
  if (comment) sink.add('exif:UserComment', comment);
  const makerNote = textOf(exif[MAKER_NOTE], littleEndian, false);
  // Fooocus records its metadata scheme there; binary camera maker notes are not text.
  if (makerNote && /^[\x20-\x7e]{1,64}$/.test(makerNote)) sink.add('exif:MakerNote', makerNote);
}
