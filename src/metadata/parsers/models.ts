import type { ModelHashAlgorithm } from '../../shared/metadata.js';

/** File extensions of model weights; a model is named by its file's stem, as InvokeAI names it. */
const WEIGHT_EXTENSIONS = /\.(safetensors|ckpt|pt|pth|bin|gguf|sft|onnx)$/i;

/** "SDXL\\juggernaut_v9.safetensors" → "juggernaut_v9": folders and the weights extension go. */
export function modelNameFromFile(file: string): string {
  const base = file.trim().split(/[/\\]/).pop() ?? '';
  return base.replace(WEIGHT_EXTENSIONS, '');
}

/** A1111 and its extensions write "name [hash]"; the bracketed part is a short hash. */
export function splitBracketHash(value: string): { name: string; hash?: string } {
  const m = /^(.*?)\s*\[([0-9a-fA-F]{8,64})\]\s*$/.exec(value);
  return m ? { name: (m[1] ?? '').trim(), hash: m[2] } : { name: value.trim() };
}

export interface NormalizedHash {
  hash: string;
  algorithm: ModelHashAlgorithm;
}

/**
 * Recognises a hash by its prefix or, failing that, its length: 64 hex digits are a SHA-256, 10 an
 * AutoV2, 12 an AutoV3 (A1111 LoRA hashes), 8 an AutoV1. `hint` overrides the length rule where the
 * writer is known (SwarmUI's 64 digits hash only the tensor data). InvokeAI's `random:` keys and
 * anything that is not hex are not content hashes and give undefined.
 */
export function normalizeHash(raw: unknown, hint?: ModelHashAlgorithm): NormalizedHash | undefined {
  if (typeof raw !== 'string') return undefined;
  let s = raw.trim().toLowerCase();
  let algorithm: ModelHashAlgorithm | undefined = hint;
  const prefixed = /^(blake3|sha256|autov1|autov2|autov3):(.*)$/.exec(s);
  if (prefixed) {
    algorithm = prefixed[1] as ModelHashAlgorithm;
    s = prefixed[2] ?? '';
  } else if (s.startsWith('0x')) {
    s = s.slice(2);
  }
  if (!/^[0-9a-f]{8,128}$/.test(s)) return undefined;
  if (!algorithm) {
    algorithm = s.length === 64 ? 'sha256' : s.length === 10 ? 'autov2' : s.length === 12 ? 'autov3' : s.length === 8 ? 'autov1' : 'unknown';
  }
  return { hash: s, algorithm };
}
