/** Text decoding for metadata fields, which tools write in several encodings. */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/** PNG tEXt is Latin-1 by the spec, yet most tools write UTF-8; valid UTF-8 wins (issue 4). */
export function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export const decodeLatin1 = (bytes: Uint8Array): string => latin1.decode(bytes);
export const decodeUtf8 = (bytes: Uint8Array): string => utf8Lenient.decode(bytes);

export function stripNuls(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0) start++;
  while (end > start && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(start, end);
}

/**
 * UTF-16 of unknown byte order. A BOM decides; otherwise the side holding the zero bytes of ASCII
 * characters does (A1111 writes big-endian even inside little-endian TIFF, SwarmUI little-endian);
 * text with no ASCII at all falls back to the container's byte order.
 */
export function decodeUtf16(bytes: Uint8Array, fallbackLittleEndian: boolean): string {
  const even = bytes.length - (bytes.length % 2);
  const body = bytes.subarray(0, even);
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return utf16le.decode(body.subarray(2));
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return utf16be.decode(body.subarray(2));
  let zerosAtEven = 0;
  let zerosAtOdd = 0;
  const sample = Math.min(body.length, 4096);
  for (let i = 0; i < sample; i += 2) {
    if (body[i] === 0) zerosAtEven++;
    if (body[i + 1] === 0) zerosAtOdd++;
  }
  if (zerosAtOdd !== zerosAtEven) return (zerosAtOdd > zerosAtEven ? utf16le : utf16be).decode(body);
  // No ASCII to go by (CJK-only text, say): the byte order that yields more real script wins.
  const le = utf16le.decode(body);
  const be = utf16be.decode(body);
  const scoreLe = scriptScore(le);
  const scoreBe = scriptScore(be);
  if (scoreLe === scoreBe) return fallbackLittleEndian ? le : be;
  return scoreLe > scoreBe ? le : be;
}

/** Characters of common scripts and punctuation (Latin, Cyrillic, CJK, kana, Hangul, full-width forms). */
function scriptScore(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length && i < 2048; i++) {
    const c = s.charCodeAt(i);
    if (
      (c >= 0x20 && c <= 0x24f) ||
      (c >= 0x370 && c <= 0x4ff) ||
      (c >= 0x2000 && c <= 0x206f) ||
      (c >= 0x3000 && c <= 0x30ff) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xff00 && c <= 0xffef) ||
      c === 0x0a
    ) {
      n++;
    }
  }
  return n;
}

const CHARSET_PREFIX_LENGTH = 8;
const startsWithAscii = (bytes: Uint8Array, prefix: string): boolean =>
  bytes.length >= prefix.length && [...prefix].every((c, i) => bytes[i] === c.charCodeAt(0));

/**
 * EXIF UserComment: an 8-byte charset id ("ASCII\0\0\0", "UNICODE\0", "JIS\0\0\0\0\0" or eight NULs)
 * then the text. Tools label UTF-8 as ASCII, and some omit the id altogether.
 */
export function decodeUserComment(bytes: Uint8Array, tiffLittleEndian: boolean): string {
  if (startsWithAscii(bytes, 'UNICODE\0')) {
    return stripNuls(decodeUtf16(bytes.subarray(CHARSET_PREFIX_LENGTH), tiffLittleEndian));
  }
  if (startsWithAscii(bytes, 'ASCII\0\0\0') || startsWithAscii(bytes, 'JIS\0\0\0\0\0')) {
    return stripNuls(decodeUtf8OrLatin1(bytes.subarray(CHARSET_PREFIX_LENGTH)));
  }
  if (bytes.length >= CHARSET_PREFIX_LENGTH && bytes.subarray(0, CHARSET_PREFIX_LENGTH).every((b) => b === 0)) {
    return stripNuls(decodeUtf8OrLatin1(bytes.subarray(CHARSET_PREFIX_LENGTH)));
  }
  return stripNuls(decodeUtf8OrLatin1(bytes));
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five XML entities plus numeric character references; anything else is left as written. */
export function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[ref] ?? whole;
  });
}

/** JSON.parse that answers undefined instead of throwing; metadata text is often not JSON. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const t = stripNuls(text).trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  const v = parseJson(text);
  return isRecord(v) ? v : undefined;
}
