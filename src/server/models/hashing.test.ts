import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blake3 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTOV1_OFFSET, AUTOV1_LENGTH, byPathParts, hashModelFile, hashModelFolder } from './hashing.js';

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-hash-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A safetensors-shaped file: 8-byte header length, a JSON header, then `dataBytes` of patterned data. */
function writeSafetensors(file: string, dataBytes: number): Buffer {
  const header = Buffer.from(JSON.stringify({ 'w.weight': { dtype: 'U8', shape: [dataBytes], data_offsets: [0, dataBytes] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  const bytes = Buffer.concat([len, header, data]);
  fs.writeFileSync(file, bytes);
  return bytes;
}

describe('model hashing', () => {
  it('computes blake3 (known vector) of a small file', async () => {
    const file = path.join(dir, 'abc.ckpt');
    fs.writeFileSync(file, 'abc');
    const h = await hashModelFile(file);
    expect(h.blake3).toBe('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
    expect(h.sha256).toBe(sha256(Buffer.from('abc')));
    // A1111 hashes the empty slice of a file shorter than 1 MiB: the SHA-256 of nothing.
    expect(h.autov1).toBe('e3b0c442');
    expect(h.autov3).toBeNull();
  });

  it('computes every hash of a multi-chunk safetensors file in one pass, as A1111 and Civitai define them', async () => {
    const file = path.join(dir, 'big.safetensors');
    const bytes = writeSafetensors(file, 5 * 1024 * 1024 + 123);
    const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
    const h = await hashModelFile(file);
    expect(h.sha256).toBe(sha256(bytes));
    expect(h.autov2).toBe(sha256(bytes).slice(0, 10));
    expect(h.autov1).toBe(sha256(bytes.subarray(AUTOV1_OFFSET, AUTOV1_OFFSET + AUTOV1_LENGTH)).slice(0, 8));
    expect(h.autov3).toBe(sha256(bytes.subarray(dataStart)));
    expect(h.blake3).toBe(await blake3(bytes));
  });

  it('hashes a diffusers folder as InvokeAI does: blake3 over the sorted weight files\' blake3 digests, configs left out', async () => {
    const folder = path.join(dir, 'pipe');
    fs.mkdirSync(path.join(folder, 'unet'), { recursive: true });
    fs.mkdirSync(path.join(folder, 'vae'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'model_index.json'), '{"_class_name":"StableDiffusionPipeline"}');
    fs.writeFileSync(path.join(folder, 'vae', 'diffusion_pytorch_model.safetensors'), 'vae-weights');
    fs.writeFileSync(path.join(folder, 'unet', 'diffusion_pytorch_model.safetensors'), 'unet-weights');
    const expected = await blake3((await blake3('unet-weights')) + (await blake3('vae-weights')));
    const h = await hashModelFolder(folder);
    expect(h).toEqual({ blake3: expected, sha256: null, autov2: null, autov1: null, autov3: null });
    fs.writeFileSync(path.join(folder, 'model_index.json'), '{"changed":true}');
    expect((await hashModelFolder(folder)).blake3).toBe(expected);
  });

  it('orders a folder\'s weight files part by part, as Python orders paths, and counts symlinked files', async () => {
    const folder = path.join(dir, 'cache-snapshot');
    const blobs = path.join(dir, 'blobs');
    for (const d of ['unet', 'unet-fp16', 'unet.old', 'linked-dir-target']) fs.mkdirSync(path.join(folder, d), { recursive: true });
    fs.mkdirSync(blobs, { recursive: true });
    fs.writeFileSync(path.join(folder, 'unet', 'w.safetensors'), 'unet');
    fs.writeFileSync(path.join(folder, 'unet-fp16', 'w.safetensors'), 'unet-fp16');
    fs.writeFileSync(path.join(folder, 'unet.old', 'w.safetensors'), 'unet.old');
    // A Hugging Face cache stores the weights as blobs and links them into the snapshot.
    fs.writeFileSync(path.join(blobs, 'abc123'), 'vae-blob');
    fs.mkdirSync(path.join(folder, 'vae'));
    fs.symlinkSync(path.join(blobs, 'abc123'), path.join(folder, 'vae', 'w.safetensors'));
    // A linked folder is not entered, and a dangling link is not a file.
    fs.writeFileSync(path.join(folder, 'linked-dir-target', 'w.bin'), 'seen once');
    fs.symlinkSync(path.join(folder, 'linked-dir-target'), path.join(folder, 'zz-linked-dir'));
    fs.symlinkSync(path.join(blobs, 'missing'), path.join(folder, 'dangling.safetensors'));

    // Python: sorted([Path('unet-fp16/w'), Path('unet/w'), Path('unet.old/w')]) puts unet first; a string sort puts it last.
    const order = ['linked-dir-target', 'unet', 'unet-fp16', 'unet.old', 'vae'];
    const digests = { 'linked-dir-target': 'seen once', unet: 'unet', 'unet-fp16': 'unet-fp16', 'unet.old': 'unet.old', vae: 'vae-blob' } as const;
    let joined = '';
    for (const d of order) joined += await blake3(digests[d as keyof typeof digests]);
    expect((await hashModelFolder(folder)).blake3).toBe(await blake3(joined));
  });

  it('compares paths one folder level at a time', () => {
    const sorted = ['a/unet.old/w', 'a/unet/w', 'a/unet-fp16/w', 'a/unet/a/w', 'a/b'].sort(byPathParts);
    expect(sorted).toEqual(['a/b', 'a/unet/a/w', 'a/unet/w', 'a/unet-fp16/w', 'a/unet.old/w']);
  });
});
