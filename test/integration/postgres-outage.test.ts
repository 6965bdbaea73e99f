import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startServer, type ChildServer } from '../helpers/server.js';
import { PgCluster, servicesAvailable, waitFor } from '../helpers/services.js';
import { settle } from '../helpers/socket.js';

/*
 * PostgreSQL stopped under load, then started again: requests answer 503 with a clear message while
 * it is down, nothing half-written remains, and the server resumes by itself.
 */
const available = servicesAvailable('PostgreSQL outage test', { postgres: 'binaries' });

const UNAVAILABLE = { code: 'RECALL_ERR_STORAGE_UNAVAILABLE', detail: 'The database is unavailable; nothing was stored. Try again shortly' };

let cluster: PgCluster;
let server: ChildServer;
let root: string;

beforeAll(async () => {
  if (!available) return;
  cluster = await PgCluster.create();
  root = makeTempRoot('recall-pg-outage-');
  server = await startServer({ root, env: { DATABASE_URL: cluster.url() } });
});

afterAll(async () => {
  await server?.close();
  await cluster?.destroy();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

interface Sent {
  queue: string;
  seed: number;
  status: number;
  body: any;
}

describe.skipIf(!available)('PostgreSQL stopped and started under load', () => {
  it('answers 503 while it is down, keeps no partial write, and resumes by itself', async () => {
    const queues = ['pg-q1', 'pg-q2'];
    const sent: Sent[] = [];
    let seed = 0;
    let stop = false;
    const writer = async (queue: string) => {
      while (!stop) {
        const s = ++seed;
        // A batch into both queues every few requests: all of it or none of it must be stored.
        const res = await (s % 4 === 0
          ? postJson(`${server.url}/api/v1/recall`, { queue_ids: queues, parameters: { seed: s } })
          : postJson(`${server.url}/api/v1/recall/${queue}`, { seed: s })
        ).catch((err: unknown) => ({ status: 0, body: String(err) }));
        sent.push({ queue: s % 4 === 0 ? '*' : queue, seed: s, status: res.status, body: res.body });
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const load = Promise.all(queues.map(writer));
    onTestFinished(() => {
      stop = true;
    });
    await settle(400);

    await cluster.stop('fast');
    await settle(300);
    // Every kind of request says the database is unavailable, with a hint to retry.
    for (const res of [
      await postJson(`${server.url}/api/v1/recall/pg-q1`, { seed: 999 }),
      await postJson(`${server.url}/api/v1/recall`, { queue_ids: ['pg-q1', 'pg-q3'], parameters: { seed: 999 } }),
      await getJson(`${server.url}/api/v1/recall/pg-q1`),
      await getJson(`${server.url}/api/v1/client_state/pg-q1/get_by_key?key=k`),
      await getJson(`${server.url}/api/v2/models/`),
    ]) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
      expect(res.headers.get('retry-after')).toBe('5');
    }

    await cluster.start();
    await waitFor('the server to store recalls again', () => sent.some((s, i) => i > 0 && s.status === 200 && sent[i - 1]!.status === 503), 15_000);
    await settle(200);
    stop = true;
    await load;

    const failed = sent.filter((s) => s.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f).toMatchObject({ status: 503, body: UNAVAILABLE });
    const firstFailure = sent.findIndex((s) => s.status !== 200);
    expect(firstFailure).toBeGreaterThan(0);
    expect(sent.at(-1)!.status).toBe(200);

    // Nothing half-written: each queue's revision counts exactly the recalls answered 200 for it, the
    // answered revisions have no gaps, and the stored seed is the one of its last answered recall.
    for (const queue of queues) {
      const ok = sent
        .filter((s) => s.status === 200 && (s.queue === queue || s.queue === '*'))
        .map((s) => ({ seed: s.seed, revision: (s.queue === '*' ? s.body.results.find((r: any) => r.queue_id === queue) : s.body).revision as number }))
        .sort((x, y) => x.revision - y.revision);
      expect(ok.map((o) => o.revision)).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
      const state = (await getJson(`${server.url}/api/v1/recall/${queue}`)).body;
      expect(state.revision).toBe(ok.length);
      expect(state.stored.seed).toBe(ok.at(-1)!.seed);
    }
    // The batch refused during the outage left nothing in the queue only it named.
    expect((await getJson(`${server.url}/api/v1/recall/pg-q3`)).body.revision).toBe(0);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).toMatch(/PostgreSQL connection lost/);
  });
});
