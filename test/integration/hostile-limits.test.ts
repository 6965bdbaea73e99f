import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/shared/recall.js';
import { getJson, postJson } from '../helpers/http.js';
import { stuckClient } from '../helpers/raw-socket.js';
import { startApp, startServer, type ChildServer, type InProcessServer } from '../helpers/server.js';
import { listen } from '../helpers/socket.js';

/* Limits (issue 6): oversized bodies, a client that stops reading, and floods. */

describe('oversized bodies', () => {
  let srv: InProcessServer;
  beforeAll(async () => (srv = await startApp({ settings: { bodyLimit: 64 * 1024, uploadLimit: 64 * 1024 } })));
  afterAll(() => srv?.close());

  // The recall routes take the body limit plus room for a base64 image as large as an upload
  // (64 KiB + 88 KiB here): a body past that is refused before it is parsed.
  it('answers 413 to a JSON body over the limit, sent whole or streamed, and stores nothing', async () => {
    const big = JSON.stringify({ positive_prompt: 'p'.repeat(200 * 1024) });
    const whole = await postJson(`${srv.url}/api/v1/recall/default`, big);
    expect(whole.status).toBe(413);
    expect(whole.body).toEqual({ detail: 'The request body is too large', code: 'RECALL_ERR_PAYLOAD_TOO_LARGE' });
    // Chunked, with no Content-Length to refuse up front: the server must count as it reads.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 25; i++) c.enqueue(new TextEncoder().encode(i === 0 ? `{"positive_prompt": "${'q'.repeat(10_000)}` : 'q'.repeat(10_000)));
        c.enqueue(new TextEncoder().encode('"}'));
        c.close();
      },
    });
    const streamed = await fetch(`${srv.url}/api/v1/recall/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await getJson(`${srv.url}/api/v1/recall/default`)).body.revision).toBe(0);
  });

  it('answers 413 to a body over the plain limit on routes that take no images', async () => {
    const res = await postJson(`${srv.url}/api/v1/client_state/default/set_by_key?key=big`, JSON.stringify('v'.repeat(70 * 1024)));
    expect(res.status).toBe(413);
  });

  it('answers 413 to an upload over the limit and leaves no file behind', async () => {
    const side = 200;
    const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(png.length).toBeGreaterThan(64 * 1024);
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'big.png');
    const res = await fetch(`${srv.url}/api/v1/images/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: 'The request body is too large', code: 'RECALL_ERR_PAYLOAD_TOO_LARGE' });
    const images = path.join(srv.root, 'outputs', 'images');
    expect(fs.readdirSync(images).filter((f) => f !== 'thumbnails')).toEqual([]);
  });
});

describe('a socket client that stops reading', () => {
  let srv: ChildServer;
  beforeAll(async () => (srv = await startServer()));
  afterAll(() => srv?.close());

  it('does not delay the others: every event reaches a live client promptly while the stuck one is full', async () => {
    const stuck = await stuckClient(srv.url, 'busy');
    const live = await listen(srv.url, 'busy');
    try {
      // Two 100k-character prompts make each event about 200 kB; 60 of them are far more than the
      // kernel buffers of the stuck connection hold.
      const body = { positive_prompt: 'a'.repeat(LIMITS.promptChars), negative_prompt: 'b'.repeat(LIMITS.promptChars) };
      const delays: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        const res = await postJson(`${srv.url}/api/v1/recall/busy`, { ...body, seed: i });
        expect(res.status).toBe(200);
        const event = await live.next(5000);
        expect(event.parameters.seed).toBe(i);
        delays.push(performance.now() - t0);
      }
      delays.sort((a, b) => a - b);
      // Generous bounds for a shared machine; a blocked server would take seconds per event.
      expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(250);
      expect(delays.at(-1)).toBeLessThan(2000);
      const version = performance.now();
      expect((await getJson(`${srv.url}/api/v1/app/version`)).status).toBe(200);
      expect(performance.now() - version).toBeLessThan(500);
      expect(stuck.readBeforeStopping).toBeLessThan(10_000);
      // The stuck client really is stuck: what was sent to it piles up unread (where Linux says so).
      const unread = stuck.unreadBytes();
      if (unread !== null) expect(unread).toBeGreaterThan(50_000);
    } finally {
      live.close();
      stuck.close();
    }
  });
});

describe('floods', () => {
  let limited: InProcessServer;
  beforeAll(async () => (limited = await startApp({ settings: { rateLimit: 30, webDir: null } })));
  afterAll(() => limited?.close());

  it('answers 429 with Retry-After beyond --rate-limit requests a minute, and stores nothing then', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => getJson(`${limited.url}/api/v1/recall/flood`)));
    const ok = answers.filter((a) => a.status === 200);
    const limitedAnswers = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(30);
    expect(limitedAnswers).toHaveLength(20);
    expect(limitedAnswers[0]!.body.code).toBe('RECALL_ERR_RATE_LIMITED');
    expect(limitedAnswers[0]!.body.detail).toMatch(/^Too many requests: at most 30 a minute from one address; retry in/);
    expect(Number(limitedAnswers[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const post = await postJson(`${limited.url}/api/v1/recall/flood`, { seed: 1 });
    expect(post.status).toBe(429);
  });

  it('does not count the web UI\'s own files', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${limited.url}/`)).status).toBe(200);
  });

  it('has no limit unless one is configured', async () => {
    const open = await startApp();
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, () => getJson(`${open.url}/api/v1/recall/flood`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    } finally {
      await open.close();
    }
  });
});
