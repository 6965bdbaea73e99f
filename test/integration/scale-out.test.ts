import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startServers, type ChildServer } from '../helpers/server.js';
import { servicesAvailable, suiteDatabase, suiteRedis } from '../helpers/services.js';
import { listen, settle, type QueueListener } from '../helpers/socket.js';

/*
 * Two `recall serve` processes on one PostgreSQL and one Redis, sharing one root (as instances
 * behind a load balancer share a file system): what one stores and broadcasts, the other serves.
 */
const available = servicesAvailable('scale-out tests', { postgres: 'url-or-binaries', redis: 'url-or-binaries' });

let a: ChildServer;
let b: ChildServer;
let root: string;
const releases: (() => Promise<void>)[] = [];
const listeners: QueueListener[] = [];
/** Queue ids unique to this run: the Redis server may be shared with other suites. */
const queue = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const sub = async (server: ChildServer, queueId: string) => {
  const l = await listen(server.url, queueId);
  listeners.push(l);
  return l;
};

beforeAll(async () => {
  if (!available) return;
  const db = await suiteDatabase();
  releases.push(db.release);
  const redis = await suiteRedis();
  releases.push(redis.release);
  root = makeTempRoot('recall-scale-');
  writeModelFile(root, { name: 'sd-1.5', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'sdxl-base', type: 'main', base: 'sdxl' });
  // Same name, two bases: which one a recall gets depends on the queue's main model.
  writeModelFile(root, { name: 'detail', type: 'lora', base: 'sd-1' });
  writeModelFile(root, { name: 'detail', type: 'lora', base: 'sdxl' });
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
  // Started together: both migrate and scan the same empty database at once.
  [a, b] = (await startServers(2, { root, env })) as [ChildServer, ChildServer];
});

afterAll(async () => {
  for (const l of listeners) l.close();
  await Promise.all([a?.close(), b?.close()]);
  for (const release of releases) await release().catch(() => undefined);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!available)('two servers on one PostgreSQL and one Redis', () => {
  it('both registered the model folder once, under one key, though they scanned it at the same time', async () => {
    const [fromA, fromB] = await Promise.all([getJson(`${a.url}/api/v2/models/`), getJson(`${b.url}/api/v2/models/`)]);
    expect(fromA.body.models).toHaveLength(4);
    expect(fromB.body.models).toEqual(fromA.body.models);
  });

  it('a recall posted to the first server reaches socket clients of the second with the same revision and payload', async () => {
    const q = queue('cross');
    const onB = await sub(b, q);
    const onA = await sub(a, q);
    const res = await postJson(`${a.url}/api/v1/recall/${q}`, { model: 'sd-1.5', positive_prompt: 'a lighthouse', seed: 7 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', revision: 1, broadcast: 'delivered' });
    const models = (await getJson(`${b.url}/api/v2/models/?model_name=sd-1.5`)).body.models;
    expect(res.body.parameters).toEqual({ model: models[0].key, positive_prompt: 'a lighthouse', seed: 7 });
    const [eventB, eventA] = await Promise.all([onB.next(), onA.next()]);
    expect(eventB).toMatchObject({ queue_id: q, revision: 1, parameters: res.body.parameters });
    expect(eventA).toEqual(eventB);
    await settle();
    expect(onB.events).toHaveLength(1);
  });

  it('a GET on the second server returns what the first stored', async () => {
    const q = queue('get');
    await postJson(`${a.url}/api/v1/recall/${q}`, { steps: 30, loras: [] });
    const res = await postJson(`${a.url}/api/v1/recall/${q}`, { cfg_scale: 6.5, reference_images: [{ image_name: 'ref.png' }] });
    const state = await getJson(`${b.url}/api/v1/recall/${q}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      queue_id: q,
      revision: res.body.revision,
      stored: { steps: 30, loras: [], cfg_scale: 6.5, reference_images: [{ image_name: 'ref.png' }] },
    });
    // Client state written through one server is read through the other.
    const key = `${a.url}/api/v1/client_state/${q}/set_by_key?key=layout`;
    const set = await fetch(key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify('{"wide":true}') });
    expect(set.status).toBe(200);
    expect((await getJson(`${b.url}/api/v1/client_state/${q}/get_by_key?key=layout`)).body).toBe('{"wide":true}');
  });

  it('a client of the second server that was disconnected during a recall catches up from its GET', async () => {
    const q = queue('late');
    const client = await sub(b, q);
    await postJson(`${a.url}/api/v1/recall/${q}`, { seed: 1 });
    const seen = await client.next();
    client.close();
    const missed = await postJson(`${a.url}/api/v1/recall/${q}`, { seed: 2, steps: 12 });
    expect(missed.body.broadcast).toBe('delivered');

    // Back online: the client compares the stored revision with the last one it applied.
    const back = await sub(b, q);
    const state = await getJson(`${b.url}/api/v1/recall/${q}`);
    expect(state.body.revision).toBeGreaterThan(seen.revision);
    expect(state.body.revision).toBe(missed.body.revision);
    expect(state.body.stored).toEqual({ seed: 2, steps: 12 });
    expect(state.body.parameters).toEqual(missed.body.parameters);
    // And it hears the next recall live again.
    const next = await postJson(`${a.url}/api/v1/recall/${q}`, { seed: 3 });
    expect((await back.next()).revision).toBe(next.body.revision);
  });

  it('a batch recall stores every queue and sends one event to each queue\'s clients on both servers', async () => {
    const [q1, q2, q3] = [queue('batch1'), queue('batch2'), queue('batch3')];
    const clients = { q1: await sub(a, q1), q2: await sub(b, q2), q3b: await sub(b, q3), q3a: await sub(a, q3) };
    await postJson(`${a.url}/api/v1/recall/${q2}`, { seed: 1 });
    await clients.q2.next();

    const res = await postJson(`${b.url}/api/v1/recall`, { queue_ids: [q3, q1, q2], parameters: { positive_prompt: 'batch', steps: 10 } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(res.body.results.map((r: any) => [r.queue_id, r.revision, r.broadcast, r.updated_count])).toEqual([
      [q3, 1, 'delivered', 2],
      [q1, 1, 'delivered', 2],
      [q2, 2, 'delivered', 2],
    ]);
    const events = await Promise.all([clients.q1.next(), clients.q2.next(), clients.q3a.next(), clients.q3b.next()]);
    expect(events.map((e) => [e.queue_id, e.revision])).toEqual([
      [q1, 1],
      [q2, 2],
      [q3, 1],
      [q3, 1],
    ]);
    // One recall: one recall id across the queues, and the same payload.
    expect(new Set(events.map((e) => e.recall_id)).size).toBe(1);
    for (const e of events) expect(e.parameters).toEqual({ positive_prompt: 'batch', steps: 10 });
    await settle();
    expect(clients.q1.events).toHaveLength(1);
    expect(clients.q3a.events).toHaveLength(1);
    expect(clients.q3b.events).toHaveLength(1);
    for (const q of [q1, q2, q3]) expect((await getJson(`${a.url}/api/v1/recall/${q}`)).body.stored).toMatchObject({ positive_prompt: 'batch', steps: 10 });
  });

  it('resolves a batch recall for each queue against that queue\'s own main model', async () => {
    const [sd1, sdxl] = [queue('sd1'), queue('sdxl')];
    await postJson(`${a.url}/api/v1/recall/${sd1}`, { model: 'sd-1.5' });
    await postJson(`${b.url}/api/v1/recall/${sdxl}`, { model: 'sdxl-base' });
    const res = await postJson(`${a.url}/api/v1/recall`, { queue_ids: [sd1, sdxl], parameters: { loras: [{ model_name: 'detail', weight: 0.5 }] } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.queue_id, r.parameters.loras[0].model_base, r.parameters.loras[0].weight])).toEqual([
      [sd1, 'sd-1', 0.5],
      [sdxl, 'sdxl', 0.5],
    ]);
  });

  it('rejects a batch naming a queue twice, or more than 100 queues, and stores nothing', async () => {
    const q = queue('dup');
    const dup = await postJson(`${a.url}/api/v1/recall`, { queue_ids: [q, 'other', q], parameters: { seed: 1 } });
    expect(dup.status).toBe(400);
    expect(dup.body.detail).toEqual([
      { loc: ['body', 'queue_ids', 2], msg: `queue id "${q}" is listed twice; queue_ids must be unique`, type: 'value_error' },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `${q}-${i}`);
    const tooMany = await postJson(`${a.url}/api/v1/recall`, { queue_ids: many, parameters: { seed: 1 } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail[0]).toMatchObject({ loc: ['body', 'queue_ids'], type: 'too_long' });
    const badValue = await postJson(`${a.url}/api/v1/recall`, { queue_ids: [q], parameters: { steps: 0 } });
    expect(badValue.status).toBe(400);
    expect(badValue.body.detail[0].loc).toEqual(['body', 'parameters', 'steps']);
    for (const id of [q, many[0]!]) expect((await getJson(`${b.url}/api/v1/recall/${id}`)).body.revision).toBe(0);
  });

  it('loses no append when both servers append to one queue at once', async () => {
    const q = queue('append');
    const n = 24;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        postJson(`${(i % 2 ? a : b).url}/api/v1/recall/${q}?append=true`, { reference_images: [{ image_name: `img-${i}.png` }] }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(n).fill(200));
    expect(results.map((r) => r.body.revision).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const state = await getJson(`${b.url}/api/v1/recall/${q}`);
    expect(state.body.revision).toBe(n);
    expect((state.body.stored.reference_images as { image_name: string }[]).map((r) => r.image_name).sort()).toEqual(
      Array.from({ length: n }, (_, i) => `img-${i}.png`).sort(),
    );
  });

  it('documents the batch route in OpenAPI from the shared schemas', async () => {
    const spec = (await getJson(`${b.url}/openapi.json`)).body;
    const op = spec.paths['/api/v1/recall'].post;
    expect(op.operationId).toBe('update_recall_parameters_batch');
    const body = op.requestBody.content['application/json'].schema;
    expect(body.properties.queue_ids).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toEqual(['status', 'results']);
  });
});
