import autocannon from 'autocannon';
import { SPEC_EXAMPLES } from '../../test/helpers/spec-examples.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import type { BenchProcess } from '../lib/processes.js';
import { median, medianRun, round } from '../lib/stats.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU time per request (all threads), when the server's process can be read. */
  cpuMicros: number | null;
}

/**
 * One autocannon run: 50 connections POSTing `body` (or a body per request) for `duration` seconds.
 * With `server`, also the server's CPU time per request: steadier than requests per second when
 * other work shares the machine.
 */
export async function load(url: string, body: string | (() => string), duration: number, server?: BenchProcess): Promise<LoadResult> {
  const connections = 50;
  const opts: autocannon.Options = {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    duration,
  };
  if (typeof body === 'string') opts.body = body;
  else opts.requests = [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body() }) }];
  const cpuBefore = server?.cpuMicros() ?? null;
  const r = await autocannon(opts);
  const cpuAfter = server?.cpuMicros() ?? null;
  const cpuMicros = cpuBefore !== null && cpuAfter !== null && r.requests.total > 0 ? (cpuAfter - cpuBefore) / r.requests.total : null;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, cpuMicros };
}

/**
 * Runs `a` and `b` alternately, `repeats` times (after one short warm-up each, so both are
 * JIT-compiled), switching which goes first each time so neither always runs on a warmer or
 * cooler machine, and reports the median of the b/a ratios with the latencies of the median pair.
 */
export async function compareLoads(
  a: () => Promise<LoadResult>,
  b: () => Promise<LoadResult>,
  warmA: () => Promise<LoadResult>,
  warmB: () => Promise<LoadResult>,
  repeats: number,
) {
  await warmA();
  await warmB();
  const runs: { a: LoadResult; b: LoadResult; ratio: number }[] = [];
  for (let i = 0; i < repeats; i++) {
    let ra: LoadResult;
    let rb: LoadResult;
    if (i % 2 === 0) {
      ra = await a();
      rb = await b();
    } else {
      rb = await b();
      ra = await a();
    }
    runs.push({ a: ra, b: rb, ratio: rb.rps / ra.rps });
  }
  const mid = medianRun(runs, (r) => r.ratio);
  return { ratio: median(runs.map((r) => r.ratio)), a: mid.a, b: mid.b, runs };
}

const side = (r: LoadResult) => ({
  rps: Math.round(r.rps),
  p50_ms: r.p50,
  p99_ms: r.p99,
  cpu_us_per_request: r.cpuMicros === null ? null : round(r.cpuMicros, 1),
  errors: r.errors,
  non2xx: r.non2xx,
});

/**
 * Recall throughput against a bare echo of the same body: complete configuration and seed only,
 * with the server's default settings. `quiet` is the same server at --log-level warn, measured
 * for context: it shows what the spec's INFO lines (about ten per complete recall) cost.
 */
export async function throughputFigures(recall: BenchProcess, quiet: BenchProcess, baseline: BenchProcess, s: BenchSettings): Promise<Figure[]> {
  const cases = [
    { id: 'throughput.complete', label: 'recall throughput, complete configuration', body: SPEC_EXAMPLES.complete, target: 0.5, server: recall },
    { id: 'throughput.seed', label: 'recall throughput, seed only', body: SPEC_EXAMPLES.seed, target: 0.7, server: recall },
    { id: 'throughput.complete.quiet', label: 'context: complete configuration at --log-level warn', body: SPEC_EXAMPLES.complete, target: null, server: quiet },
  ];
  const out: Figure[] = [];
  for (const c of cases) {
    const echo = (d: number) => () => load(`${baseline.url}/echo`, c.body, d, baseline);
    const post = (d: number) => () => load(`${c.server.url}/api/v1/recall/bench`, c.body, d, c.server);
    const r = await compareLoads(echo(s.duration), post(s.duration), echo(2), post(2), s.repeats);
    if (r.b.non2xx || r.b.errors) throw new Error(`${c.id}: ${r.b.non2xx} non-2xx answers and ${r.b.errors} errors from the server under test`);
    out.push(
      figure({
        id: c.id,
        label: c.label,
        value: round(r.ratio),
        unit: 'ratio',
        target: c.target === null ? null : { op: '>=', value: c.target },
        details: {
          recall: side(r.b),
          baseline: side(r.a),
          ratios: r.runs.map((x) => round(x.ratio, 3)),
          // Baseline CPU per request over Recall's: the same comparison, steadier on a busy machine.
          cpu_ratio: r.a.cpuMicros && r.b.cpuMicros ? round(r.a.cpuMicros / r.b.cpuMicros) : null,
        },
      }),
    );
  }
  return out;
}
