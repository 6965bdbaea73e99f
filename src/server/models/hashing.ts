import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createBLAKE3, createSHA256, type IHasher } from 'hash-wasm';
import type { ModelHashes } from '../../shared/models.js';

/**
 * The content hashes images carry, computed in ONE pass over a model file (hash-wasm's incremental
 * BLAKE3 and SHA-256), so a 7 GB checkpoint is read once:
 * - blake3: InvokeAI's `blake3:` model hash.
 * - sha256, and autov2 = its first 10 hex digits (A1111 "Model hash", Civitai AutoV2).
 * - autov1: A1111's old 8-hex hash, the SHA-256 of the 64 KiB at offset 1 MiB.
 * - autov3: for a safetensors file, the SHA-256 of everything after the header (A1111's "addnet"
 *   LoRA hash, shown as 12 digits in "Lora hashes"; Civitai AutoV3).
 * Pure functions over the file system: the worker runs them, tests call them directly.
 */

const CHUNK_BYTES = 4 * 1024 * 1024;
export const AUTOV1_OFFSET = 0x100000;
export const AUTOV1_LENGTH = 0x10000;
/** Files InvokeAI counts as weights inside a diffusers folder (its MODEL_FILE_EXTENSIONS). */
const FOLDER_WEIGHT_EXTENSIONS = ['.ckpt', '.safetensors', '.bin', '.pt', '.pth'];

/** Feeds `hasher` the part of `chunk` (at file offset `pos`) that lies in [start, end). */
function feedRange(hasher: IHasher, chunk: Uint8Array, pos: number, start: number, end: number): void {
  const from = Math.max(start, pos);
  const to = Math.min(end, pos + chunk.length);
  if (from < to) hasher.update(chunk.subarray(from - pos, to - pos));
}

/** Where a safetensors file's tensor data starts (8 + header length), or null when it is not one. */
async function safetensorsDataStart(file: string, size: number): Promise<number | null> {
  if (path.extname(file).toLowerCase() !== '.safetensors' || size < 8) return null;
  const handle = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    await handle.read(buf, 0, 8, 0);
    const start = 8n + buf.readBigUInt64LE(0);
    return start <= BigInt(size) ? Number(start) : null;
  } finally {
    await handle.close();
  }
}

export async function hashModelFile(file: string): Promise<ModelHashes> {
  const { size } = await fsp.stat(file);
  const dataStart = await safetensorsDataStart(file, size);
  const [blake3, sha256, autov1, autov3] = await Promise.all([createBLAKE3(), createSHA256(), createSHA256(), createSHA256()]);
  for (const h of [blake3, sha256, autov1, autov3]) h.init();
  let pos = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    blake3.update(chunk);
    sha256.update(chunk);
    feedRange(autov1, chunk, pos, AUTOV1_OFFSET, AUTOV1_OFFSET + AUTOV1_LENGTH);
    if (dataStart !== null) feedRange(autov3, chunk, pos, dataStart, Infinity);
    pos += chunk.length;
  }
  const sha = sha256.digest('hex');
  return {
    blake3: blake3.digest('hex'),
    sha256: sha,
    autov2: sha.slice(0, 10),
    autov1: autov1.digest('hex').slice(0, 8),
    autov3: dataStart === null ? null : autov3.digest('hex'),
  };
}

/** BLAKE3 of one file, for the folder hash. */
async function blake3Of(file: string): Promise<string> {
  const h = await createBLAKE3();
  h.init();
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/**
 * A diffusers folder's hash, as InvokeAI computes it so that its `blake3:` hashes match: the BLAKE3
 * of each weight file (.safetensors, .bin, .ckpt, .pt, .pth; configs are left out), taken in the
 * order of their paths, then one BLAKE3 over the concatenated hex digests. The other hashes are
 * file hashes and stay null for a folder.
 *
 * Which files, and in which order, follow InvokeAI's walk of the folder: symlinks to files count (a
 * Hugging Face cache snapshot is made of them), symlinked folders are not entered, and paths are
 * ordered part by part, as Python orders paths, so `unet/x` comes before `unet-fp16/x` although
 * `-` sorts before `/` in a plain string comparison.
 */
export async function hashModelFolder(dir: string): Promise<ModelHashes> {
  const entries = await fsp.readdir(dir, { withFileTypes: true, recursive: true });
  const files: string[] = [];
  for (const e of entries) {
    if (!FOLDER_WEIGHT_EXTENSIONS.some((ext) => e.name.endsWith(ext))) continue;
    const file = path.join(e.parentPath, e.name);
    if (e.isFile() || (e.isSymbolicLink() && (await fsp.stat(file).catch(() => null))?.isFile())) files.push(file);
  }
  files.sort(byPathParts);
  const composite = await createBLAKE3();
  composite.init();
  for (const f of files) composite.update(await blake3Of(f));
  return { blake3: composite.digest('hex'), sha256: null, autov2: null, autov1: null, autov3: null };
}

/** Orders paths by their parts, one folder level at a time. */
export function byPathParts(a: string, b: string): number {
  const pa = a.split(path.sep);
  const pb = b.split(path.sep);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return pa.length - pb.length;
}
