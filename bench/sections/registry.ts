import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { rootPaths } from '../../src/server/config.js';
import { openSqliteStore } from '../../src/server/db/sqlite/sqlite-store.js';
import type { ScannedModel } from '../../src/server/db/store.js';
import type { ModelBase, ModelType } from '../../src/shared/models.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import { makeRoot, startRecall } from '../lib/processes.js';
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
  names: Record<string, string[]>;
}

/**
 * A root whose registry holds `count` models, written straight into its database (as a scan would),
 * so the figure measures resolution rather than how fast 100,000 files can be created.
 */
export async function makeRegistry(count: number, dir: string): Promise<Registry> {
  const root = makeRoot(dir, `registry-${count}-`);
  const store = openSqliteStore(rootPaths(root).database);
  const names: Record<string, string[]> = {};
  const found: ScannedModel[] = [];
  for (const m of MIX) {
    const n = Math.max(1, Math.round(count * m.share));
    names[m.type] = [];
    for (let i = 0; i < n; i++) {
      // Names of one length in both registries, so bodies and log lines weigh the same.
      const name = `${m.type}-${String(i).padStart(6, '0')}`;
      names[m.type]!.push(name);
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
  return { root, names };
}

/** A resolution-heavy recall naming random models of the registry: a main model, 5 LoRAs, a ControlNet, an IP adapter, a VAE. */
export function bodyFor(r: Registry): () => string {
  const pick = (type: string) => {
    const list = r.names[type]!;
    return list[Math.floor(Math.random() * list.length)]!;
  };
  return () =>
    JSON.stringify({
      model: pick('main'),
      vae_model: pick('vae'),
      loras: Array.from({ length: 5 }, () => ({ model_name: pick('lora'), weight: 0.5 })),
      control_layers: [{ model_name: pick('controlnet') }],
      ip_adapters: [{ model_name: pick('ip_adapter') }],
    });
}

const cpu = (r: LoadResult) => (r.cpuMicros === null ? null : round(r.cpuMicros, 1));

/** Resolution throughput with a large registry against the same with 100 models. */
export async function registryFigures(s: BenchSettings, dir: string): Promise<Figure[]> {
  const small = await makeRegistry(100, dir);
  const large = await makeRegistry(s.largeRegistry, dir);
  // The registries name files that do not exist: no scan, and no hashing (it would spend the
  // run failing to read 100,000 files beside the requests measured).
  const sideOf = (r: Registry): LoadSide => ({
    start: () => startRecall(r.root, ['--no-scan', '--no-hash']),
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
