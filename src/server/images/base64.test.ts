import { describe, expect, it } from 'vitest';
import { Base64ImageError, decodeImageBase64 } from './base64.js';

const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 250, 251]);

describe('base64 images', () => {
  it('decodes plain base64, base64url, wrapped lines and data: URLs to the same bytes', () => {
    const b64 = bytes.toString('base64');
    expect(Buffer.from(decodeImageBase64(b64, 1024))).toEqual(bytes);
    expect(Buffer.from(decodeImageBase64(bytes.toString('base64url'), 1024))).toEqual(bytes);
    expect(Buffer.from(decodeImageBase64(`${b64.slice(0, 8)}\n${b64.slice(8)}`, 1024))).toEqual(bytes);
    expect(Buffer.from(decodeImageBase64(`data:image/png;base64,${b64}`, 1024))).toEqual(bytes);
  });

  it('refuses text that is not base64 instead of decoding what it can', () => {
    expect(() => decodeImageBase64('iVBORw0K*GgoAAAA', 1024)).toThrow(/not valid base64/);
    expect(() => decodeImageBase64('', 1024)).toThrow(/empty/);
    expect(() => decodeImageBase64('A', 1024)).toThrow(/not valid base64/);
  });

  it('refuses data: URLs of other types and without base64', () => {
    expect(() => decodeImageBase64('data:text/html;base64,PGgxPg==', 1024)).toThrow(/text\/html is not an image/);
    expect(() => decodeImageBase64('data:image/png,rawbytes', 1024)).toThrow(/base64-encoded/);
  });

  it('refuses more bytes than the limit before decoding', () => {
    const err = (() => {
      try {
        decodeImageBase64(Buffer.alloc(3000).toString('base64'), 2048);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Base64ImageError);
    expect((err as Base64ImageError).kind).toBe('too_large');
  });
});
