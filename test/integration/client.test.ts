import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecallClient, RecallApiError, RecallConnectionError, type RecallParametersUpdatedEvent } from '../../src/client/index.js';
import { writeModelFile } from '../helpers/fixtures.js';
import { A1111_PARAMETERS, a1111Png, plainPng } from '../helpers/generated-images.js';
import { makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';
import { settle } from '../helpers/socket.js';

/* The typed client (src/client) against the real server: HTTP calls, errors and the socket subscription. */

let srv: InProcessServer;
beforeAll(async () => {
  const root = makeTempRoot();
  writeModelFile(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' });
  fs.writeFileSync(path.join(root, 'outputs', 'images', 'cat.png'), await a1111Png(A1111_PARAMETERS));
  srv = await startApp({ root, settings: { hashModels: false } });
});
afterAll(() => srv?.close());

/** Resolves with the next event a handler gets. */
function nextEvent(events: RecallParametersUpdatedEvent[], timeoutMs = 3000): Promise<RecallParametersUpdatedEvent> {
  const start = events.length;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (events.length > start) {
        clearInterval(t);
        resolve(events[start]!);
      }
    }, 10);
    setTimeout(() => {
      clearInterval(t);
      reject(new Error('no event'));
    }, timeoutMs);
  });
}

describe('the typed client', () => {
  it('recalls, and a subscriber of the queue gets the event until it unsubscribes', async () => {
    const client = createRecallClient({ baseUrl: `${srv.url}/` });
    const events: RecallParametersUpdatedEvent[] = [];
    const other: RecallParametersUpdatedEvent[] = [];
    const unsubscribe = client.subscribe('c1', (e) => events.push(e));
    const unsubscribeOther = client.subscribe('c1-other', (e) => other.push(e));
    await unsubscribe.ready;
    await unsubscribeOther.ready;

    const pending = nextEvent(events);
    const res = await client.recall('c1', { seed: 7, model: 'dreamshaper_8' });
    expect(res.status).toBe('success');
    if (res.status !== 'success') return;
    const event = await pending;
    expect(event.parameters).toEqual(res.parameters);
    expect(event.revision).toBe(res.revision);
    expect(other).toEqual([]);

    unsubscribe();
    await settle(100);
    await client.recall('c1', { seed: 8 });
    await settle();
    expect(events).toHaveLength(1);
    unsubscribeOther();
    client.close();
  });

  it('reads the state, uploads images and checks their existence', async () => {
    const client = createRecallClient({ baseUrl: srv.url });
    await client.recall('c2', { steps: 12 });
    const state = await client.state('c2');
    expect(state.stored).toEqual({ steps: 12 });
    const record = await client.uploadImage(await plainPng(20, 10), 'tiny.png');
    expect(record).toMatchObject({ width: 20, height: 10, image_category: 'user' });
    expect(await client.imageExists(record.image_name)).toBe(true);
    expect(await client.imageExists('no-such-image.png')).toBe(false);
  });

  it('recalls from an image by upload and by name, with remix', async () => {
    const client = createRecallClient({ baseUrl: srv.url });
    const byFile = await client.fromImage('c3', { file: await a1111Png(A1111_PARAMETERS), filename: 'a.png' });
    expect(byFile.source.tool).toBe('automatic1111');
    expect(byFile).toMatchObject({ status: 'success', parameters: { seed: 987654 } });
    const byName = await client.fromImage('c3', { imageName: 'cat.png' }, { remix: true });
    expect(byName.remix).toBe(true);
    expect(byName.status).toBe('success');
    expect((byName as { parameters?: object }).parameters).not.toHaveProperty('seed');
  });

  it('throws a typed error carrying the server\'s detail', async () => {
    const client = createRecallClient({ baseUrl: srv.url });
    const err = await client.recall('c4', { steps: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecallApiError);
    const api = err as RecallApiError;
    expect(api.status).toBe(400);
    expect(api.code).toBe('RECALL_ERR_VALIDATION');
    expect(Array.isArray(api.detail)).toBe(true);
    expect(api.message).toMatch(/^400: steps: /);
    const noMeta = (await client.fromImage('c4', { file: await plainPng(), filename: 'p.png' }).catch((e: unknown) => e)) as RecallApiError;
    expect([noMeta.status, noMeta.code, noMeta.detail]).toEqual([422, 'RECALL_ERR_NO_METADATA', 'no generation metadata found in the uploaded file p.png']);
  });

  it('reports an unreachable server as a connection error', async () => {
    const client = createRecallClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await expect(client.version()).rejects.toBeInstanceOf(RecallConnectionError);
  });

  it('reads what the server supports from its OpenAPI document', async () => {
    const client = createRecallClient({ baseUrl: srv.url });
    expect(await client.capabilities()).toEqual({ recall: true, append: true, strict: true, fromImage: true, version: null, source: 'openapi' });
    expect((await client.version()).recall_version).toEqual(expect.any(String));
  });

  it('sends the token as a bearer header and as the socket\'s auth', async () => {
    const seen: { auth: unknown; header: unknown }[] = [];
    srv.server.io.on('connection', (s) => seen.push({ auth: s.handshake.auth, header: s.handshake.headers.authorization }));
    const client = createRecallClient({ baseUrl: srv.url, token: 's3cret' });
    const unsubscribe = client.subscribe('c5', () => undefined);
    await unsubscribe.ready;
    expect(seen.at(-1)).toEqual({ auth: { token: 's3cret' }, header: 'Bearer s3cret' });
    unsubscribe();

    // The HTTP side, against a bare server that only records what arrives.
    const headers: (string | undefined)[] = [];
    const bare = http.createServer((req, res) => {
      headers.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: '6.13.0' }));
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const c = createRecallClient({ baseUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, token: 's3cret' });
      await c.version();
      expect(headers).toEqual(['Bearer s3cret']);
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});
