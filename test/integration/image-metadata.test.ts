import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../helpers/http.js';
import { invokeAiMetadataWithLists } from '../helpers/gallery-images.js';
import { A1111_PARAMETERS, a1111Png, invokeAiPng, plainPng } from '../helpers/generated-images.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/* GET /api/v1/images/i/{image_name}/metadata over real HTTP, with images written by the test (issue 4, the gallery). */

let srv: InProcessServer;
let images: string;

const put = (name: string, bytes: Buffer) => fs.writeFileSync(path.join(images, name), bytes);
const metadataOf = (name: string) => getJson(`${srv.url}/api/v1/images/i/${encodeURIComponent(name)}/metadata`);

beforeAll(async () => {
  const root = makeTempRoot();
  images = path.join(root, 'outputs', 'images');
  put('a1111.png', await a1111Png(A1111_PARAMETERS));
  put('invoke.png', await invokeAiPng(invokeAiMetadataWithLists()));
  put('plain.png', await plainPng());
  put('plain.jpg', await sharp({ create: { width: 40, height: 30, channels: 3, background: 'white' } }).jpeg().toBuffer());
  put('anim.gif', await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).gif().toBuffer());
  put('not-an-image.png', Buffer.from('this is text, not a PNG'));
  // A real PNG cut inside its metadata chunk: the header reads, the text chunk does not.
  const whole = await a1111Png(A1111_PARAMETERS);
  put('truncated.png', whole.subarray(0, 33 + 40));
  // An image outside outputs/images, reachable only through a symlink inside it.
  const outside = path.join(root, 'secret.png');
  fs.writeFileSync(outside, await a1111Png('secret prompt\nSteps: 5, Seed: 1'));
  fs.symlinkSync(outside, path.join(images, 'link.png'));
  srv = await startApp({ root, scan: false, settings: { hashModels: false } });
});
afterAll(() => srv?.close());

describe('GET /api/v1/images/i/{image_name}/metadata', () => {
  it("answers an AUTOMATIC1111 image's parameters in recall field names, with the sampler as InvokeAI's scheduler", async () => {
    const res = await metadataOf('a1111.png');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'found',
      format: 'png',
      width: 64,
      height: 48,
      source: { tool: 'automatic1111', version: 'v1.9.4' },
      parameters: {
        positive_prompt: 'a cat wearing a tiny hat, studio light',
        negative_prompt: 'ugly, lowres',
        steps: 25,
        cfg_scale: 7,
        seed: 987654,
        width: 512,
        height: 768,
        scheduler: 'dpmpp_2m_k',
        model: 'dreamshaper_8',
        loras: [{ model_name: 'detail-tweaker', weight: 0.8, is_enabled: true }],
      },
      model_refs: [{ field: 'model', name: 'dreamshaper_8', hash: '0123456789', algorithm: 'autov2' }],
    });
  });

  it("answers an InvokeAI image's LoRAs, control layers and reference images, and keeps what has no recall field", async () => {
    const res = await metadataOf('invoke.png');
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ tool: 'invokeai', version: '5.6.0' });
    expect(res.body.parameters).toMatchObject({
      positive_prompt: 'a lighthouse at dusk, oil painting',
      seed: 1234567,
      model: 'juggernaut',
      loras: [{ model_name: 'detail', weight: 0.6, is_enabled: true }],
      control_layers: [{ model_name: 'canny-sdxl', image_name: 'control.png', weight: 0.7, begin_step_percent: 0, end_step_percent: 0.8, control_mode: 'balanced' }],
      ip_adapters: [{ model_name: 'ip-adapter-sdxl', image_name: 'face.png', weight: 0.5, method: 'style' }],
    });
    expect(res.body.unmapped).toMatchObject({ generation_mode: 'sdxl_txt2img' });
    expect(res.body.model_refs).toContainEqual({ field: 'loras.0', name: 'detail', hash: 'ab'.repeat(32), algorithm: 'blake3' });
  });

  it("answers 200 with status 'none' for PNG and JPEG images without generation metadata", async () => {
    for (const [name, format] of [
      ['plain.png', 'png'],
      ['plain.jpg', 'jpeg'],
    ]) {
      const res = await metadataOf(name!);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'none', format, message: 'no generation metadata found' });
      expect(res.body.parameters).toBeUndefined();
    }
  });

  it('answers 404 for an image that does not exist, and for a symlink leading out of outputs/images', async () => {
    for (const name of ['missing.png', 'link.png']) {
      const res = await metadataOf(name);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 'RECALL_ERR_IMAGE_NOT_FOUND', detail: `Image not found: ${name}` });
    }
  });

  it('rejects a name with a path in it with 400, naming the field', async () => {
    const res = await getJson(`${srv.url}/api/v1/images/i/..%5Csecret.png/metadata`);
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['path', 'image_name']);
  });

  it('answers 422 with the reason for a damaged or unsupported file', async () => {
    const truncated = await metadataOf('truncated.png');
    expect(truncated.status).toBe(422);
    expect(truncated.body.code).toBe('RECALL_ERR_METADATA_UNREADABLE');
    expect(truncated.body.detail).toMatch(/^cannot read the metadata of truncated\.png: PNG chunk tEXt .* runs past the end of the file$/);

    const text = await metadataOf('not-an-image.png');
    expect(text.status).toBe(422);
    expect(text.body.detail).toBe('cannot read the metadata of not-an-image.png: file is not a PNG, JPEG or WebP image');

    const gif = await metadataOf('anim.gif');
    expect(gif.status).toBe(422);
    expect(gif.body.detail).toMatch(/GIF images are not supported/i);
  });

  const a1111Text = (prompt: string) => a1111Png(`${prompt}\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512`);

  it('serves the cached answer while the file keeps its size and mtime, and reads it again once they change', async () => {
    const file = path.join(images, 'cached.png');
    const first = await a1111Text('a red fox');
    const sameLength = await a1111Text('a tan fox');
    expect(sameLength.length).toBe(first.length);
    fs.writeFileSync(file, first);
    const when = new Date('2026-01-02T03:04:05Z');
    fs.utimesSync(file, when, when);
    expect((await metadataOf('cached.png')).body.parameters.positive_prompt).toBe('a red fox');

    // Same size, same mtime: the cache cannot tell, and answers what it read before.
    fs.writeFileSync(file, sameLength);
    fs.utimesSync(file, when, when);
    expect((await metadataOf('cached.png')).body.parameters.positive_prompt).toBe('a red fox');

    // A new mtime: read again.
    const later = new Date('2026-01-02T03:04:06Z');
    fs.utimesSync(file, later, later);
    expect((await metadataOf('cached.png')).body.parameters.positive_prompt).toBe('a tan fox');

    // A new size at the old mtime: read again too.
    fs.writeFileSync(file, await a1111Text('a grey wolf in snow'));
    fs.utimesSync(file, later, later);
    expect((await metadataOf('cached.png')).body.parameters.positive_prompt).toBe('a grey wolf in snow');
  });
});
