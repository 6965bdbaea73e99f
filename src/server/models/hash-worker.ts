import { parentPort } from 'node:worker_threads';
import { hashModelFile, hashModelFolder } from './hashing.js';
import type { HashJob, HashReply } from './hash-runner.js';

/** Worker thread entry: hashes one model at a time, so reading gigabytes never blocks the server's event loop. */
parentPort?.on('message', (job: HashJob) => {
  const work = job.kind === 'folder' ? hashModelFolder(job.path) : hashModelFile(job.path);
  work.then(
    (hashes) => parentPort!.postMessage({ id: job.id, ok: true, hashes } satisfies HashReply),
    (err: unknown) => parentPort!.postMessage({ id: job.id, ok: false, error: (err as Error).message ?? String(err) } satisfies HashReply),
  );
});
