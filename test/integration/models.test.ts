import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/models.js';
import { safetensorsBytes, writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

let srv: InProcessServer;
let root: string;

const models = async (query = ''): Promise<ModelConfig[]> => (await getJson(`${srv.url}/api/v2/models/${query}`)).body.models;

beforeAll(async () => {
  root = makeTempRoot();
  // Classified from the header alone: all in one flat folder, no convention to lean on.
  const flat = 'downloads';
  writeModelFile(root, { name: 'sd15-main', type: 'main', base: 'sd-1', dir: flat });
  writeModelFile(root, { name: 'sd2-main', type: 'main', base: 'sd-2', dir: flat });
  writeModelFile(root, { name: 'xl-main', type: 'main', base: 'sdxl', dir: flat });
  writeModelFile(root, { name: 'xl-refiner', type: 'main', base: 'sdxl-refiner', dir: flat });
  writeModelFile(root, { name: 'flux-main', type: 'main', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'flux2-main', type: 'main', base: 'flux2', dir: flat });
  writeModelFile(root, { name: 'sd3-main', type: 'main', base: 'sd-3', dir: flat });
  writeModelFile(root, { name: 'qwen-main', type: 'main', base: 'qwen-image', dir: flat });
  writeModelFile(root, { name: 'sd15-lora', type: 'lora', base: 'sd-1', dir: flat });
  writeModelFile(root, { name: 'xl-lora', type: 'lora', base: 'sdxl', dir: flat });
  writeModelFile(root, { name: 'flux-lora', type: 'lora', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'xl-cn', type: 'controlnet', base: 'sdxl', dir: flat });
  writeModelFile(root, { name: 'flux-cn', type: 'controlnet', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'flux-control-lora', type: 'control_lora', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'sd15-ip', type: 'ip_adapter', base: 'sd-1', dir: flat });
  writeModelFile(root, { name: 'redux', type: 'flux_redux', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'flux-vae', type: 'vae', base: 'flux', dir: flat });
  writeModelFile(root, { name: 'clip-vit', type: 'clip_vision', base: 'any', dir: flat });
  // Classified by the folder convention: the header cannot tell a T2I adapter's base, a .ckpt has no header.
  writeModelFile(root, { name: 'xl-t2i', type: 't2i_adapter', base: 'sdxl' });
  fs.mkdirSync(path.join(root, 'models', 'sd-1', 'main'), { recursive: true });
  fs.writeFileSync(path.join(root, 'models', 'sd-1', 'main', 'old-ckpt.ckpt'), Buffer.alloc(1024, 1));
  // A diffusers folder.
  const diffusers = path.join(root, 'models', 'pipelines', 'my-sdxl');
  fs.mkdirSync(path.join(diffusers, 'unet'), { recursive: true });
  fs.writeFileSync(path.join(diffusers, 'model_index.json'), JSON.stringify({ _class_name: 'StableDiffusionXLPipeline' }));
  fs.writeFileSync(path.join(diffusers, 'unet', 'diffusion_pytorch_model.safetensors'), safetensorsBytes({ 'x.weight': [4] }));
  // Damaged files: skipped with a warning, never fatal.
  const good = safetensorsBytes({ 'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': [4, 768] });
  fs.writeFileSync(path.join(root, 'models', 'truncated.safetensors'), good.subarray(0, good.length - 10));
  fs.writeFileSync(path.join(root, 'models', 'garbage.safetensors'), Buffer.from('not a model at all, just text'));
  fs.writeFileSync(path.join(root, 'models', 'unknown.ckpt'), Buffer.alloc(10, 1));
  srv = await startApp({ root });
});
afterAll(() => srv?.close());

describe('model scan', () => {
  it('decides type and base from the safetensors header', async () => {
    const all = await models();
    const got = Object.fromEntries(all.map((m) => [m.name, `${m.type}/${m.base}`]));
    expect(got).toMatchObject({
      'sd15-main': 'main/sd-1',
      'sd2-main': 'main/sd-2',
      'xl-main': 'main/sdxl',
      'xl-refiner': 'main/sdxl-refiner',
      'flux-main': 'main/flux',
      'flux2-main': 'main/flux2',
      'sd3-main': 'main/sd-3',
      'qwen-main': 'main/qwen-image',
      'sd15-lora': 'lora/sd-1',
      'xl-lora': 'lora/sdxl',
      'flux-lora': 'lora/flux',
      'xl-cn': 'controlnet/sdxl',
      'flux-cn': 'controlnet/flux',
      'flux-control-lora': 'control_lora/flux',
      'sd15-ip': 'ip_adapter/sd-1',
      redux: 'flux_redux/flux',
      'flux-vae': 'vae/flux',
      'clip-vit': 'clip_vision/any',
    });
  });

  it('falls back to models/{base}/{type}/ where the file cannot tell, and reads diffusers folders', async () => {
    const all = await models();
    expect(all.find((m) => m.name === 'xl-t2i')).toMatchObject({ type: 't2i_adapter', base: 'sdxl', format: 'checkpoint' });
    expect(all.find((m) => m.name === 'old-ckpt')).toMatchObject({ type: 'main', base: 'sd-1' });
    expect(all.find((m) => m.name === 'my-sdxl')).toMatchObject({ type: 'main', base: 'sdxl', format: 'diffusers', path: path.join('pipelines', 'my-sdxl') });
  });

  it('skips corrupt, truncated and unclassifiable files with a warning', async () => {
    const names = (await models()).map((m) => m.name);
    expect(names).not.toContain('truncated');
    expect(names).not.toContain('garbage');
    expect(names).not.toContain('unknown');
    const warns = srv.logs().filter((l) => l.level === 40).map((l) => l.msg);
    expect(warns.some((w) => w.startsWith('Skipped model file truncated.safetensors: corrupt or truncated safetensors'))).toBe(true);
    expect(warns.some((w) => w.startsWith('Skipped model file garbage.safetensors'))).toBe(true);
    expect(warns.some((w) => w.startsWith('Skipped model file unknown.ckpt: cannot tell the model type'))).toBe(true);
  });

  it('a rescan keeps keys stable, adds new files and marks vanished ones', async () => {
    const before = new Map((await models()).map((m) => [m.name, m.key]));
    fs.rmSync(path.join(root, 'models', 'downloads', 'xl-lora.safetensors'));
    writeModelFile(root, { name: 'new-lora', type: 'lora', base: 'sdxl' });
    const summary = (await postJson(`${srv.url}/api/v2/models/scan`, '')).body;
    expect(summary).toMatchObject({ added: 1, missing: 1, updated: 0 });
    const after = await models();
    for (const m of after) if (before.has(m.name)) expect(m.key).toBe(before.get(m.name));
    expect(after.map((m) => m.name)).toContain('new-lora');
    expect(after.map((m) => m.name)).not.toContain('xl-lora');
    const withMissing = await models('?include_missing=true');
    expect(withMissing.find((m) => m.name === 'xl-lora')).toMatchObject({ missing: true, key: before.get('xl-lora') });
    // A model that comes back keeps its old key.
    writeModelFile(root, { name: 'xl-lora', type: 'lora', base: 'sdxl', dir: 'downloads' });
    await postJson(`${srv.url}/api/v2/models/scan`, '');
    expect((await models()).find((m) => m.name === 'xl-lora')?.key).toBe(before.get('xl-lora'));
  });

  it('a missing model no longer resolves', async () => {
    fs.rmSync(path.join(root, 'models', 'downloads', 'sd15-lora.safetensors'));
    await postJson(`${srv.url}/api/v2/models/scan`, '');
    const res = await postJson(`${srv.url}/api/v1/recall/missing`, { loras: [{ model_name: 'sd15-lora' }] });
    expect(res.body.parameters.loras).toEqual([]);
  });
});

describe('model routes', () => {
  it('filters the list by type, base (repeatable) and name', async () => {
    expect((await models('?model_type=lora')).every((m) => m.type === 'lora')).toBe(true);
    const bases = await models('?base_models=flux&base_models=flux2&model_type=main');
    expect(bases.map((m) => m.name).sort()).toEqual(['flux-main', 'flux2-main']);
    expect((await models('?model_name=redux')).map((m) => m.name)).toEqual(['redux']);
  });

  it('rejects an unknown type filter with a 400', async () => {
    const res = await getJson(`${srv.url}/api/v2/models/?model_type=checkpoint`);
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['query', 'model_type']);
  });

  it('gets one model by attributes and by key, 404 otherwise', async () => {
    const byAttrs = await getJson(`${srv.url}/api/v2/models/get_by_attrs?name=xl-main&type=main&base=sdxl`);
    expect(byAttrs.status).toBe(200);
    expect(byAttrs.body).toMatchObject({ name: 'xl-main', type: 'main', base: 'sdxl', format: 'checkpoint' });
    expect(byAttrs.body.file_size).toBeGreaterThan(0);
    expect(byAttrs.body.source).toBe(path.join(root, 'models', 'downloads', 'xl-main.safetensors'));
    const byKey = await getJson(`${srv.url}/api/v2/models/i/${byAttrs.body.key}`);
    expect(byKey.body).toEqual(byAttrs.body);
    expect((await getJson(`${srv.url}/api/v2/models/get_by_attrs?name=xl-main&type=main&base=sd-1`)).status).toBe(404);
    const missing = await getJson(`${srv.url}/api/v2/models/i/00000000-0000-0000-0000-000000000000`);
    expect(missing).toMatchObject({ status: 404, body: { code: 'RECALL_ERR_MODEL_NOT_FOUND' } });
  });
});
