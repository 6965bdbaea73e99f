import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { blake3 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/models.js';
import type { ModelSpec } from '../helpers/fixtures.js';
import { writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { a1111Png, invokeAiPng } from '../helpers/generated-images.js';
import { CLI, makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/*
 * Matching by content hash (issue 4, "Model matching beyond names"): an image names a model and gives
 * its hash; the registry model with that hash is used even when another model carries the name.
 */

/** A model file whose tensor data (not only its header) is unique to `seed`, so every hash differs. */
function writeDistinctModel(root: string, spec: ModelSpec, seed: number): Buffer {
  const file = writeModelFile(root, spec);
  const bytes = fs.readFileSync(file);
  const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
  for (let i = dataStart; i < bytes.length; i++) bytes[i] = (i * seed + seed) & 0xff;
  fs.writeFileSync(file, bytes);
  return bytes;
}
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

let root: string;
let srv: InProcessServer;
let models: ModelConfig[];
let renamedMain: Buffer;
let renamedXlLora: Buffer;

const keyOf = (name: string) => models.find((m) => m.name === name)!.key;

/** The registry once every model has its hashes (the hasher works in the background). */
async function waitForHashes(url: string): Promise<ModelConfig[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const list: ModelConfig[] = (await getJson(`${url}/api/v2/models/`)).body.models;
    if (list.every((m) => m.hashes.blake3 !== null)) return list;
    if (Date.now() > deadline) throw new Error(`models still unhashed: ${list.filter((m) => !m.hashes.blake3).map((m) => m.name)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  root = makeTempRoot();
  writeDistinctModel(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' }, 3);
  renamedMain = writeDistinctModel(root, { name: 'dreamshaper-8-pruned', type: 'main', base: 'sd-1' }, 5);
  writeDistinctModel(root, { name: 'detail-tweaker', type: 'lora', base: 'sd-1' }, 7);
  writeDistinctModel(root, { name: 'add_detail_v2', type: 'lora', base: 'sd-1' }, 11);
  writeDistinctModel(root, { name: 'detail', type: 'lora', base: 'sdxl' }, 13);
  renamedXlLora = writeDistinctModel(root, { name: 'xl-detailer', type: 'lora', base: 'sdxl' }, 17);
  writeDistinctModel(root, { name: 'juggernaut', type: 'main', base: 'sdxl' }, 19);
  // The background hasher runs after the start-up scan; requests are served meanwhile.
  srv = await startApp({ root, keepRoot: true });
  models = await waitForHashes(srv.url);
});
afterAll(async () => {
  await srv?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('model hashes', () => {
  it('computes and publishes every hash of each model in the background', () => {
    const m = models.find((x) => x.name === 'dreamshaper-8-pruned')!;
    expect(m.hashes.sha256).toBe(sha256(renamedMain));
    expect(m.hashes.autov2).toBe(sha256(renamedMain).slice(0, 10));
    expect(m.hash).toBe(`blake3:${m.hashes.blake3}`);
    expect(m.hashes.autov3).toMatch(/^[0-9a-f]{64}$/);
    expect(m.hashes.autov1).toMatch(/^[0-9a-f]{8}$/);
  });

  it('uses the model whose A1111 hashes match over the models that carry the names', async () => {
    const autov2 = sha256(renamedMain).slice(0, 10);
    const loraAutov3 = models.find((m) => m.name === 'add_detail_v2')!.hashes.autov3!.slice(0, 12);
    const png = await a1111Png(
      'a cat <lora:detail-tweaker:0.8>\nNegative prompt: x\n' +
        `Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512, Model hash: ${autov2}, Model: dreamshaper_8, ` +
        `Lora hashes: "detail-tweaker: ${loraAutov3}", Version: v1.9.4`,
    );
    const res = await postJson(`${srv.url}/api/v1/recall/h1/from_image`, { image_base64: png.toString('base64') });
    expect(res.status).toBe(200);
    expect(res.body.parameters.model).toBe(keyOf('dreamshaper-8-pruned'));
    expect(res.body.parameters.loras[0]).toMatchObject({ model_key: keyOf('add_detail_v2'), model_name: 'add_detail_v2', weight: 0.8 });
    const logs = srv.logs().map((l) => l.msg);
    expect(logs).toContainEqual(expect.stringMatching(/Matched main model 'dreamshaper_8' by autov2 hash .* to 'dreamshaper-8-pruned'.*the names differ/));
    expect(logs).toContainEqual(expect.stringMatching(/Matched LoRA model 'detail-tweaker' by autov3 hash .* to 'add_detail_v2'/));

    // A later GET resolves the stored names the same way: the hashes were kept with the recall.
    const state = (await getJson(`${srv.url}/api/v1/recall/h1`)).body;
    expect(state.stored.model).toBe('dreamshaper_8');
    expect(state.parameters.model).toBe(keyOf('dreamshaper-8-pruned'));
    expect(state.parameters.loras[0].model_key).toBe(keyOf('add_detail_v2'));
  });

  it("uses the model whose InvokeAI blake3 hash matches over the one named in the image", async () => {
    const hash = `blake3:${await blake3(renamedXlLora)}`;
    const png = await invokeAiPng({ loras: [{ model: { key: 'elsewhere', hash, name: 'detail', base: 'sdxl', type: 'lora' }, weight: 0.4 }] });
    const res = await postJson(`${srv.url}/api/v1/recall/h2/from_image`, { image_base64: png.toString('base64') });
    expect(res.body.parameters.loras).toEqual([expect.objectContaining({ model_key: keyOf('xl-detailer'), weight: 0.4 })]);
    expect(res.body.parameters.model).toBe(keyOf('juggernaut'));
  });

  it('falls back to the name when no registry model has the hash', async () => {
    const png = await a1111Png(
      'a dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512, Model hash: ffffffffff, Model: dreamshaper_8, Version: v1.9.4',
    );
    const res = await postJson(`${srv.url}/api/v1/recall/h3/from_image`, { image_base64: png.toString('base64') });
    expect(res.body.parameters.model).toBe(keyOf('dreamshaper_8'));
  });

  it('recomputes the hashes of a model whose file changed at the next scan', async () => {
    const file = `${root}/models/sd-1/lora/detail-tweaker.safetensors`;
    fs.appendFileSync(file, Buffer.alloc(16, 9));
    const before = models.find((m) => m.name === 'detail-tweaker')!.hashes.sha256;
    await postJson(`${srv.url}/api/v2/models/scan`, {});
    const after = await waitForHashes(srv.url);
    const m = after.find((x) => x.name === 'detail-tweaker')!;
    expect(m.hashes.sha256).toBe(sha256(fs.readFileSync(file)));
    expect(m.hashes.sha256).not.toBe(before);
  });
});

describe('recall models scan --hash', () => {
  it('scans and hashes in the foreground, so the registry has every hash when it returns', async () => {
    const cliRoot = makeTempRoot();
    try {
      const bytes = writeDistinctModel(cliRoot, { name: 'solo', type: 'lora', base: 'sd-1' }, 23);
      const run = await promisify(execFile)(process.execPath, [CLI, 'models', 'scan', '--root', cliRoot, '--hash', '--json'], { timeout: 30_000 });
      expect(JSON.parse(run.stdout)).toMatchObject({ added: 1, hashing: { hashed: 1, deferred: [] } });
      const list = await promisify(execFile)(process.execPath, [CLI, 'models', 'list', '--root', cliRoot, '--json']);
      expect(JSON.parse(list.stdout).models[0].hashes.sha256).toBe(sha256(bytes));
    } finally {
      fs.rmSync(cliRoot, { recursive: true, force: true });
    }
  });
});
