import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

let srv: InProcessServer;
let outside: string;

beforeAll(async () => {
  const root = makeTempRoot();
  await writeImage(root, 'photo.png', 320, 240);
  await writeImage(root, 'photo.jpg', 200, 100);
  // A secret image outside outputs/images, and a symlink inside that points to it.
  outside = path.join(root, 'secret.png');
  await sharp({ create: { width: 77, height: 77, channels: 3, background: 'black' } }).png().toFile(outside);
  fs.symlinkSync(outside, path.join(root, 'outputs', 'images', 'link.png'));
  srv = await startApp({ root, scan: false });
});
afterAll(() => srv?.close());

async function upload(bytes: Buffer, filename = 'x.png', type = 'image/png', query = '?image_category=user&is_intermediate=false') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  const res = await fetch(`${srv.url}/api/v1/images/upload${query}`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}

describe('image routes', () => {
  it('answers an image record with the header size', async () => {
    const res = await getJson(`${srv.url}/api/v1/images/i/photo.png`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      image_name: 'photo.png',
      width: 320,
      height: 240,
      image_url: '/api/v1/images/i/photo.png/full',
      thumbnail_url: '/api/v1/images/i/photo.png/thumbnail',
      format: 'png',
    });
  });

  it('serves the full file and a WebP thumbnail no larger than 256 px', async () => {
    const full = await fetch(`${srv.url}/api/v1/images/i/photo.jpg/full`);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.equals(fs.readFileSync(path.join(srv.root, 'outputs', 'images', 'photo.jpg')))).toBe(true);
    const thumb = await fetch(`${srv.url}/api/v1/images/i/photo.png/thumbnail`);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
  });

  it('lists images newest first', async () => {
    const res = await getJson(`${srv.url}/api/v1/images/?limit=10`);
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((i: any) => i.image_name).sort()).toEqual(['photo.jpg', 'photo.png']);
  });

  it('uploads a real image under a new unique name with InvokeAI\'s flags', async () => {
    const png = await sharp({ create: { width: 50, height: 60, channels: 4, background: 'white' } }).png().toBuffer();
    const res = await upload(png, 'mine.png');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ width: 50, height: 60, image_category: 'user', is_intermediate: false });
    expect(res.body.image_name).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(fs.existsSync(path.join(srv.root, 'outputs', 'images', res.body.image_name))).toBe(true);
    // It can be recalled at once.
    const recalled = await postJson(`${srv.url}/api/v1/recall/upl`, { reference_images: [{ image_name: res.body.image_name }] });
    expect(recalled.body.parameters.reference_images[0].image).toEqual({ image_name: res.body.image_name, width: 50, height: 60 });
  });

  it('refuses a file that is not an image, or only looks like one, and stores nothing', async () => {
    const before = fs.readdirSync(path.join(srv.root, 'outputs', 'images')).length;
    expect((await upload(Buffer.from('hello, I am text'), 'x.png')).body.code).toBe('RECALL_ERR_NOT_AN_IMAGE');
    const png = await sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } }).png().toBuffer();
    const truncated = await upload(png.subarray(0, 120), 'cut.png');
    expect(truncated.status).toBe(400);
    expect(truncated.body.code).toBe('RECALL_ERR_NOT_AN_IMAGE');
    expect(fs.readdirSync(path.join(srv.root, 'outputs', 'images')).length).toBe(before);
  });

  it('refuses an upload without a "file" field', async () => {
    const form = new FormData();
    form.append('other', new Blob([new Uint8Array([1, 2, 3])]), 'a.png');
    const res = await fetch(`${srv.url}/api/v1/images/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).detail[0].loc).toEqual(['body', 'file']);
  });
});

describe('image names cannot leave outputs/images', () => {
  const attempts = ['../secret.png', '..%2Fsecret.png', '..%252Fsecret.png', '%2Fetc%2Fpasswd', '..\\secret.png', 'a%00.png', '.hidden.png', '%2E%2E%5Csecret.png'];
  it.each(attempts)('GET /api/v1/images/i/%s is refused without opening anything', async (name) => {
    for (const suffix of ['', '/full', '/thumbnail']) {
      const res = await fetch(`${srv.url}/api/v1/images/i/${name}${suffix}`);
      expect([400, 404]).toContain(res.status);
      const text = await res.text();
      expect(text).not.toContain('77');
    }
  });

  it('does not follow a symlink that points outside the folder', async () => {
    expect((await getJson(`${srv.url}/api/v1/images/i/link.png`)).status).toBe(404);
    expect((await fetch(`${srv.url}/api/v1/images/i/link.png/full`)).status).toBe(404);
    const res = await postJson(`${srv.url}/api/v1/recall/trav`, { reference_images: [{ image_name: 'link.png' }] });
    expect(res.body.parameters.reference_images).toEqual([]);
    expect(res.body.warnings[0].code).toBe('IMAGE_NOT_FOUND');
  });

  it.each(['../secret.png', '/etc/passwd', 'C:\\secret.png', 'a\u0000.png', '%2e%2e%2fsecret.png', 'outputs/images/x.png'])(
    'refuses the recall image name %j with a 400',
    async (image_name) => {
      const res = await postJson(`${srv.url}/api/v1/recall/trav`, { control_layers: [{ model_name: 'm', image_name }] });
      expect(res.status).toBe(400);
      expect(res.body.detail[0].loc).toEqual(['body', 'control_layers', 0, 'image_name']);
    },
  );
});
