import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { rootPaths } from '../../src/server/config.js';
import { openSqliteStore } from '../../src/server/db/sqlite/sqlite-store.js';
import type { ScannedModel } from '../../src/server/db/store.js';
import type { ModelBase, ModelType } from '../../src/shared/models.js';
import { zRecallResponse } from '../../src/shared/recall.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import { makeRoot, startRecall, type BenchProcess } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import { compareLoads, load, type LoadResult, type LoadSide } from './throughput.js';

/** Share of each type in a registry, roughly a large InvokeAI install (LoRAs dominate). */
const MIX: { type: ModelType; share: number; bases: ModelBase[] }[] = [
  { type: 'main', share: 0.15, bases: ['sd-1', 'sdxl', 'flux'] },
  { type: 'lora', share: 0.6, bases: ['sd-1', 'sdxl', 'flux'] },
  { type: 'controlnet', share: 0.1, bases: ['sd-1', 'sdxl'] },
  { type: 'ip_adapter', share: 0.1, bases: ['sd-1', 'sdxl'] },
  { type: 'vae', share: 0.05, bases: ['sd-1', 'sdxl'] },
];

interface Registry {
  root: string;
  /** Models of each type; the i-th is named `modelName(type, i)`. */
  counts: Record<string, number>;
}

/**
 * The i-th model of a type: names of one length in both registries, so bodies and log lines weigh
 * the same. The digits are put together one by one, not by `String(i)`: V8 caches the text of
 * numbers, which made the 100 models' names cheaper to make than the 100,000's.
 */
function modelName(type: string, i: number): string {
  let name = `${type}-`;
  for (let p = 100_000; p >= 1; p /= 10) name += DIGITS[Math.floor(i / p) % 10];
  return name;
}
const DIGITS = '0123456789';

/**
 * A root whose registry holds `count` models, written straight into its database (as a scan would),
 * so the figure measures resolution rather than how fast 100,000 files can be created.
 */
export async function makeRegistry(count: number, dir: string): Promise<Registry> {
  const root = makeRoot(dir, `registry-${count}-`);
  const store = openSqliteStore(rootPaths(root).database);
  const counts: Record<string, number> = {};
  const found: ScannedModel[] = [];
  for (const m of MIX) {
    const n = Math.max(1, Math.round(count * m.share));
    if (n > 1_000_000) throw new Error(`registry: at most 1,000,000 models of a type (names have six digits), not ${n}`);
    counts[m.type] = n;
    for (let i = 0; i < n; i++) {
      const name = modelName(m.type, i);
      const base = m.bases[i % m.bases.length]!;
      found.push({
        path: path.join(root, 'models', base, m.type, `${name}.safetensors`),
        name,
        base,
        type: m.type,
        format: 'checkpoint',
        file_size: 1000 + i,
        mtime_ms: 1_700_000_000_000 + i,
        description: null,
        source: path.join(root, 'models', base, m.type, `${name}.safetensors`),
      });
    }
  }
  await store.models.applyScan(found, new Date().toISOString(), randomUUID);
  await store.close();
  return { root, counts };
}

/** A resolution-heavy recall naming random models of the registry: a main model, 5 LoRAs, a ControlNet, an IP adapter, a VAE. */
export function bodyFor(r: Registry): () => string {
  // Each name is made afresh rather than picked from a list of them: picking from 100,000 strings
  // cost the load generator, which shares the machine's cores with the server, about 2.4 us more
  // per body than picking from 100 (their cache misses), which is none of Recall's doing. Made
  // this way, a body costs the same for both registries.
  const pick = (type: string) => modelName(type, Math.floor(Math.random() * r.counts[type]!));
  return () =>
    JSON.stringify({
      model: pick('main'),
      vae_model: pick('vae'),
      loras: Array.from({ length: 5 }, () => ({ model_name: pick('lora'), weight: 0.5 })),
      control_layers: [{ model_name: pick('controlnet') }],
      ip_adapters: [{ model_name: pick('ip_adapter') }],
    });
}

/**
 * A server over registry `r`, checked to resolve every name its bodies carry: bodies that
 * named no registered model would still be answered 200 (with warnings), and the figure would
 * quietly measure the path of names not found instead.
 */
export async function startRegistryServer(r: Registry, cliFile?: string): Promise<BenchProcess> {
  const server = await startRecall(r.root, ['--no-scan', '--no-hash'], cliFile);
  const body = bodyFor(r);
  try {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.url}/api/v1/recall/bench`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
      if (!res.ok) throw new Error(`registry: a bench body was answered ${res.status}: ${await res.text()}`);
      const answer = zRecallResponse.parse(await res.json());
      if (answer.warnings.length) throw new Error(`registry: a bench body did not resolve: ${answer.warnings[0]!.message}`);
    }
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

const cpu = (r: LoadResult) => (r.cpuMicros === null ? null : round(r.cpuMicros, 1));

/** Resolution throughput with a large registry against the same with 100 models. */
export async function registryFigures(s: BenchSettings, dir: string): Promise<Figure[]> {
  const small = await makeRegistry(100, dir);
  const large = await makeRegistry(s.largeRegistry, dir);
  // The registries name files that do not exist: no scan, and no hashing (it would spend the
  // run failing to read 100,000 files beside the requests measured).
  const sideOf = (r: Registry): LoadSide => ({
    start: () => startRegistryServer(r),
    load: (srv, d) => load(`${srv.url}/api/v1/recall/bench`, bodyFor(r), d, srv),
  });
  const res = await compareLoads(sideOf(small), sideOf(large), { duration: s.duration, repeats: s.repeats, warmup: s.warmup });
  for (const side of [res.a, res.b]) if (side.non2xx || side.errors) throw new Error(`registry: ${side.non2xx} non-2xx answers, ${side.errors} errors`);
  return [
    figure({
      id: 'registry',
      label: `resolution throughput, ${s.largeRegistry.toLocaleString('en')} models vs 100`,
      value: res.ratio,
      unit: 'ratio',
      target: { op: '>=', value: 0.9 },
      details: {
        large: { rps: Math.round(res.b.rps), p50_ms: res.b.p50, p99_ms: res.b.p99, cpu_us_per_request: cpu(res.b) },
        small: { rps: Math.round(res.a.rps), p50_ms: res.a.p50, p99_ms: res.a.p99, cpu_us_per_request: cpu(res.a) },
        ratios: res.runs.map((x) => round(x.ratio, 3)),
      },
    }),
  ];
}
