import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safetensorsBytes } from '../../../test/helpers/fixtures.js';
import { openSqliteStore } from '../db/sqlite/sqlite-store.js';
import type { Store } from '../db/store.js';
import { WorkerHashRunner, type HashRunner } from './hash-runner.js';
import { ModelHasher } from './hasher.js';
import { ModelService } from './service.js';

const log = pino({ level: 'silent' });
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const LORA = { 'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': [4, 768] };

let dir: string;
let store: Store;
let runner: WorkerHashRunner;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-hasher-'));
  fs.mkdirSync(path.join(dir, 'models', 'sd-1', 'lora'), { recursive: true });
  store = openSqliteStore(path.join(dir, 'recall.db'));
  runner = new WorkerHashRunner();
});
afterEach(async () => {
  await runner.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const modelFile = (name: string) => path.join(dir, 'models', 'sd-1', 'lora', `${name}.safetensors`);
const models = () => store.models.list({});

describe('background model hasher', () => {
  it('hashes every model a scan found, in a worker thread, and stores the hashes', async () => {
    fs.writeFileSync(modelFile('a'), safetensorsBytes(LORA));
    fs.writeFileSync(modelFile('b'), safetensorsBytes(LORA, { note: 'different bytes' }));
    const hasher = new ModelHasher(store.models, path.join(dir, 'models'), log, { runner });
    await new ModelService(store.models, path.join(dir, 'models'), log).scan();
    expect((await models()).every((m) => m.hashes.sha256 === null)).toBe(true);

    const summary = await hasher.run();
    expect(summary).toEqual({ hashed: 2, deferred: [] });
    for (const m of await models()) {
      expect(m.hashes.sha256).toBe(sha256(modelFile(m.name)));
      expect(m.hashes.autov2).toBe(m.hashes.sha256!.slice(0, 10));
      expect(m.hashes.autov3).toMatch(/^[0-9a-f]{64}$/);
      expect(m.hash).toBe(`blake3:${m.hashes.blake3}`);
    }
    expect(await store.models.withoutHashes(10)).toEqual([]);
    await hasher.close();
  });

  it('hashes a large model on a worker thread, keeping the event loop free', async () => {
    const big = Buffer.concat([safetensorsBytes(LORA), crypto.randomBytes(48 * 1024 * 1024)]);
    fs.writeFileSync(modelFile('big'), big);
    await new ModelService(store.models, path.join(dir, 'models'), log).scan();
    const hasher = new ModelHasher(store.models, path.join(dir, 'models'), log, { runner });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = Date.now();
    await hasher.run();
    delay.disable();
    const took = Date.now() - started;
    // The worker did the reading and hashing; the main thread only waited.
    expect(runner.threadId).toBeGreaterThan(0);
    expect(delay.max / 1e6).toBeLessThan(Math.max(150, took / 3));
    expect((await models())[0]!.hashes.sha256).toBe(crypto.createHash('sha256').update(big).digest('hex'));
    await hasher.close();
  });

  it('does not store hashes of a file that changed while it was hashed, and hashes it after the next scan', async () => {
    fs.writeFileSync(modelFile('moving'), safetensorsBytes(LORA));
    const service = () => new ModelService(store.models, path.join(dir, 'models'), log);
    await service().scan();
    // Harness: the real worker hashes, but the file grows (a download still running) while it does.
    let writes = 1;
    const racing: HashRunner = {
      hash: async (kind, file) => {
        const result = await runner.hash(kind, file);
        if (writes-- > 0) {
          fs.appendFileSync(file, Buffer.alloc(64));
          fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
        }
        return result;
      },
      close: () => runner.close(),
    };
    const hasher = new ModelHasher(store.models, path.join(dir, 'models'), log, { runner: racing, retryDelayMs: 60_000 });
    const first = await hasher.run();
    expect(first.hashed).toBe(0);
    expect(first.deferred[0]!.reason).toMatch(/changed while it was being hashed/);
    expect((await models())[0]!.hashes.sha256).toBeNull();

    // The rescan records the new file; hashing then succeeds and matches the file as it is now.
    await new ModelService(store.models, path.join(dir, 'models'), log, hasher).scan();
    await hasher.idle();
    await expect.poll(async () => (await models())[0]!.hashes.sha256, { timeout: 5000 }).toBe(sha256(modelFile('moving')));
    await hasher.close();
  });

  it('clears the hashes of a model whose file a rescan finds changed', async () => {
    fs.writeFileSync(modelFile('x'), safetensorsBytes(LORA));
    await new ModelService(store.models, path.join(dir, 'models'), log).scan();
    await new ModelHasher(store.models, path.join(dir, 'models'), log, { runner }).run();
    expect((await models())[0]!.hashes.sha256).not.toBeNull();
    fs.appendFileSync(modelFile('x'), 'more');
    await new ModelService(store.models, path.join(dir, 'models'), log).scan();
    const [m] = await models();
    expect(m!.hashes).toEqual({ blake3: null, sha256: null, autov2: null, autov1: null, autov3: null });
    expect((await store.models.withoutHashes(10)).map((r) => r.key)).toEqual([m!.key]);
  });
});

describe('hash worker lifetime', () => {
  it('stops its worker thread once idle, and starts a fresh one for the next job', async () => {
    fs.writeFileSync(modelFile('a'), safetensorsBytes(LORA));
    const idle = new WorkerHashRunner(100);
    try {
      const first = await idle.hash('file', modelFile('a'));
      const firstThread = idle.threadId;
      expect(firstThread).toBeGreaterThan(0);
      await expect.poll(() => idle.threadId, { timeout: 3000 }).toBeNull();

      const again = await idle.hash('file', modelFile('a'));
      expect(again).toEqual(first);
      expect(idle.threadId).not.toBe(firstThread);
    } finally {
      await idle.close();
    }
  });

  it('answers jobs queued together, and sends a job made while the worker stops to a new worker', async () => {
    fs.writeFileSync(modelFile('a'), safetensorsBytes(LORA));
    const idle = new WorkerHashRunner(0);
    try {
      await idle.hash('file', modelFile('a'));
      // Queued before the idle timer can run: the same worker answers both.
      const both = await Promise.all([idle.hash('file', modelFile('a')), idle.hash('file', modelFile('a'))]);
      expect(both[0]).toEqual(both[1]);
      // Stopping the worker, then sending a job at once: the new job goes to a new worker and succeeds.
      const stopping = idle.close();
      const after = idle.hash('file', modelFile('a'));
      await stopping;
      await expect(after).resolves.toEqual(both[0]);
    } finally {
      await idle.close();
    }
  });
});

describe('background model hasher, with many files it cannot read', () => {
  it('leaves them for later reading each row once per pass, not once per batch', async () => {
    const count = 5000;
    const found = Array.from({ length: count }, (_, i) => ({
      path: `sd-1/lora/gone-${i}.safetensors`,
      name: `gone-${i}`,
      base: 'sd-1' as const,
      type: 'lora' as const,
      format: 'checkpoint' as const,
      file_size: 1 + (i % 7),
      mtime_ms: 1,
      description: null,
      source: 'scan',
    }));
    await store.models.applyScan(found, new Date().toISOString(), () => crypto.randomUUID());
    // Count what the hasher reads: before, each batch of 500 re-read every model already deferred.
    let rowsRead = 0;
    const counting = Object.create(store.models) as typeof store.models;
    counting.withoutHashes = async (limit, after) => {
      const rows = await store.models.withoutHashes(limit, after);
      rowsRead += rows.length;
      return rows;
    };
    const hasher = new ModelHasher(counting, path.join(dir, 'models'), log, { runner });
    const summary = await hasher.run();
    expect(summary.hashed).toBe(0);
    expect(new Set(summary.deferred.map((d) => d.path)).size).toBe(count);
    expect(rowsRead).toBe(count);
    // A second pass right away finds every one of them deferred and hashes nothing.
    expect(await hasher.run()).toEqual({ hashed: 0, deferred: [] });
    await hasher.close();
  }, 30_000);
});
