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
}

/** One autocannon run: 50 connections POSTing `body` (or a body per request) for `duration` seconds. */
export async function load(url: string, body: string | (() => string), duration: number, connections = 50): Promise<LoadResult> {
  const opts: autocannon.Options = {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    duration,
  };
  if (typeof body === 'string') opts.body = body;
  else opts.requests = [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body() }) }];
  const r = await autocannon(opts);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/**
 * Runs `a` and `b` alternately (after one short warm-up each, so both are JIT-compiled), `repeats`
 * times, and reports the median of b/a ratios with the latencies of the median runs.
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
    const ra = await a();
    const rb = await b();
    runs.push({ a: ra, b: rb, ratio: rb.rps / ra.rps });
  }
  const mid = medianRun(runs, (r) => r.ratio);
  return { ratio: median(runs.map((r) => r.ratio)), a: mid.a, b: mid.b, runs };
}

const side = (r: LoadResult) => ({ rps: Math.round(r.rps), p50_ms: r.p50, p99_ms: r.p99, errors: r.errors, non2xx: r.non2xx });

/** Recall throughput against a bare echo of the same body: complete configuration and seed only. */
export async function throughputFigures(recall: BenchProcess, baseline: BenchProcess, s: BenchSettings): Promise<Figure[]> {
  const cases = [
    { id: 'throughput.complete', label: 'recall throughput, complete configuration', body: SPEC_EXAMPLES.complete, target: 0.5 },
    { id: 'throughput.seed', label: 'recall throughput, seed only', body: SPEC_EXAMPLES.seed, target: 0.7 },
  ];
  const out: Figure[] = [];
  for (const c of cases) {
    const echo = (d: number) => () => load(`${baseline.url}/echo`, c.body, d);
    const post = (d: number) => () => load(`${recall.url}/api/v1/recall/bench`, c.body, d);
    const r = await compareLoads(echo(s.duration), post(s.duration), echo(2), post(2), s.repeats);
    if (r.b.non2xx || r.b.errors) throw new Error(`${c.id}: ${r.b.non2xx} non-2xx answers and ${r.b.errors} errors from the server under test`);
    out.push(
      figure({
        id: c.id,
        label: c.label,
        value: round(r.ratio),
        unit: 'ratio',
        target: { op: '>=', value: c.target },
        details: { recall: side(r.b), baseline: side(r.a), ratios: r.runs.map((x) => round(x.ratio, 3)) },
      }),
    );
  }
  return out;
}
