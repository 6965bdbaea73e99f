import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ModelRecord, ModelRepository } from '../db/store.js';
import { WorkerHashRunner, type HashRunner } from './hash-runner.js';

export interface HasherOptions {
  /** First wait before a model whose file changed (or could not be read) is tried again; doubles each time. */
  retryDelayMs?: number;
  /** Longest wait between tries. */
  maxRetryDelayMs?: number;
  runner?: HashRunner;
}

export interface HashRunSummary {
  hashed: number;
  /** Models left for later: their file changed while being hashed, or could not be read. */
  deferred: { path: string; reason: string }[];
}

const BATCH = 500;

/**
 * Computes the registry's missing hashes after a scan, one model at a time in a worker thread, so a
 * large model never blocks a request. A hash is stored only for the file that was hashed: a file
 * that changed while it was read, or since the scan, is retried later with a growing delay.
 */
export class ModelHasher {
  private running: Promise<HashRunSummary> | null = null;
  private rerun = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly retry = new Map<string, { at: number; delay: number; reason: string }>();
  private readonly runner: HashRunner;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    private readonly repo: ModelRepository,
    private readonly modelsDir: string,
    private readonly log: Logger,
    options: HasherOptions = {},
  ) {
    this.runner = options.runner ?? new WorkerHashRunner();
    this.retryDelayMs = options.retryDelayMs ?? 60_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 3_600_000;
  }

  /**
   * Starts hashing in the background; a call while a run is going makes it look again at the end.
   * After a scan (`fresh`), models left for later are tried at once: the scan has recorded their new files.
   */
  kick(fresh = false): void {
    if (this.closed) return;
    if (fresh) this.retry.clear();
    if (this.running) {
      this.rerun = true;
      return;
    }
    void this.run().catch((err: unknown) => this.log.error({ err }, 'model hashing stopped'));
  }

  /** Hashes everything that lacks hashes now and resolves when done (the CLI's `--hash`, and tests). */
  run(onModel?: (m: ModelRecord, done: number, total: number) => void): Promise<HashRunSummary> {
    if (this.running) return this.running.then(() => this.run(onModel));
    this.running = this.loop(onModel).finally(() => {
      this.running = null;
      if (this.rerun && !this.closed) {
        this.rerun = false;
        this.kick();
      } else {
        this.scheduleRetry();
      }
    });
    return this.running;
  }

  /** Resolves once no run is in progress. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.runner.close();
    await this.running?.catch(() => undefined);
  }

  private async loop(onModel?: (m: ModelRecord, done: number, total: number) => void): Promise<HashRunSummary> {
    const summary: HashRunSummary = { hashed: 0, deferred: [] };
    // One pass in (size, key) order: each unhashed model is read once, so a registry whose files
    // cannot be read (a drive not mounted) costs one pass, not one re-read of the rest per batch.
    const visited = new Set<string>();
    let after: { file_size: number; key: string } | undefined;
    while (!this.closed) {
      const page = await this.repo.withoutHashes(BATCH, after);
      if (page.length === 0) break;
      const last = page.at(-1)!;
      after = { file_size: last.file_size, key: last.key };
      const now = Date.now();
      for (const [i, m] of page.entries()) {
        if (this.closed) break;
        visited.add(m.key);
        if ((this.retry.get(m.key)?.at ?? 0) > now) continue;
        onModel?.(m, i, page.length);
        const problem = await this.hashOne(m);
        if (problem) summary.deferred.push({ path: m.path, reason: problem });
        else summary.hashed++;
      }
    }
    // Deferred models the pass did not meet need no hashing any more (hashed since, or gone).
    if (!this.closed) for (const key of this.retry.keys()) if (!visited.has(key)) this.retry.delete(key);
    if (summary.hashed > 0 || summary.deferred.length > 0) {
      this.log.info(`Model hashing: ${summary.hashed} hashed, ${summary.deferred.length} left for later`);
    }
    return summary;
  }

  /** Hashes one model; answers why it was left for later, or null when its hashes are stored. */
  private async hashOne(m: ModelRecord): Promise<string | null> {
    const target = path.join(this.modelsDir, m.path);
    const started = Date.now();
    try {
      const before = await fingerprint(target);
      if (before.file_size !== m.file_size || before.mtime_ms !== m.mtime_ms) {
        return this.defer(m, 'the file changed since the last scan');
      }
      const hashes = await this.runner.hash(m.format === 'diffusers' ? 'folder' : 'file', target);
      const after = await fingerprint(target);
      if (after.file_size !== before.file_size || after.mtime_ms !== before.mtime_ms) {
        return this.defer(m, 'the file changed while it was being hashed');
      }
      const stored = await this.repo.setHashes(m.key, hashes, new Date().toISOString(), before);
      if (!stored) return this.defer(m, 'a rescan changed the model while it was being hashed');
      this.retry.delete(m.key);
      this.log.info(
        `Hashed ${m.type} model '${m.name}' in ${Date.now() - started} ms: blake3:${hashes.blake3}` +
          (hashes.autov2 ? `, AutoV2 ${hashes.autov2}` : ''),
      );
      return null;
    } catch (err) {
      if (this.closed) return 'hashing was stopped';
      return this.defer(m, `cannot hash: ${(err as Error).message}`);
    }
  }

  private defer(m: ModelRecord, reason: string): string {
    const previous = this.retry.get(m.key);
    const delay = previous ? Math.min(previous.delay * 2, this.maxRetryDelayMs) : this.retryDelayMs;
    this.retry.set(m.key, { at: Date.now() + delay, delay, reason });
    this.log.warn(`Not hashing model '${m.name}' (${m.path}) now: ${reason}; trying again in ${Math.round(delay / 1000)} s`);
    return reason;
  }

  /** Wakes up for the earliest deferred model. */
  private scheduleRetry(): void {
    if (this.closed || this.retry.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    // A loop, not Math.min(...): a registry of 100,000 unreadable files would pass too many arguments.
    let at = Infinity;
    for (const r of this.retry.values()) at = Math.min(at, r.at);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, Math.max(0, at - Date.now()));
    this.timer.unref();
  }
}

/** Size and mtime of a model file, or of a folder (its total size, the folder's own mtime), as the scanner records them. */
export async function fingerprint(target: string): Promise<{ file_size: number; mtime_ms: number }> {
  const stat = await fsp.stat(target);
  if (!stat.isDirectory()) return { file_size: stat.size, mtime_ms: Math.trunc(stat.mtimeMs) };
  let total = 0;
  for (const e of await fsp.readdir(target, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await fsp.stat(path.join(e.parentPath, e.name))).size;
  }
  return { file_size: total, mtime_ms: Math.trunc(stat.mtimeMs) };
}
