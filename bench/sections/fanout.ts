import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_PATH } from '../../src/shared/socket-events.js';
import { SPEC_EXAMPLES } from '../../test/helpers/spec-examples.js';
import { figure, type BenchSettings, type Figure } from '../lib/figures.js';
import type { BenchProcess } from '../lib/processes.js';
import { median, round } from '../lib/stats.js';

const QUEUE = 'fanout';

interface Audience {
  sockets: Socket[];
  /** Resolves with the time the last of the clients received the next event. */
  nextDelivery(): Promise<number>;
  close(): void;
}

/** `count` real Socket.IO clients subscribed to the queue, connected in batches. */
async function connectAudience(url: string, count: number): Promise<Audience> {
  const sockets: Socket[] = [];
  let received = 0;
  let done: ((t: number) => void) | null = null;
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async () => {
        const socket = io(url, { path: SOCKET_PATH, transports: ['websocket'], forceNew: true, reconnection: false });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const ack = await new Promise<{ ok: boolean }>((resolve) => socket.emit('subscribe_queue', { queue_id: QUEUE }, resolve));
        if (!ack.ok) throw new Error('subscribe failed');
        socket.on('recall_parameters_updated', () => {
          received++;
          if (received === count && done) {
            const d = done;
            done = null;
            d(performance.now());
          }
        });
        return socket;
      }),
    );
    sockets.push(...batch);
  }
  return {
    sockets,
    nextDelivery: () => {
      received = 0;
      return new Promise((resolve) => (done = resolve));
    },
    close: () => sockets.forEach((s) => s.close()),
  };
}

async function timeDelivery(audience: Audience, post: () => Promise<Response>): Promise<number> {
  const delivered = audience.nextDelivery();
  const t0 = performance.now();
  const res = await post();
  if (!res.ok) throw new Error(`fan-out POST answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  const t1 = await Promise.race([delivered, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('event not delivered to every client within 30 s')), 30_000))]);
  return t1 - t0;
}

/**
 * Fan-out: the time from a recall POST to the last of N clients receiving the event, against a bare
 * `io.to(room).emit` of the same event to as many clients of the baseline server. Also reads the
 * server's peak RSS with those clients connected.
 */
export async function fanoutFigures(recall: BenchProcess, baseline: BenchProcess, s: BenchSettings): Promise<Figure[]> {
  const recallAudience = await connectAudience(recall.url, s.clients);
  const baselineAudience = await connectAudience(baseline.url, s.clients);
  try {
    const postRecall = () =>
      fetch(`${recall.url}/api/v1/recall/${QUEUE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SPEC_EXAMPLES.complete });
    // The event the recall server broadcasts, so the baseline emits exactly the same payload.
    const first = recallAudience.nextDelivery();
    const res = await postRecall();
    const answer = (await res.json()) as { parameters: unknown; warnings: unknown[]; revision: number };
    await first;
    const event = JSON.stringify({
      timestamp: Math.floor(Date.now() / 1000),
      queue_id: QUEUE,
      user_id: 'system',
      revision: answer.revision,
      recall_id: '00000000-0000-4000-8000-000000000000',
      parameters: answer.parameters,
      warnings: answer.warnings,
    });
    const postBaseline = () => fetch(`${baseline.url}/emit/${QUEUE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event });

    const trials = Math.max(9, s.repeats * 5);
    const warmup = 3;
    const times = { recall: [] as number[], baseline: [] as number[] };
    for (let i = 0; i < trials + warmup; i++) {
      const b = await timeDelivery(baselineAudience, postBaseline);
      const r = await timeDelivery(recallAudience, postRecall);
      if (i >= warmup) {
        times.baseline.push(b);
        times.recall.push(r);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const mem = recall.memory();
    const baselineMem = baseline.memory();
    const recallMs = median(times.recall);
    const baselineMs = median(times.baseline);
    const mb = (b: number | undefined) => (b === undefined ? null : round(b / 1024 / 1024, 1));
    return [
      figure({
        id: 'fanout',
        label: `fan-out to ${s.clients} Socket.IO clients, POST to last delivery`,
        value: recallMs / baselineMs,
        unit: 'ratio',
        target: { op: '<=', value: 1.5 },
        details: { recall_ms: round(recallMs, 1), baseline_ms: round(baselineMs, 1), trials, event_bytes: event.length },
      }),
      figure({
        id: 'memory',
        label: `server peak RSS with ${s.clients} connected clients`,
        value: mb(mem?.peakRss) ?? NaN,
        unit: 'MB',
        target: { op: '<=', value: 200 },
        details: { recall_rss_mb: mb(mem?.rss), baseline_peak_rss_mb: mb(baselineMem?.peakRss) },
      }),
    ];
  } finally {
    recallAudience.close();
    baselineAudience.close();
  }
}
