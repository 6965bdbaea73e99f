import autocannon from 'autocannon';
import { SPEC_EXAMPLES } from '../../test/helpers/spec-examples.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import type { BenchProcess } from '../lib/processes.js';
import { median, medianRun, round } from '../lib/stats.js';

export interface LoadResult {
  rps: number;
  /** Requests answered. */
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU time per request (all threads), when the server's process can be read. */
  cpuMicros: number | null;
}

/**
 * One autocannon run: 50 connections (or `connections`) POSTing `body` (or a body per request) for `duration` seconds.
 * With `server`, also the server's CPU time per request: steadier than requests per second when
 * other work shares the machine.
 */
export async function load(url: string, body: string | (() => string), duration: number, server?: BenchProcess, connections = 50): Promise<LoadResult> {
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
  return { rps: r.requests.average, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, cpuMicros };
}

/** One side of a comparison: how to start its server, and the load to put on it. */
export interface LoadSide {
  start(): Promise<BenchProcess>;
  load(server: BenchProcess, seconds: number): Promise<LoadResult>;
}

export interface PairRun {
  a: LoadResult;
  b: LoadResult;
  /** Requests per second of b over a. */
  ratio: number;
  /** CPU per request of b over a, or null without /proc. */
  cpuRatio: number | null;
}

/** Slices each side's measured load is cut into, taken in turn with the other side's. */
export const LOAD_SLICES = 3;

/** Slices of one side taken as one load: requests and CPU summed, latencies of the slices' median and worst. */
export function mergeLoads(parts: readonly LoadResult[]): LoadResult {
  const requests = parts.reduce((n, p) => n + p.requests, 0);
  const cpu = parts.every((p) => p.cpuMicros !== null) && requests > 0 ? parts.reduce((t, p) => t + p.cpuMicros! * p.requests, 0) / requests : null;
  return {
    rps: parts.reduce((t, p) => t + p.rps, 0) / parts.length,
    requests,
    p50: median(parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    non2xx: parts.reduce((n, p) => n + p.non2xx, 0),
    cpuMicros: cpu,
  };
}

/**
 * Runs `a` and `b` alternately, `repeats` times, each time on freshly started servers (so no one
 * process's state, its JIT decisions or memory layout, weighs on every run), warmed up for `warmup`
 * seconds so both are JIT-compiled. Each side's `duration` is measured in LOAD_SLICES slices taken
 * in turn with the other side's (A B B A A B, the next pair B A A B B A), so a slow spell of the
 * machine lasting a second or two falls on both sides rather than on one. Reports the median b/a
 * ratio of requests per second with the latencies of the median pair.
 */
export async function compareLoads(a: LoadSide, b: LoadSide, opts: { duration: number; repeats: number; warmup: number }) {
  const runs: PairRun[] = [];
  const slice = opts.duration / LOAD_SLICES;
  for (let i = 0; i < opts.repeats; i++) {
    const [sa, sb] = await Promise.all([a.start(), b.start()]);
    try {
      await a.load(sa, opts.warmup);
      await b.load(sb, opts.warmup);
      const partsA: LoadResult[] = [];
      const partsB: LoadResult[] = [];
      for (let k = 0; k < LOAD_SLICES; k++) {
        if ((i + k) % 2 === 0) {
          partsA.push(await a.load(sa, slice));
          partsB.push(await b.load(sb, slice));
        } else {
          partsB.push(await b.load(sb, slice));
          partsA.push(await a.load(sa, slice));
        }
      }
      const ra = mergeLoads(partsA);
      const rb = mergeLoads(partsB);
      const cpuRatio = ra.cpuMicros && rb.cpuMicros ? rb.cpuMicros / ra.cpuMicros : null;
      runs.push({ a: ra, b: rb, ratio: rb.rps / ra.rps, cpuRatio });
    } finally {
      await Promise.all([sa.close(), sb.close()]);
    }
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
 * with the server's default settings. The third case is the same server at --log-level warn,
 * measured for context: it shows what the spec's INFO lines (about ten per complete recall) cost.
 */
export async function throughputFigures(servers: { recall: () => Promise<BenchProcess>; quiet: () => Promise<BenchProcess>; baseline: () => Promise<BenchProcess> }, s: BenchSettings): Promise<Figure[]> {
  const cases = [
    { id: 'throughput.complete', label: 'recall throughput, complete configuration', body: SPEC_EXAMPLES.complete, target: 0.5, start: servers.recall },
    { id: 'throughput.seed', label: 'recall throughput, seed only', body: SPEC_EXAMPLES.seed, target: 0.7, start: servers.recall },
    { id: 'throughput.complete.quiet', label: 'context: complete configuration at --log-level warn', body: SPEC_EXAMPLES.complete, target: null, start: servers.quiet },
  ];
  const out: Figure[] = [];
  for (const c of cases) {
    const echo: LoadSide = { start: servers.baseline, load: (srv, d) => load(`${srv.url}/echo`, c.body, d, srv) };
    const post: LoadSide = { start: c.start, load: (srv, d) => load(`${srv.url}/api/v1/recall/bench`, c.body, d, srv) };
    const r = await compareLoads(echo, post, { duration: s.duration, repeats: s.repeats, warmup: s.warmup });
    if (r.b.non2xx || r.b.errors) throw new Error(`${c.id}: ${r.b.non2xx} non-2xx answers and ${r.b.errors} errors from the server under test`);
    out.push(
      figure({
        id: c.id,
        label: c.label,
        value: r.ratio,
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
