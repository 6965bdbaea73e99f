import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { plainPng } from '../helpers/generated-images.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';
import { listen } from '../helpers/socket.js';

/* Recall list entries that give their image by URL or as base64 (issue 4, "Images from elsewhere"). */

let srv: InProcessServer;
let images: http.Server;
let imagesUrl: string;
let png: Buffer;
const hits: string[] = [];
const UPLOAD_LIMIT = 200_000;

beforeAll(async () => {
  png = await plainPng(40, 30);
  images = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url!.startsWith('/ok')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(png);
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello, not an image');
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;

  const root = makeTempRoot();
  writeModelFile(root, { name: 'depth', type: 'controlnet', base: 'sdxl' });
  writeModelFile(root, { name: 'ip-face', type: 'ip_adapter', base: 'sd-1' });
  srv = await startApp({ root, settings: { urlAllowList: '127.0.0.1', uploadLimit: UPLOAD_LIMIT, hashModels: false } });
});
afterAll(async () => {
  await srv?.close();
  await new Promise<void>((resolve) => images.close(() => resolve()));
});

const recall = (queue: string, body: object) => postJson(`${srv.url}/api/v1/recall/${queue}`, body);
const state = async (queue: string) => (await getJson(`${srv.url}/api/v1/recall/${queue}`)).body;
const imageFiles = () => fs.readdirSync(path.join(srv.root, 'outputs', 'images')).filter((f) => /\.(png|jpg|webp|gif)$/.test(f));

describe('images given by URL', () => {
  it('fetches the image into outputs/images, uses it, and stores both the URL and the name it became', async () => {
    const listener = await listen(srv.url, 'url1');
    const url = `${imagesUrl}/ok/depth.png`;
    const res = await recall('url1', { control_layers: [{ model_name: 'depth', image_url: url }] });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([]);
    const image = res.body.parameters.control_layers[0].image;
    expect(image).toEqual({ image_name: expect.stringMatching(/^[0-9a-f-]{36}\.png$/), width: 40, height: 30 });
    expect(fs.readFileSync(path.join(srv.root, 'outputs', 'images', image.image_name))).toEqual(png);
    expect((await listener.next()).parameters.control_layers![0]!.image).toEqual(image);
    listener.close();

    const fetchesBefore = hits.length;
    const s = await state('url1');
    expect(s.stored.control_layers[0]).toMatchObject({ image_url: url, image_name: image.image_name });
    expect(s.parameters.control_layers[0].image).toEqual(image);
    // A GET resolves the stored name; it never fetches again.
    expect(hits.length).toBe(fetchesBefore);
  });

  it('fetches a URL given twice in one recall once', async () => {
    const before = hits.length;
    const url = `${imagesUrl}/ok/twice.png`;
    const res = await recall('url2', { reference_images: [{ image_url: url }, { image_url: url }] });
    expect(hits.length - before).toBe(1);
    const [a, b] = res.body.parameters.reference_images;
    expect(a.image.image_name).toBe(b.image.image_name);
  });

  it('skips a refused URL with a warning, like a missing image, and applies the rest', async () => {
    const listener = await listen(srv.url, 'url3');
    const res = await recall('url3', {
      seed: 42,
      reference_images: [{ image_url: 'http://10.20.30.40/private.png' }, { image_url: `${imagesUrl}/ok/fine.png` }],
      ip_adapters: [{ model_name: 'ip-face', image_url: `${imagesUrl}/text.png` }],
    });
    expect(res.status).toBe(200);
    expect(res.body.parameters.seed).toBe(42);
    expect(res.body.parameters.reference_images).toHaveLength(1);
    expect(res.body.parameters.ip_adapters[0]).not.toHaveProperty('image');
    expect(res.body.warnings).toEqual([
      {
        field: 'ip_adapters.0.image_url',
        code: 'IMAGE_FETCH_FAILED',
        message: expect.stringContaining('not an image'),
      },
      {
        field: 'reference_images.0.image_url',
        code: 'IMAGE_FETCH_FAILED',
        message: expect.stringContaining('10.20.30.40 is a private address'),
      },
    ]);
    expect((await listener.next()).warnings).toEqual(res.body.warnings);
    listener.close();

    // Stored as sent (the URL, no name); a GET says so without fetching.
    const before = hits.length;
    const s = await state('url3');
    expect(s.stored.reference_images[0]).toEqual({ image_url: 'http://10.20.30.40/private.png' });
    expect(s.warnings.map((w: any) => [w.field, w.code])).toEqual([
      ['ip_adapters.0.image_url', 'IMAGE_FETCH_FAILED'],
      ['reference_images.0.image_url', 'IMAGE_FETCH_FAILED'],
    ]);
    expect(hits.length).toBe(before);
  });
});

describe('images given as base64', () => {
  it('decodes a data: URL into outputs/images and stores only the name', async () => {
    const res = await recall('b64a', {
      ip_adapters: [{ model_name: 'ip-face', image_base64: `data:image/png;base64,${png.toString('base64')}`, weight: 0.5 }],
    });
    expect(res.status).toBe(200);
    const image = res.body.parameters.ip_adapters[0].image;
    expect(image).toMatchObject({ width: 40, height: 30 });
    const s = await state('b64a');
    expect(s.stored.ip_adapters[0]).toMatchObject({ model_name: 'ip-face', image_name: image.image_name, weight: 0.5 });
    expect(s.stored.ip_adapters[0]).not.toHaveProperty('image_base64');
  });

  it('rejects text that is not base64 with a 400 naming the entry, and stores nothing', async () => {
    const files = imageFiles().length;
    const res = await recall('b64b', {
      seed: 1,
      reference_images: [{ image_base64: png.toString('base64') }, { image_base64: '***not base64***' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['body', 'reference_images', 1, 'image_base64']);
    expect((await state('b64b')).revision).toBe(0);
    expect(imageFiles().length).toBe(files);
  });

  it('rejects base64 that is not an image with a 400', async () => {
    const res = await recall('b64c', { reference_images: [{ image_base64: Buffer.from('just some text here').toString('base64') }] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('RECALL_ERR_NOT_AN_IMAGE');
    expect(res.body.detail).toContain('reference_images.0.image_base64');
  });

  it('rejects an image over the upload limit with a 413', async () => {
    const res = await recall('b64d', { reference_images: [{ image_base64: Buffer.alloc(UPLOAD_LIMIT + 10, 1).toString('base64') }] });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('RECALL_ERR_PAYLOAD_TOO_LARGE');
    expect((await state('b64d')).revision).toBe(0);
  });
});
