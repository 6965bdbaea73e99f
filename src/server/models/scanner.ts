import type fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ModelFormat } from '../../shared/models.js';
import type { ScannedModel } from '../db/store.js';
import { probeFolder, probeFolderConvention, probeSafetensors, type ProbeResult } from './probe.js';
import { ModelFileError, readSafetensorsHeader } from './safetensors.js';

const WEIGHT_EXTENSIONS = new Set(['.safetensors', '.ckpt', '.pt', '.pth', '.bin', '.gguf']);
/** InvokeAI keeps caches and its own helper models here; they are not user models. */
const SKIP_TOP_LEVEL = new Set(['core', 'cache', 'tmp']);
const MAX_DEPTH = 8;

export interface ScanOutcome {
  found: ScannedModel[];
  skipped: { path: string; reason: string }[];
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await fsp.stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

/**
 * Walks the models folder and classifies every weight file and diffusers folder. It reads headers
 * only; a file that cannot be classified or is damaged is reported in `skipped`, never fatal.
 */
export async function scanModels(modelsDir: string): Promise<ScanOutcome> {
  const outcome: ScanOutcome = { found: [], skipped: [] };
  const visited = new Set<string>();

  const add = (rel: string, abs: string, probe: ProbeResult, size: number, mtimeMs: number, defaultFormat: ModelFormat, isDir: boolean) => {
    const convention = probeFolderConvention(rel);
    const type = probe.type ?? convention.type;
    if (!type) {
      outcome.skipped.push({ path: rel, reason: 'cannot tell the model type (place it under models/{base}/{type}/)' });
      return;
    }
    const stem = path.basename(rel, path.extname(rel));
    outcome.found.push({
      path: rel,
      name: isDir ? path.basename(rel) : stem,
      base: probe.base ?? convention.base ?? 'unknown',
      type,
      format: probe.format ?? defaultFormat,
      file_size: size,
      mtime_ms: Math.trunc(mtimeMs),
      description: null,
      source: abs,
    });
  };

  async function walk(dir: string, depth: number): Promise<void> {
    const real = await fsp.realpath(dir).catch(() => null);
    if (!real || visited.has(real) || depth > MAX_DEPTH) return;
    visited.add(real);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      outcome.skipped.push({ path: path.relative(modelsDir, dir) || '.', reason: `cannot read folder: ${(err as Error).message}` });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (depth === 0 && SKIP_TOP_LEVEL.has(e.name)) continue;
      const abs = path.join(dir, e.name);
      const rel = path.relative(modelsDir, abs);
      let stat: fs.Stats;
      try {
        stat = await fsp.stat(abs); // follows symlinks: models often live on another disk
      } catch {
        outcome.skipped.push({ path: rel, reason: 'broken link or unreadable' });
        continue;
      }
      if (stat.isDirectory()) {
        const probe = await probeFolder(abs);
        if (probe) add(rel, abs, probe, await folderSize(abs), stat.mtimeMs, 'diffusers', true);
        else await walk(abs, depth + 1);
        continue;
      }
      const ext = path.extname(e.name).toLowerCase();
      if (!stat.isFile() || !WEIGHT_EXTENSIONS.has(ext)) continue;
      if (stat.size === 0) {
        outcome.skipped.push({ path: rel, reason: 'empty file' });
        continue;
      }
      if (ext === '.safetensors') {
        try {
          const header = await readSafetensorsHeader(abs);
          add(rel, abs, probeSafetensors(header), stat.size, stat.mtimeMs, 'checkpoint', false);
        } catch (err) {
          const reason = err instanceof ModelFileError ? err.message : `cannot read: ${(err as Error).message}`;
          outcome.skipped.push({ path: rel, reason: `corrupt or truncated safetensors: ${reason}` });
        }
      } else {
        add(rel, abs, ext === '.gguf' ? { format: 'gguf_quantized' } : {}, stat.size, stat.mtimeMs, 'checkpoint', false);
      }
    }
  }

  try {
    await walk(modelsDir, 0);
  } catch (err) {
    outcome.skipped.push({ path: '.', reason: `scan failed: ${(err as Error).message}` });
  }
  return outcome;
}
