import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type RecallApi } from '../../src/web/app/api.js';
import { createAppStore } from '../../src/web/app/store.js';
import { loadGalleryPage, recallGalleryImage, recallImageFile, selectGalleryImage } from '../../src/web/features/gallery/gallery-actions.js';
import { GALLERY_PAGE_SIZE, hasMoreImages } from '../../src/web/features/gallery/gallerySlice.js';
import { writeAgedFile, writeModelFile } from '../helpers/fixtures.js';
import { fillerPng } from '../helpers/gallery-images.js';
import { getJson } from '../helpers/http.js';
import { A1111_PARAMETERS, a1111Png, invokeAiPng } from '../helpers/generated-images.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/*
 * The web UI's gallery logic (store + api module) against the real server over HTTP: paging, metadata,
 * Recall and Remix through from_image, an uploaded file. The page's side of a recall (the socket
 * event) is the live session's, tested in test/e2e.
 */

let srv: InProcessServer;
let api: RecallApi;
let images: string;

const put = (name: string, bytes: Buffer, ageSeconds: number) => writeAgedFile(images, name, bytes, ageSeconds);

beforeAll(async () => {
  const root = makeTempRoot();
  images = path.join(root, 'outputs', 'images');
  writeModelFile(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'juggernaut', type: 'main', base: 'sdxl' });
  put('a1111.png', await a1111Png(A1111_PARAMETERS), 10);
  put('invoke.png', await invokeAiPng(), 20);
  const fillers = await Promise.all(Array.from({ length: GALLERY_PAGE_SIZE + 3 }, (_, i) => fillerPng(i)));
  fillers.forEach((b, i) => put(`filler-${String(i).padStart(2, '0')}.png`, b, 100 + i));
  srv = await startApp({ root, settings: { hashModels: false } });
  api = createApi(srv.url);
});
afterAll(() => srv?.close());

const storedRecall = async (queue: string) => (await getJson(`${srv.url}/api/v1/recall/${queue}`)).body.stored;

describe('gallery logic against the server', () => {
  it('loads outputs/images page by page, newest first, each image once even when a new one shifts the pages', async () => {
    const store = createAppStore('g-pages');
    await loadGalleryPage(store, api, { more: false });
    let g = store.getState().gallery;
    expect(g.images).toHaveLength(GALLERY_PAGE_SIZE);
    expect(g.images.slice(0, 3).map((i) => i.image_name)).toEqual(['a1111.png', 'invoke.png', 'filler-00.png']);
    expect(g.total).toBe(GALLERY_PAGE_SIZE + 5);

    put('newest.png', await fillerPng(90), 0);
    await loadGalleryPage(store, api, { more: true });
    g = store.getState().gallery;
    const names = g.images.map((i) => i.image_name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(GALLERY_PAGE_SIZE + 5);
    expect(names).not.toContain('newest.png');
    expect(hasMoreImages(g)).toBe(true);

    await loadGalleryPage(store, api, { more: false });
    expect(store.getState().gallery.images[0]!.image_name).toBe('newest.png');
    fs.unlinkSync(path.join(images, 'newest.png'));
  });

  it("selects an image and reads its metadata; an image without any says so; a missing one shows the server's message", async () => {
    const store = createAppStore('g-select');
    await selectGalleryImage(store, api, 'a1111.png');
    const view = store.getState().gallery.metadata;
    expect(view?.status === 'loaded' && view.metadata.status === 'found' && view.metadata.source).toEqual({ tool: 'automatic1111', version: 'v1.9.4' });

    await selectGalleryImage(store, api, 'filler-01.png');
    const none = store.getState().gallery.metadata;
    expect(none?.status === 'loaded' && none.metadata.status).toBe('none');

    await selectGalleryImage(store, api, 'gone.png');
    expect(store.getState().gallery.metadata).toEqual({ status: 'failed', imageName: 'gone.png', error: 'Image not found: gone.png' });
  });

  it("recalls a gallery image into the page's queue, and remixes one without its seed", async () => {
    const store = createAppStore('g-recall');
    await recallGalleryImage(store, api, 'a1111.png', false);
    expect(await storedRecall('g-recall')).toMatchObject({ positive_prompt: 'a cat wearing a tiny hat, studio light', seed: 987654, model: 'dreamshaper_8' });
    expect(store.getState().notices.notices[0]).toMatchObject({ kind: 'info', text: 'Recalled a1111.png (AUTOMATIC1111 v1.9.4)' });
    expect(store.getState().gallery.sending).toBeNull();

    await recallGalleryImage(store, api, 'invoke.png', true);
    expect(await storedRecall('g-recall')).toMatchObject({ positive_prompt: 'a lighthouse at dusk, oil painting', seed: 987654, model: 'juggernaut' });
    expect(store.getState().notices.notices[0]!.text).toBe('Remixed invoke.png (InvokeAI 5.6.0): everything but the seed');

    await recallGalleryImage(store, api, 'filler-02.png', false);
    expect(store.getState().notices.notices[0]).toMatchObject({ kind: 'warning', text: 'filler-02.png has no generation metadata to recall' });
  });

  it('uploads a file, then shows the stored image first in the gallery, selected with its metadata', async () => {
    const store = createAppStore('g-upload');
    await loadGalleryPage(store, api, { more: false });
    const bytes = await a1111Png('a fox in the snow\nSteps: 22, Sampler: Euler a, CFG scale: 5.5, Seed: 555, Size: 768x512');
    await recallImageFile(store, api, [new File([new Uint8Array(bytes)], 'fox.png', { type: 'image/png' })]);
    expect(await storedRecall('g-upload')).toMatchObject({ positive_prompt: 'a fox in the snow', seed: 555, scheduler: 'euler_a' });
    const g = store.getState().gallery;
    const stored = g.images[0]!.image_name;
    expect(stored).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(g.selected).toBe(stored);
    expect(g.metadata?.status === 'loaded' && g.metadata.metadata.status).toBe('found');
    expect(store.getState().notices.notices[0]).toMatchObject({ text: 'Recalled fox.png (AUTOMATIC1111)', details: [`Stored as ${stored} in outputs/images`] });
    expect(fs.readFileSync(path.join(images, stored)).equals(bytes)).toBe(true);
  });

  it('stores nothing and explains why when the uploaded file is not an image', async () => {
    const store = createAppStore('g-bad');
    const before = fs.readdirSync(images).length;
    await recallImageFile(store, api, [new File(['not a PNG'], 'broken.png', { type: 'image/png' })]);
    expect(store.getState().notices.notices[0]).toMatchObject({ kind: 'error', text: 'broken.png is not an image Recall can read' });
    expect(fs.readdirSync(images).length).toBe(before);
    expect(store.getState().gallery.selected).toBeNull();
  });
});
