import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/models.js';
import { writeImage, writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';
import { listen, settle } from '../helpers/socket.js';

let srv: InProcessServer;
let models: ModelConfig[];

beforeAll(async () => {
  const root = makeTempRoot();
  // Same names on several bases and types, to exercise the resolution rules.
  writeModelFile(root, { name: 'juggernaut', type: 'main', base: 'sdxl' });
  writeModelFile(root, { name: 'dreamshaper', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'flux-kontext-dev', type: 'main', base: 'flux' });
  writeModelFile(root, { name: 'sdxl-refiner-1.0', type: 'main', base: 'sdxl-refiner' });
  writeModelFile(root, { name: 'detail', type: 'lora', base: 'sd-1' });
  writeModelFile(root, { name: 'detail', type: 'lora', base: 'sdxl' });
  writeModelFile(root, { name: 'sdxl-vae', type: 'vae', base: 'sdxl', dir: 'sdxl/vae' });
  writeModelFile(root, { name: 'canny', type: 't2i_adapter', base: 'sdxl' });
  writeModelFile(root, { name: 'depth', type: 'controlnet', base: 'sdxl' });
  writeModelFile(root, { name: 'depth', type: 't2i_adapter', base: 'sdxl' });
  writeModelFile(root, { name: 'flux-canny-control', type: 'control_lora', base: 'flux' });
  writeModelFile(root, { name: 'flux-redux', type: 'flux_redux', base: 'flux' });
  writeModelFile(root, { name: 'ip-face', type: 'ip_adapter', base: 'sd-1' });
  await writeImage(root, 'a.png', 640, 480);
  await writeImage(root, 'b.jpg', 300, 200);
  await writeImage(root, 'c.webp', 128, 256);
  await writeImage(root, 'd.gif', 80, 90);
  srv = await startApp({ root });
  models = (await getJson(`${srv.url}/api/v2/models/`)).body.models;
});
afterAll(() => srv?.close());

const find = (name: string, type?: string, base?: string) =>
  models.find((m) => m.name === name && (!type || m.type === type) && (!base || m.base === base))!;
const recall = (queue: string, body: object, query = '') => postJson(`${srv.url}/api/v1/recall/${queue}${query}`, body);

describe('model resolution', () => {
  it('prefers the same-named LoRA whose base fits the main model of the request', async () => {
    const sd1 = await recall('res1', { model: 'dreamshaper', loras: [{ model_name: 'detail' }] });
    expect(sd1.body.parameters.loras[0]).toMatchObject({ model_key: find('detail', 'lora', 'sd-1').key, model_base: 'sd-1' });
    const xl = await recall('res1', { model: 'juggernaut', loras: [{ model_name: 'detail' }] });
    expect(xl.body.parameters.loras[0]).toMatchObject({ model_key: find('detail', 'lora', 'sdxl').key, model_base: 'sdxl' });
    expect(srv.logs().some((l) => /2 LoRA models are named 'detail'.*to fit base sdxl/.test(l.msg))).toBe(true);
  });

  it('uses the main model stored for the queue when the request names none', async () => {
    await recall('res2', { model: 'juggernaut' });
    const res = await recall('res2', { loras: [{ model_name: 'detail' }] });
    expect(res.body.parameters.loras[0].model_base).toBe('sdxl');
  });

  it('accepts a model key in place of a name', async () => {
    const key = find('juggernaut').key;
    const res = await recall('res3', { model: key, loras: [{ model_name: find('detail', 'lora', 'sd-1').key }] });
    expect(res.body.parameters.model).toBe(key);
    expect(res.body.parameters.loras[0].model_key).toBe(find('detail', 'lora', 'sd-1').key);
  });

  it('resolves refiner and VAE models, which the original never did', async () => {
    const res = await recall('res4', { model: 'juggernaut', refiner_model: 'sdxl-refiner-1.0', vae_model: 'sdxl-vae' });
    expect(res.body.parameters).toMatchObject({ refiner_model: find('sdxl-refiner-1.0').key, vae_model: find('sdxl-vae').key });
    expect(res.body.warnings).toEqual([]);
  });

  it('tries control adapters as ControlNet, then T2I Adapter, then Control LoRA, and says which type matched', async () => {
    const res = await recall('res5', {
      control_layers: [{ model_name: 'depth' }, { model_name: 'canny' }, { model_name: 'flux-canny-control' }],
    });
    expect(res.body.parameters.control_layers.map((c: any) => [c.model_name, c.model_type])).toEqual([
      ['depth', 'controlnet'],
      ['canny', 't2i_adapter'],
      ['flux-canny-control', 'control_lora'],
    ]);
  });

  it('tries IP adapters, then FLUX Redux, and keeps image influence', async () => {
    const res = await recall('res6', {
      ip_adapters: [
        { model_name: 'ip-face', weight: 0.4 },
        { model_name: 'flux-redux', image_influence: 'high', image_name: 'a.png' },
      ],
    });
    expect(res.body.parameters.ip_adapters).toMatchObject([
      { model_type: 'ip_adapter', weight: 0.4, method: 'full' },
      { model_type: 'flux_redux', image_influence: 'high', image: { image_name: 'a.png', width: 640, height: 480 } },
    ]);
  });

  it('does not resolve a name to a model of another type', async () => {
    const res = await recall('res7', { model: 'detail', vae_model: 'juggernaut' });
    expect(res.body.parameters.model).toBeUndefined();
    expect(res.body.parameters.vae_model).toBeUndefined();
    expect(res.body.warnings.map((w: any) => w.field)).toEqual(['model', 'vae_model']);
  });
});

describe('unresolved models and missing images', () => {
  it('skips them with warnings in request order, applies the rest, and logs the spec\'s lines', async () => {
    const listener = await listen(srv.url, 'warn');
    const res = await recall('warn', {
      steps: 22,
      loras: [{ model_name: 'nope-lora' }, { model_name: 'detail' }],
      control_layers: [{ model_name: 'depth', image_name: 'missing.png' }],
      reference_images: [{ image_name: 'gone.png' }, { image_name: 'b.jpg' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.parameters.steps).toBe(22);
    expect(res.body.parameters.loras.map((l: any) => l.model_name)).toEqual(['detail']);
    // A control layer whose image is missing is kept, without the image.
    expect(res.body.parameters.control_layers).toHaveLength(1);
    expect(res.body.parameters.control_layers[0].image).toBeUndefined();
    expect(res.body.parameters.reference_images).toEqual([{ image: { image_name: 'b.jpg', width: 300, height: 200 } }]);
    expect(res.body.warnings.map((w: any) => [w.field, w.code])).toEqual([
      ['loras.0.model_name', 'MODEL_NOT_FOUND'],
      ['control_layers.0.image_name', 'IMAGE_NOT_FOUND'],
      ['reference_images.0.image_name', 'IMAGE_NOT_FOUND'],
    ]);
    const event = await listener.next();
    expect(event.warnings).toEqual(res.body.warnings);
    listener.close();
    const warns = srv.logs().filter((l) => l.level === 40).map((l) => l.msg);
    expect(warns).toContain("Could not find model 'nope-lora' of type LoRA; skipping loras[0]");
    expect(warns).toContain(`Image file not found: missing.png (searched in ${path.join(srv.root, 'outputs', 'images')})`);
    // The stored state keeps what was sent, names included (resolution never rewrites storage).
    const state = (await getJson(`${srv.url}/api/v1/recall/warn`)).body;
    expect(state.stored.loras.map((l: any) => l.model_name)).toEqual(['nope-lora', 'detail']);
  });

  it('measures PNG, JPEG, WebP and GIF images from their headers', async () => {
    const res = await recall('sizes', { reference_images: ['a.png', 'b.jpg', 'c.webp', 'd.gif'].map((image_name) => ({ image_name })) });
    expect(res.body.parameters.reference_images.map((r: any) => [r.image.width, r.image.height])).toEqual([
      [640, 480],
      [300, 200],
      [128, 256],
      [80, 90],
    ]);
  });
});

describe('strict and append', () => {
  it('strict clears every list the request does not give', async () => {
    await recall('strict', { loras: [{ model_name: 'detail' }], reference_images: [{ image_name: 'a.png' }] });
    const res = await recall('strict', { steps: 5 }, '?strict=true');
    expect(res.body.updated_count).toBe(5);
    expect(res.body.parameters).toEqual({ steps: 5, loras: [], control_layers: [], ip_adapters: [], reference_images: [] });
    const state = (await getJson(`${srv.url}/api/v1/recall/strict`)).body;
    expect(state.stored).toMatchObject({ loras: [], reference_images: [], control_layers: [], ip_adapters: [] });
  });

  it('append adds reference images and IP adapters to the stored ones, and flags the event', async () => {
    const listener = await listen(srv.url, 'append');
    await recall('append', { reference_images: [{ image_name: 'a.png' }], ip_adapters: [{ model_name: 'ip-face' }] });
    await listener.next();
    const res = await recall('append', { reference_images: [{ image_name: 'b.jpg' }], ip_adapters: [{ model_name: 'flux-redux' }] }, '?append=true');
    // The event carries the new entries with append: true; the front end adds them to its list.
    expect(res.body.parameters).toMatchObject({ append: true, reference_images: [{ image: { image_name: 'b.jpg' } }] });
    const event = await listener.next();
    expect(event.parameters.append).toBe(true);
    expect(event.parameters.ip_adapters!.map((a) => a.model_name)).toEqual(['flux-redux']);
    listener.close();
    // Storage holds the whole list, so a late client catches up with both.
    const state = (await getJson(`${srv.url}/api/v1/recall/append`)).body;
    expect(state.stored.reference_images).toEqual([{ image_name: 'a.png' }, { image_name: 'b.jpg' }]);
    expect(state.parameters.ip_adapters.map((a: any) => a.model_name)).toEqual(['ip-face', 'flux-redux']);
    expect(state.parameters.append).toBeUndefined();
  });

  it('append keeps only the newest 50 reference images', async () => {
    const many = Array.from({ length: 30 }, () => ({ image_name: 'a.png' }));
    await recall('append-cap', { reference_images: many });
    await recall('append-cap', { reference_images: [...many.slice(0, 29), { image_name: 'b.jpg' }] }, '?append=1');
    const state = (await getJson(`${srv.url}/api/v1/recall/append-cap`)).body;
    expect(state.stored.reference_images).toHaveLength(50);
    expect(state.stored.reference_images.at(-1)).toEqual({ image_name: 'b.jpg' });
  });
});

describe('queues', () => {
  it('keeps two queues apart: storage and events', async () => {
    const a = await listen(srv.url, 'queue-a');
    const b = await listen(srv.url, 'queue-b');
    await recall('queue-a', { positive_prompt: 'for a' });
    await recall('queue-b', { positive_prompt: 'for b' });
    expect((await a.next()).parameters.positive_prompt).toBe('for a');
    expect((await b.next()).parameters.positive_prompt).toBe('for b');
    await settle();
    expect(a.events).toHaveLength(1);
    expect(b.events).toHaveLength(1);
    expect((await getJson(`${srv.url}/api/v1/recall/queue-a`)).body.stored).toEqual({ positive_prompt: 'for a' });
    expect((await getJson(`${srv.url}/api/v1/recall/queue-b`)).body.stored).toEqual({ positive_prompt: 'for b' });
    a.close();
    b.close();
  });

  it('stops sending to a client that unsubscribed', async () => {
    const c = await listen(srv.url, 'leaving');
    await new Promise((r) => c.socket.emit('unsubscribe_queue', { queue_id: 'leaving' }, r));
    await recall('leaving', { seed: 3 });
    await settle();
    expect(c.events).toEqual([]);
    c.close();
  });

  it('refuses to subscribe to a malformed queue id', async () => {
    const c = await listen(srv.url, 'ok-queue');
    const ack: any = await new Promise((r) => c.socket.emit('subscribe_queue', { queue_id: '../etc' }, r));
    expect(ack).toMatchObject({ ok: false });
    c.close();
  });

  it('GET of a queue never recalled answers revision 0 and empty parameters', async () => {
    const res = await getJson(`${srv.url}/api/v1/recall/never-used`);
    expect(res.body).toEqual({ status: 'success', queue_id: 'never-used', revision: 0, updated_at: null, parameters: {}, stored: {}, warnings: [] });
  });

  it('stores every value under its recall_* key in the queue\'s client state', async () => {
    await recall('keys', { seed: 7, loras: [{ model_name: 'detail', weight: 1 }] });
    const keys = (await getJson(`${srv.url}/api/v1/client_state/keys/get_keys_by_prefix?prefix=recall_`)).body;
    expect(keys.sort()).toEqual(['recall_loras', 'recall_seed']);
    const seed = (await getJson(`${srv.url}/api/v1/client_state/keys/get_by_key?key=recall_seed`)).body;
    expect(seed).toBe('7');
    expect(fs.existsSync(path.join(srv.root, 'databases', 'recall.db'))).toBe(true);
  });
});
