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

/** One worker thread, started on first use and stopped by `close()`; jobs run one at a time. */
export class WorkerHashRunner implements HashRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (h: ModelHashes) => void; reject: (e: Error) => void }>();

  /** Thread id of the running worker (the main thread is 0), or null when none runs. */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref(); // a hash in progress must not keep a finished process alive
    worker.on('message', (reply: HashReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (reply.ok) job.resolve(reply.hashes);
      else job.reject(new Error(reply.error));
    });
    const failAll = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const job of this.pending.values()) job.reject(err);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`hash worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  hash(kind: HashJob['kind'], path: string): Promise<ModelHashes> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, kind, path } satisfies HashJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
