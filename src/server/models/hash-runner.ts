import { Worker } from 'node:worker_threads';
import type { ModelHashes } from '../../shared/models.js';

export interface HashJob {
  id: number;
  kind: 'file' | 'folder';
  path: string;
}
export type HashReply = { id: number; ok: true; hashes: ModelHashes } | { id: number; ok: false; error: string };

/** Hashes a model somewhere; the server uses a worker thread, tests may hash inline. */
export interface HashRunner {
  hash(kind: HashJob['kind'], path: string): Promise<ModelHashes>;
  close(): Promise<void>;
}

/**
 * Starts the hash worker. Built code runs `hash-worker.js` directly; from TypeScript sources (tests,
 * `npm run dev`) the worker first registers tsx, which only the parent process has loaded.
 */
function startWorker(): Worker {
  const url = new URL(`./hash-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true });
}

/** How long an idle worker is kept for the next job before it is stopped. */
const IDLE_STOP_MS = 2000;

/**
 * One worker thread, started on first use; jobs run one at a time. A worker with nothing to do is
 * stopped after a short wait (it holds its own heap, a sixth of the server's memory), and `close()`
 * stops it at once.
 */
type PendingJob = { resolve: (h: ModelHashes) => void; reject: (e: Error) => void };

export class WorkerHashRunner implements HashRunner {
  /** The running worker and its unanswered jobs; a stopped worker's jobs fail with it, never a later worker's. */
  private current: { worker: Worker; pending: Map<number, PendingJob> } | null = null;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly idleStopMs = IDLE_STOP_MS) {}

  /** Thread id of the running worker (the main thread is 0), or null when none runs. */
  get threadId(): number | null {
    return this.current?.worker.threadId ?? null;
  }

  private ensureWorker(): { worker: Worker; pending: Map<number, PendingJob> } {
    if (this.current) return this.current;
    const worker = startWorker();
    const pending = new Map<number, PendingJob>();
    const entry = { worker, pending };
    worker.unref(); // a hash in progress must not keep a finished process alive
    worker.on('message', (reply: HashReply) => {
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      if (reply.ok) job.resolve(reply.hashes);
      else job.reject(new Error(reply.error));
      if (pending.size === 0 && this.current === entry) this.stopWhenIdle();
    });
    const failAll = (err: Error) => {
      if (this.current === entry) this.current = null;
      for (const job of pending.values()) job.reject(err);
      pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`hash worker exited with code ${code}`)));
    this.current = entry;
    return entry;
  }

  /** Stops the worker unless a job arrives within the idle wait. */
  private stopWhenIdle(): void {
    this.cancelIdleStop();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.current?.pending.size === 0) void this.close();
    }, this.idleStopMs);
    this.idleTimer.unref();
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  hash(kind: HashJob['kind'], path: string): Promise<ModelHashes> {
    this.cancelIdleStop();
    const { worker, pending } = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, kind, path } satisfies HashJob);
    });
  }

  async close(): Promise<void> {
    this.cancelIdleStop();
    const current = this.current;
    this.current = null;
    if (current) await current.worker.terminate();
  }
}
