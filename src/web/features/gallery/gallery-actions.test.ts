import { describe, expect, it } from 'vitest';
import { pickDroppedImage } from './gallery-actions.js';

const file = (name: string, type: string) => new File(['x'], name, { type });

describe('pickDroppedImage', () => {
  it('sends the first image of the files dropped, and says the others were left', () => {
    const pick = pickDroppedImage([file('notes.txt', 'text/plain'), file('a.png', 'image/png'), file('b.webp', 'image/webp')]);
    expect(pick.file?.name).toBe('a.png');
    expect(pick).toMatchObject({ note: '3 files were dropped; only a.png was recalled' });
    expect(pickDroppedImage([file('a.jpg', 'image/jpeg')])).toMatchObject({ note: null });
  });

  it('lets the server judge a file the browser could not type', () => {
    expect(pickDroppedImage([file('photo.heic', '')]).file?.name).toBe('photo.heic');
  });

  it('refuses files typed as something else without sending them, and ignores an empty drop', () => {
    expect(pickDroppedImage([file('notes.txt', 'text/plain')])).toEqual({
      file: null,
      notice: { kind: 'error', text: 'notes.txt is not an image', details: ['Drop a PNG, JPEG or WebP image.'] },
    });
    expect(pickDroppedImage([file('a.txt', 'text/plain'), file('b.pdf', 'application/pdf')])).toMatchObject({ notice: { text: 'None of the 2 dropped files is an image' } });
    expect(pickDroppedImage([])).toEqual({ file: null, notice: null });
  });
});
