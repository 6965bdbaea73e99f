/**
 * `npm run bench`: builds the server, then measures each figure of issue 6 as a ratio against a
 * baseline run in the same session on the same machine, prints a table and writes
 * bench/results.json. Servers under test run as their own processes (the built CLI), so the load
 * generator never shares their event loop.
 *
 *   --quick            short runs (a smoke test of the bench itself, not figures to quote)
 *   --only a,b         only these sections: throughput, fanout, registry, images
 *   --out FILE         where to write the results (default bench/results.json)
 *   --cli FILE         measure another build of the server (default dist/cli/main.js)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSpecFixtures } from '../test/helpers/fixtures.js';
import type { BenchSettings, Figure } from './lib/figures.js';
import { makeRoot, REPO_ROOT, startBaseline, startRecall, useCli } from './lib/processes.js';
import { fanoutFigures } from './sections/fanout.js';
import { imageFigures } from './sections/images.js';
import { registryFigures } from './sections/registry.js';
import { throughputFigures } from './sections/throughput.js';

const SECTIONS = ['throughput', 'fanout', 'registry', 'images'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' }, cli: { type: 'string' } },
});
if (values.cli) useCli(values.cli);
const settings: BenchSettings = values.quick
  ? { duration: 2, repeats: 1, warmup: 1, clients: 200, largeRegistry: 10_000 }
  : { duration: 3, repeats: 5, warmup: 1, clients: 1000, largeRegistry: 100_000 };
const only = new Set((values.only?.split(',') ?? SECTIONS) as Section[]);
const outFile = path.resolve(values.out ?? path.join(REPO_ROOT, 'bench', 'results.json'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-bench-'));
const figures: Figure[] = [];
const started = Date.now();
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** A root with the models and images of the spec's examples, so the complete configuration resolves fully. */
async function specRoot(): Promise<string> {
  const root = makeRoot(work, 'spec-');
  await writeSpecFixtures(root);
  return root;
}

try {
  if (only.has('throughput')) {
    log('throughput: recall vs bare echo (autocannon, 50 connections)');
    // Each pair of runs starts its servers afresh, on roots made once.
    const [recallRoot, quietRoot] = await Promise.all([specRoot(), specRoot()]);
    const servers = {
      recall: () => startRecall(recallRoot),
      quiet: () => startRecall(quietRoot, ['--log-level', 'warn']),
      baseline: () => startBaseline(work),
    };
    figures.push(...(await throughputFigures(servers, settings)));
  }
  if (only.has('fanout')) {
    log(`fan-out and memory: ${settings.clients} Socket.IO clients`);
    const [recall, baseline] = await Promise.all([specRoot().then((r) => startRecall(r)), startBaseline(work)]);
    try {
      figures.push(...(await fanoutFigures(recall, baseline, settings)));
    } finally {
      await Promise.all([recall.close(), baseline.close()]);
    }
  }
  if (only.has('registry')) {
    log(`registry: ${settings.largeRegistry} models vs 100`);
    figures.push(...(await registryFigures(settings, work)));
  }
  if (only.has('images')) {
    log('images: 50 MB vs 50 KB');
    figures.push(...(await imageFigures(settings, work)));
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

const results = {
  generated_at: new Date().toISOString(),
  quick: values.quick,
  machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
  settings,
  duration_s: Math.round((Date.now() - started) / 1000),
  figures,
};
fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

const rows = figures.map((f) => {
  const d = f.details as Record<string, any>;
  const extra =
    f.id.startsWith('throughput')
      ? `recall ${d.recall.rps} req/s (p50 ${d.recall.p50_ms} ms, p99 ${d.recall.p99_ms} ms, ${d.recall.cpu_us_per_request} µs CPU); ` +
        `echo ${d.baseline.rps} req/s (p50 ${d.baseline.p50_ms} ms, p99 ${d.baseline.p99_ms} ms, ${d.baseline.cpu_us_per_request} µs CPU); ` +
        `CPU ratio ${d.cpu_ratio}`
      : f.id === 'fanout'
        ? `recall ${d.recall_ms} ms; bare emit ${d.baseline_ms} ms`
        : f.id === 'memory'
          ? `current ${d.recall_rss_mb} MB; bare server peak ${d.baseline_peak_rss_mb} MB`
          : f.id === 'registry'
            ? `large ${d.large.rps} req/s; small ${d.small.rps} req/s`
            : f.id === 'images'
              ? `${d.big_ms_per_request} ms vs ${d.small_ms_per_request} ms per request of ${d.images_per_request} images`
              : '';
  const unit = f.unit === 'MB' ? ' MB' : '×';
  const target = f.target ? `${f.target.op} ${f.target.value}${unit}` : '-';
  return [f.label, `${f.value}${unit}`, target, f.pass === null ? '' : f.pass ? 'pass' : 'FAIL', extra];
});
const head = ['figure', 'value', 'target', '', 'measured'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`\n${settings.repeats} run(s) per figure, median reported; ${os.cpus().length} CPUs, Node ${process.version}; written to ${path.relative(process.cwd(), outFile)}`);
if (values.quick) console.log('--quick: one short run per figure, to check the bench works; pass and FAIL here say nothing about the targets.');
