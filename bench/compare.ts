/**
 * `npm run bench:compare -- --a OLD/dist/cli/main.js --b dist/cli/main.js`: A/B of two builds of
 * the server on one recall body, for judging a change that claims speed. Each run starts both
 * servers afresh (so no one process's state weighs on every run), warms them up, then loads them
 * one after the other, switching which goes first.
 * Reports CPU time per request (steadier than requests per second on a shared machine) and the
 * median B/A ratio; below 0.95 is a real change on a 2-core machine, above it noise.
 * With `--together`, each run loads both servers at the same time instead (25 connections each),
 * so whatever else the machine does in those seconds weighs on both alike: medians then resolve
 * a change of about 3 %, where one after the other needs about 10 % (docs/benchmarks.md).
 *
 *   --a FILE, --b FILE   the two builds' CLI (dist/cli/main.js of each)
 *   --body seed|complete the spec example to POST (default seed); `registry`: the registry
 *                        section's body (nine random model names) over a registry of --models
 *   --models N           models in the registry for `--body registry` (default 100000)
 *   --runs N             runs (default 9)
 *   --duration S         seconds of load per server and run (default 3)
 *   --together           load both servers at once (see above)
 *   --out FILE           also write the runs and medians as JSON
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSpecFixtures } from '../test/helpers/fixtures.js';
import { SPEC_EXAMPLES } from '../test/helpers/spec-examples.js';
import { makeRoot, startRecall } from './lib/processes.js';
import { median, round } from './lib/stats.js';
import { bodyFor, makeRegistry, startRegistryServer } from './sections/registry.js';
import { compareLoads, load, type LoadSide, type PairRun } from './sections/throughput.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    body: { type: 'string', default: 'seed' },
    models: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '9' },
    duration: { type: 'string', default: '3' },
    out: { type: 'string' },
    together: { type: 'boolean', default: false },
  },
});
if (!values.a || !values.b) throw new Error('bench:compare needs --a and --b, each the dist/cli/main.js of a build');
for (const file of [values.a, values.b]) if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
if (values.body !== 'seed' && values.body !== 'complete' && values.body !== 'registry') throw new Error('--body must be seed, complete or registry');
const models = Number(values.models);
if (!Number.isInteger(models) || models < 1) throw new Error('--models must be a positive integer');
const runs = Number(values.runs);
const duration = Number(values.duration);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!(duration > 0)) throw new Error('--duration must be a positive number of seconds');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-compare-'));

/**
 * A build on its own root, made once and reused by every run (as `npm run bench` does): with the
 * spec's models and images, or for `--body registry` a registry as the registry section makes it.
 */
async function sideOf(cliFile: string): Promise<LoadSide> {
  const connections = values.together ? 25 : 50;
  if (values.body === 'registry') {
    const registry = await makeRegistry(models, work);
    return {
      start: () => startRegistryServer(registry, path.resolve(cliFile)),
      load: (server, seconds) => load(`${server.url}/api/v1/recall/bench`, bodyFor(registry), seconds, server, connections),
    };
  }
  const root = makeRoot(work, 'root-');
  await writeSpecFixtures(root);
  const body = SPEC_EXAMPLES[values.body as 'seed' | 'complete'];
  return {
    start: () => startRecall(root, ['--no-hash'], path.resolve(cliFile)),
    load: (server, seconds) => load(`${server.url}/api/v1/recall/bench`, body, seconds, server, connections),
  };
}

/** Both servers started afresh and loaded at the same time, `runs` times. */
async function loadTogether(a: LoadSide, b: LoadSide): Promise<PairRun[]> {
  const pairs: PairRun[] = [];
  for (let i = 0; i < runs; i++) {
    const [sa, sb] = await Promise.all([a.start(), b.start()]);
    try {
      await Promise.all([a.load(sa, 1), b.load(sb, 1)]);
      const [ra, rb] = await Promise.all([a.load(sa, duration), b.load(sb, duration)]);
      pairs.push({ a: ra, b: rb, ratio: rb.rps / ra.rps, cpuRatio: ra.cpuMicros && rb.cpuMicros ? rb.cpuMicros / ra.cpuMicros : null });
    } finally {
      await Promise.all([sa.close(), sb.close()]);
    }
  }
  return pairs;
}

try {
  const [sideA, sideB] = [await sideOf(values.a), await sideOf(values.b)];
  const pairs = values.together ? await loadTogether(sideA, sideB) : (await compareLoads(sideA, sideB, { duration, repeats: runs, warmup: 1 })).runs;
  const rows = pairs.map((p) => {
    for (const r of [p.a, p.b]) if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx answers and ${r.errors} errors`);
    if (p.a.cpuMicros === null || p.b.cpuMicros === null || p.cpuRatio === null) throw new Error('CPU time per request needs /proc (Linux)');
    return { a_us: round(p.a.cpuMicros, 1), b_us: round(p.b.cpuMicros, 1), a_rps: Math.round(p.a.rps), b_rps: Math.round(p.b.rps), ratio: round(p.cpuRatio, 3) };
  });
  rows.forEach((row, i) => process.stdout.write(`run ${i + 1}/${runs}: A ${row.a_us} µs (${row.a_rps} req/s)  B ${row.b_us} µs (${row.b_rps} req/s)  B/A ${row.ratio}\n`));
  const result = {
    body: values.body,
    models: values.body === 'registry' ? models : undefined,
    together: values.together,
    a: values.a,
    b: values.b,
    median_a_us: round(median(rows.map((r) => r.a_us)), 1),
    median_b_us: round(median(rows.map((r) => r.b_us)), 1),
    median_ratio: round(median(rows.map((r) => r.ratio)), 3),
    runs: rows,
  };
  process.stdout.write(`median CPU per request: A ${result.median_a_us} µs, B ${result.median_b_us} µs, B/A ${result.median_ratio}\n`);
  if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
