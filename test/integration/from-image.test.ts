import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/models.js';
import { writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { A1111_PARAMETERS, a1111Png, invokeAiMetadata, invokeAiPng, plainPng } from '../helpers/generated-images.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';
import { listen } from '../helpers/socket.js';

/* POST /api/v1/recall/{queue_id}/from_image, with images written by the tests (issue 4, "Recalling"). */

let srv: InProcessServer;
let models: ModelConfig[];
let invokePng: Buffer;
let a1111: Buffer;
let web: http.Server;
let webUrl: string;

beforeAll(async () => {
  const root = makeTempRoot();
  writeModelFile(root, { name: 'juggernaut', type: 'main', base: 'sdxl' });
  writeModelFile(root, { name: 'detail', type: 'lora', base: 'sdxl' });
  writeModelFile(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'detail-tweaker', type: 'lora', base: 'sd-1' });
  invokePng = await invokeAiPng({ loras: [{ model: { key: 'x', hash: 'random:1', name: 'detail', base: 'sdxl', type: 'lora' }, weight: 0.6 }] });
  a1111 = await a1111Png(A1111_PARAMETERS);
  fs.writeFileSync(path.join(root, 'outputs', 'images', 'invoke.png'), invokePng);
  fs.writeFileSync(path.join(root, 'outputs', 'images', 'plain.png'), await plainPng());
  web = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(req.url === '/a1111.png' ? a1111 : invokePng);
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  srv = await startApp({ root, settings: { urlAllowList: '127.0.0.1', hashModels: false } });
  models = (await getJson(`${srv.url}/api/v2/models/`)).body.models;
});
afterAll(async () => {
  await srv?.close();
  await new Promise<void>((resolve) => web.close(() => resolve()));
});

const keyOf = (name: string) => models.find((m) => m.name === name)!.key;
const fromImage = (queue: string, body: object, query = '') => postJson(`${srv.url}/api/v1/recall/${queue}/from_image${query}`, body);
async function upload(queue: string, bytes: Buffer, filename: string, query = '') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), filename);
  const res = await fetch(`${srv.url}/api/v1/recall/${queue}/from_image${query}`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}
const imageCount = () => fs.readdirSync(path.join(srv.root, 'outputs', 'images')).filter((f) => f.endsWith('.png')).length;

describe('recall from an image', () => {
  it('recalls an image of outputs/images by name, with the same response and event as a plain POST of its parameters', async () => {
    const listener = await listen(srv.url, 'fi1');
    const res = await fromImage('fi1', { image_name: 'invoke.png' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'success',
      queue_id: 'fi1',
      source: { tool: 'invokeai', version: '5.6.0' },
      image: { image_name: 'invoke.png', width: 64, height: 48 },
      remix: false,
      unmapped: { generation_mode: 'sdxl_txt2img' },
    });
    const meta = invokeAiMetadata();
    expect(res.body.parameters).toMatchObject({
      positive_prompt: meta.positive_prompt,
      negative_prompt: meta.negative_prompt,
      seed: meta.seed,
      steps: 30,
      cfg_scale: 6.5,
      width: 1024,
      height: 768,
      scheduler: 'dpmpp_2m_k',
      model: keyOf('juggernaut'),
      loras: [{ model_key: keyOf('detail'), weight: 0.6, is_enabled: true }],
    });
    const event = await listener.next();
    expect(event.parameters).toEqual(res.body.parameters);
    expect(event.warnings).toEqual(res.body.warnings);
    listener.close();

    // The very same answer as POSTing what was read.
    const plain = await postJson(`${srv.url}/api/v1/recall/fi1-plain`, {
      positive_prompt: meta.positive_prompt,
      negative_prompt: meta.negative_prompt,
      width: 1024,
      height: 768,
      seed: meta.seed,
      steps: 30,
      cfg_scale: 6.5,
      scheduler: 'dpmpp_2m_k',
      model: 'juggernaut',
      loras: [{ model_name: 'detail', weight: 0.6 }],
    });
    expect(res.body.parameters).toEqual(plain.body.parameters);
    expect(res.body.updated_count).toBe(plain.body.updated_count);
    expect((await getJson(`${srv.url}/api/v1/recall/fi1`)).body.stored).toEqual((await getJson(`${srv.url}/api/v1/recall/fi1-plain`)).body.stored);
  });

  it('recalls an uploaded AUTOMATIC1111 image and keeps it in outputs/images', async () => {
    const res = await upload('fi2', a1111, 'cat.png');
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ tool: 'automatic1111', version: 'v1.9.4' });
    expect(res.body.parameters).toMatchObject({
      positive_prompt: 'a cat wearing a tiny hat, studio light',
      negative_prompt: 'ugly, lowres',
      steps: 25,
      cfg_scale: 7,
      seed: 987654,
      width: 512,
      height: 768,
      scheduler: 'dpmpp_2m_k',
      model: keyOf('dreamshaper_8'),
      loras: [{ model_key: keyOf('detail-tweaker'), weight: 0.8 }],
    });
    expect(res.body.model_refs).toEqual([{ field: 'model', name: 'dreamshaper_8', hash: '0123456789', algorithm: 'autov2' }]);
    expect(fs.readFileSync(path.join(srv.root, 'outputs', 'images', res.body.image.image_name))).toEqual(a1111);
  });

  it('recalls a base64 image sent in the JSON body', async () => {
    const res = await fromImage('fi3', { image_base64: `data:image/png;base64,${a1111.toString('base64')}` });
    expect(res.status).toBe(200);
    expect(res.body.parameters.seed).toBe(987654);
  });

  it('recalls an image fetched from a URL', async () => {
    const res = await fromImage('fi4', { image_url: `${webUrl}/a1111.png` });
    expect(res.status).toBe(200);
    expect(res.body.source.tool).toBe('automatic1111');
  });

  it('leaves the seed out with remix=true, storing and broadcasting everything else', async () => {
    const listener = await listen(srv.url, 'fi5');
    const res = await fromImage('fi5', { image_name: 'invoke.png' }, '?remix=true');
    expect(res.status).toBe(200);
    expect(res.body.remix).toBe(true);
    expect(res.body.parameters).not.toHaveProperty('seed');
    expect(res.body.parameters.positive_prompt).toBe(invokeAiMetadata().positive_prompt);
    expect((await listener.next()).parameters).not.toHaveProperty('seed');
    listener.close();
    expect((await getJson(`${srv.url}/api/v1/recall/fi5`)).body.stored).not.toHaveProperty('seed');
  });

  it('honours strict and append like the plain POST', async () => {
    await postJson(`${srv.url}/api/v1/recall/fi6`, { loras: [{ model_name: 'detail-tweaker' }], reference_images: [{ image_name: 'plain.png' }] });
    const strict = await upload('fi6', a1111, 'a.png', '?strict=true');
    expect(strict.body.parameters.reference_images).toEqual([]);
    expect(strict.body.parameters.control_layers).toEqual([]);
    const both = await fromImage('fi6', { image_name: 'invoke.png' }, '?strict=true&append=true');
    expect(both.status).toBe(400);
  });

  it('answers 422 for an image without generation metadata, and keeps no upload', async () => {
    const before = imageCount();
    const up = await upload('fi7', await plainPng(), 'holiday.png');
    expect(up.status).toBe(422);
    expect(up.body).toEqual({ code: 'RECALL_ERR_NO_METADATA', detail: 'no generation metadata found in the uploaded file holiday.png' });
    expect(imageCount()).toBe(before);
    const named = await fromImage('fi7', { image_name: 'plain.png' });
    expect(named.status).toBe(422);
    expect(named.body.detail).toBe('no generation metadata found in plain.png');
    expect((await getJson(`${srv.url}/api/v1/recall/fi7`)).body.revision).toBe(0);
  });

  it('answers 400 for a file that is not an image, and 422 for a damaged one', async () => {
    const text = await upload('fi8', Buffer.from('these are not the pixels you are looking for'), 'notes.png');
    expect(text.status).toBe(400);
    expect(text.body.code).toBe('RECALL_ERR_NOT_AN_IMAGE');
    const truncated = await upload('fi8', a1111.subarray(0, 60), 'cut.png');
    expect(truncated.status).toBe(422);
    expect(truncated.body.code).toBe('RECALL_ERR_METADATA_UNREADABLE');
  });

  it('needs exactly one image, and names a missing one', async () => {
    expect((await fromImage('fi9', {})).status).toBe(400);
    const two = await fromImage('fi9', { image_name: 'invoke.png', image_url: `${webUrl}/a.png` });
    expect(two.status).toBe(400);
    expect(two.body.detail[0].msg).toContain('only one image');
    const missing = await fromImage('fi9', { image_name: 'nope.png' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RECALL_ERR_IMAGE_NOT_FOUND');
  });

  it('answers 422 for a refused URL and 400 for a malformed one', async () => {
    const refused = await fromImage('fi10', { image_url: 'http://169.254.169.254/latest/meta-data/' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('RECALL_ERR_URL_REFUSED');
    expect(refused.body.detail).toContain('link-local');
    const malformed = await fromImage('fi10', { image_url: 'http://' });
    expect(malformed.status).toBe(400);
  });

  it('is described in the OpenAPI document with its options', async () => {
    const doc = (await getJson(`${srv.url}/openapi.json`)).body;
    const op = doc.paths['/api/v1/recall/{queue_id}/from_image'].post;
    expect(op.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['remix', 'strict', 'append', 'queue_id']));
  });
});
