import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startServers, type ChildServer } from '../helpers/server.js';
import { RedisServer, servicesAvailable, suiteDatabase, waitFor } from '../helpers/services.js';
import { listen, settle, type QueueListener } from '../helpers/socket.js';

/*
 * Redis killed and restarted while two servers take recalls: recalls keep being stored and answered
 * (broadcast `local_only`), the servers reconnect by themselves, and clients that missed events get
 * the stored state once Redis is back.
 */
const available = servicesAvailable('Redis outage test', { postgres: 'url-or-binaries', redis: 'binaries' });

let redis: RedisServer;
let a: ChildServer;
let b: ChildServer;
let root: string;
let releaseDb: (() => Promise<void>) | undefined;
const listeners: QueueListener[] = [];
const id = randomBytes(4).toString('hex');
const q = { both: `both-${id}`, aOnly: `from-a-${id}`, bOnly: `from-b-${id}` };

beforeAll(async () => {
  if (!available) return;
  const db = await suiteDatabase();
  releaseDb = db.release;
  redis = await RedisServer.create();
  root = makeTempRoot('recall-redis-outage-');
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
  [a, b] = (await startServers(2, { root, env })) as [ChildServer, ChildServer];
});

afterAll(async () => {
  for (const l of listeners) l.close();
  await Promise.all([a?.close(), b?.close()]);
  await redis?.destroy();
  await releaseDb?.().catch(() => undefined);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

interface Sent {
  server: 'a' | 'b';
  queue: string;
  seed: number;
  started: number;
  ended: number;
  status: number;
  body: any;
}

describe.skipIf(!available)('Redis stopped and restarted under load', () => {
  it('keeps answering 200 with the broadcast marked local_only, reconnects, and lets clients catch up', async () => {
    const sub = async (server: ChildServer, queueId: string) => {
      const l = await listen(server.url, queueId);
      listeners.push(l);
      return l;
    };
    const clients = { bothOnA: await sub(a, q.both), bothOnB: await sub(b, q.both), aOnlyOnB: await sub(b, q.aOnly), bOnlyOnA: await sub(a, q.bOnly) };

    const before = await postJson(`${a.url}/api/v1/recall/${q.both}`, { seed: 0 });
    expect(before.body.broadcast).toBe('delivered');
    expect((await clients.bothOnB.next()).revision).toBe(1);
    await clients.bothOnA.next();

    // Load: two writers, one per server, posting to the shared queue until told to stop.
    const sent: Sent[] = [];
    let seed = 0;
    let stop = false;
    const writer = async (server: 'a' | 'b') => {
      const url = (server === 'a' ? a : b).url;
      while (!stop) {
        const s = ++seed;
        const started = Date.now();
        const res = await postJson(`${url}/api/v1/recall/${q.both}`, { seed: s }).catch((err: unknown) => ({ status: 0, body: String(err) }));
        sent.push({ server, queue: q.both, seed: s, started, ended: Date.now(), status: res.status, body: res.body });
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all([writer('a'), writer('b')]);
    onTestFinished(() => {
      stop = true;
    });
    await settle(200);

    await redis.stop();
    await waitFor('both servers to notice Redis is gone', () => [a, b].every((s) => /Redis connection to \S+ lost/.test(s.output())), 5000);
    const down = Date.now();
    // Recalls made during the outage, each on one server only, to queues with clients only on the other.
    const fromA = await postJson(`${a.url}/api/v1/recall/${q.aOnly}`, { positive_prompt: 'from a', steps: 21 });
    const fromB = await postJson(`${b.url}/api/v1/recall/${q.bOnly}`, { positive_prompt: 'from b', steps: 22 });
    for (const r of [fromA, fromB]) expect(r).toMatchObject({ status: 200, body: { status: 'success', revision: 1, broadcast: 'local_only' } });
    await settle(1000);
    expect(clients.aOnlyOnB.events).toEqual([]);
    expect(clients.bOnlyOnA.events).toEqual([]);
    const up = Date.now();
    await redis.start();

    const restored = (s: ChildServer) => s.output().includes('restored: broadcasts reach every server again');
    await waitFor('both servers to reconnect by themselves', () => restored(a) && restored(b), 10_000);
    await settle(300);
    stop = true;
    await load;

    // Every recall was stored and answered; none was lost or half-written.
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((s) => s.status !== 200)).toEqual([]);
    const revisions = sent.map((s) => s.body.revision as number).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: sent.length }, (_, i) => i + 2));
    const duringOutage = sent.filter((s) => s.started > down && s.ended < up);
    expect(duringOutage.length).toBeGreaterThan(3);
    expect(new Set(duringOutage.map((s) => s.body.broadcast))).toEqual(new Set(['local_only']));
    for (const s of sent) expect(['delivered', 'local_only']).toContain(s.body.broadcast);

    // Catch-up: each client ends with the stored state's revision, and the payload of that state.
    for (const [queueId, client] of [
      [q.aOnly, clients.aOnlyOnB],
      [q.bOnly, clients.bOnlyOnA],
      [q.both, clients.bothOnA],
      [q.both, clients.bothOnB],
    ] as const) {
      const state = (await getJson(`${a.url}/api/v1/recall/${queueId}`)).body;
      const last = await waitFor(`a client of ${queueId} to reach revision ${state.revision}`, () =>
        client.events.find((e) => e.revision === state.revision),
      );
      expect(last).toMatchObject({ queue_id: queueId, revision: state.revision });
      if (queueId !== q.both) {
        // A full-state event: no append flag, the stored values resolved, the recall's own id.
        expect(last.parameters).toEqual(state.parameters);
        expect(last.parameters).not.toHaveProperty('append');
      }
    }
    expect(clients.aOnlyOnB.events[0]!.parameters).toEqual({ positive_prompt: 'from a', steps: 21 });
    expect(clients.bOnlyOnA.events[0]!.parameters).toEqual({ positive_prompt: 'from b', steps: 22 });

    // Live again across servers.
    const after = await postJson(`${b.url}/api/v1/recall/${q.aOnly}`, { seed: 5 });
    expect(after.body.broadcast).toBe('delivered');
    expect(await waitFor('the next live event', () => clients.aOnlyOnB.events.find((e) => e.revision === after.body.revision))).toBeTruthy();
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
  });
});
