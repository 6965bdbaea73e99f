import fsp from 'node:fs/promises';

/** Largest header we accept; real ones are well under 10 MB even for large checkpoints. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorInfo {
  dtype: string;
  shape: number[];
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/**
 * Reads a safetensors header (8-byte little-endian length, then JSON) without touching the tensors,
 * and checks that every tensor's byte range lies inside the file, so a truncated download is caught.
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 8) throw new ModelFileError('file too small to be safetensors');
    const lenBuf = Buffer.alloc(8);
    await handle.read(lenBuf, 0, 8, 0);
    const len = lenBuf.readBigUInt64LE(0);
    if (len < 2n || len > BigInt(MAX_HEADER_BYTES) || len > BigInt(size - 8)) {
      throw new ModelFileError(`bad header length ${len} for a file of ${size} bytes`);
    }
    const n = Number(len);
    const json = Buffer.alloc(n);
    const { bytesRead } = await handle.read(json, 0, n, 8);
    if (bytesRead !== n) throw new ModelFileError('header is truncated');
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      throw new ModelFileError('header is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ModelFileError('header is not a JSON object');
    }
    const dataSize = size - 8 - n;
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (value && typeof value === 'object') metadata = value as Record<string, string>;
        continue;
      }
      const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const offsets = t?.data_offsets;
      if (
        typeof t?.dtype !== 'string' ||
        !Array.isArray(t.shape) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        typeof offsets[0] !== 'number' ||
        typeof offsets[1] !== 'number'
      ) {
        throw new ModelFileError(`tensor ${name} has a malformed entry`);
      }
      if (offsets[0] > offsets[1] || offsets[1] > dataSize) {
        throw new ModelFileError(`tensor ${name} lies past the end of the file (truncated?)`);
      }
      tensors.set(name, { dtype: t.dtype, shape: t.shape as number[] });
    }
    if (tensors.size === 0) throw new ModelFileError('no tensors in the file');
    return { tensors, metadata };
  } finally {
    await handle.close();
  }
}
