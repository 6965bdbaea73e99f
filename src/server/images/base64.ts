/** Why a base64 image was refused: bad text, a data: URL of another type, or too many bytes. */
export class Base64ImageError extends Error {
  constructor(
    readonly kind: 'invalid' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'Base64ImageError';
  }
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,/i;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/webp', 'image/gif', '']);
/** Standard or URL-safe alphabet, padding optional; whitespace (line breaks) is removed first. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes an image sent as base64 or as a `data:image/...;base64,` URL. Node's decoder skips
 * characters it does not know, so the text is checked strictly first, and its size is bounded
 * before anything is decoded. Whether the bytes are an image is the repository's check.
 */
export function decodeImageBase64(text: string, maxBytes: number): Uint8Array {
  let body = text;
  const m = DATA_URL.exec(text);
  if (m) {
    const type = m[1]!.toLowerCase();
    if (!IMAGE_TYPES.has(type)) throw new Base64ImageError('invalid', `a data: URL of type ${type} is not an image`);
    body = text.slice(m[0].length);
  } else if (/^data:/i.test(text)) {
    throw new Base64ImageError('invalid', 'a data: URL must be base64-encoded (data:image/png;base64,...)');
  }
  body = body.replace(/\s+/g, '');
  if (body.length === 0) throw new Base64ImageError('invalid', 'is empty');
  if (!BASE64.test(body) || body.length % 4 === 1) throw new Base64ImageError('invalid', 'is not valid base64');
  const bytes = Math.floor((body.replace(/=+$/, '').length * 3) / 4);
  if (bytes > maxBytes) throw new Base64ImageError('too_large', `the image is ${bytes} bytes, more than the limit of ${maxBytes}`);
  return Buffer.from(body, /[-_]/.test(body) ? 'base64url' : 'base64');
}

/** Length of the base64 text of `bytes` bytes: what a JSON body must be allowed to carry. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;
