import { describe, expect, it } from 'vitest';
import { IMAGE_NAME_MAX_BYTES, zImageName } from './images.js';

const ok = (name: string) => zImageName.safeParse(name).success;

describe('image names', () => {
  it('are limited by UTF-8 bytes, not characters', () => {
    expect(IMAGE_NAME_MAX_BYTES).toBe(255);
    expect(ok(`${'a'.repeat(251)}.png`)).toBe(true); // 255 bytes
    expect(ok(`${'a'.repeat(252)}.png`)).toBe(false); // 256 bytes
    expect(ok(`${'é'.repeat(125)}a.png`)).toBe(true); // 250 + 5 bytes
    expect(ok(`${'é'.repeat(126)}.png`)).toBe(false); // 252 + 4 bytes, 130 characters
    expect(ok(`${'🎨'.repeat(62)}.png`)).toBe(true); // 248 + 4 bytes
    expect(ok(`${'🎨'.repeat(63)}.png`)).toBe(false); // 252 + 4 bytes, 130 UTF-16 units
  });

  it('refuse whatever could point outside the images folder', () => {
    for (const bad of ['../x.png', 'a/b.png', 'a\\b.png', 'C:x.png', '%2e%2e.png', '.hidden.png', ' x.png', 'x\u0000.png', '']) {
      expect(ok(bad), bad).toBe(false);
    }
  });
});
