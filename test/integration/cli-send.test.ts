import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFile } from '../helpers/fixtures.js';
import { getJson } from '../helpers/http.js';
import { A1111_PARAMETERS, a1111Png, invokeAiPng, plainPng } from '../helpers/generated-images.js';
import { CLI, makeTempRoot, startServer, type ChildServer } from '../helpers/server.js';

/* `recall send`, end to end: the built CLI against the built server, and against a bare InvokeAI-like server. */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function send(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'send', ...args], { env: { ...process.env, RECALL_SERVER: '', RECALL_TOKEN: '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let srv: ChildServer;
let dir: string;
const file = (name: string) => path.join(dir, name);
const state = async (queue: string) => (await getJson(`${srv.url}/api/v1/recall/${queue}`)).body;

beforeAll(async () => {
  const root = makeTempRoot();
  writeModelFile(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'detail-tweaker', type: 'lora', base: 'sd-1' });
  writeModelFile(root, { name: 'juggernaut', type: 'main', base: 'sdxl' });
  srv = await startServer({ root, args: ['--no-hash'] });

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-send-'));
  fs.writeFileSync(file('a1111.png'), await a1111Png(A1111_PARAMETERS));
  fs.writeFileSync(file('invoke.png'), await invokeAiPng());
  fs.writeFileSync(file('plain.png'), await plainPng());
  fs.writeFileSync(file('body.json'), JSON.stringify({ steps: 33, cfg_scale: 4.5, reference_images: [{ image_name: 'style.png' }] }));
  fs.writeFileSync(file('style.png'), await plainPng(30, 20));
  fs.writeFileSync(file('bad.json'), JSON.stringify({ steps: 0 }));
});
afterAll(async () => {
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('recall send', () => {
  it('sends several images, reports the bad ones, carries on, and exits 1 when not all went through', async () => {
    const run = await send(['--server', srv.url, '--queue', 'cli1', file('a1111.png'), file('plain.png'), file('missing.png'), file('invoke.png')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`✓ ${file('a1111.png')}: 10 parameter(s), from automatic1111 v1.9.4`);
    expect(run.stdout).toContain(`✗ ${file('plain.png')}: no generation metadata found in ${file('plain.png')}`);
    expect(run.stdout).toContain(`✗ ${file('missing.png')}: cannot read ${file('missing.png')}: ENOENT`);
    expect(run.stdout).toContain(`sent 2 of 4 to queue cli1 on ${srv.url} (2 failed)`);
    // The last good image is what the queue holds now.
    const s = await state('cli1');
    expect(s.stored.positive_prompt).toBe('a lighthouse at dusk, oil painting');
    expect(s.revision).toBe(2);
  });

  it('exits 0 when every input went through, and sends a JSON body, uploading the image it names from beside it', async () => {
    const run = await send(['--server', srv.url, '--queue', 'cli2', file('body.json'), '{"seed": 99}']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/uploaded style\.png → [0-9a-f-]{36}\.png/);
    const s = await state('cli2');
    expect(s.stored).toMatchObject({ steps: 33, cfg_scale: 4.5, seed: 99 });
    expect(s.parameters.reference_images[0].image).toMatchObject({ width: 30, height: 20 });
    expect(s.warnings).toEqual([]);
  });

  it('refuses an invalid JSON body locally, naming the field', async () => {
    const run = await send(['--server', srv.url, '--queue', 'cli3', file('bad.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('steps:');
    expect((await state('cli3')).revision).toBe(0);
  });

  it('appends reference images with --append and leaves the seed out with --remix', async () => {
    const body = file('refs.json');
    fs.writeFileSync(body, JSON.stringify({ seed: 5, reference_images: [{ image_name: 'style.png' }] }));
    expect((await send(['--server', srv.url, '--queue', 'cli4', body])).code).toBe(0);
    const appended = await send(['--server', srv.url, '--queue', 'cli4', '--append', '--json', body]);
    expect(appended.code).toBe(0);
    expect(JSON.parse(appended.stdout)).toEqual([expect.objectContaining({ ok: true, updated_count: 2, error: null })]);
    expect((await state('cli4')).stored.reference_images).toHaveLength(2);

    await send(['--server', srv.url, '--queue', 'cli5', '--remix', file('a1111.png')]);
    const s = await state('cli5');
    expect(s.stored).not.toHaveProperty('seed');
    expect(s.stored.steps).toBe(25);
  });

  it('refuses --strict with --append, and an unreachable server, before sending anything', async () => {
    const both = await send(['--server', srv.url, '--strict', '--append', file('a1111.png')]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/cannot be used with option/);
    const down = await send(['--server', 'http://127.0.0.1:9', file('a1111.png')]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('recall send against an InvokeAI-like server', () => {
  let bare: http.Server;
  let bareUrl: string;
  const requests: { method: string; url: string; authorization: string | undefined; body: string }[] = [];
  let openapi = true;

  beforeAll(async () => {
    // Only the routes InvokeAI has; its OpenAPI lists the recall POST and its query flags.
    bare = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.url === '/openapi.json') {
          if (!openapi) return json(404, { detail: 'Not Found' });
          return json(200, {
            paths: { '/api/v1/recall/{queue_id}': { post: { parameters: [{ name: 'queue_id', in: 'path' }, { name: 'strict', in: 'query' }, { name: 'append', in: 'query' }] } } },
          });
        }
        if (req.url === '/api/v1/app/version') return json(200, { version: '6.13.0' });
        if (req.url!.startsWith('/api/v1/recall/')) {
          const params = JSON.parse(body);
          return json(200, { status: 'success', queue_id: 'default', updated_count: Object.keys(params).length, parameters: params });
        }
        return json(404, { detail: 'Not Found' });
      });
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => bare.close(() => resolve())));

  it('uses only InvokeAI routes, sending the token as a bearer header', async () => {
    requests.length = 0;
    const run = await send(['--server', bareUrl, '--token', 'tok-123', '--append', file('a1111.png')]);
    expect(run.code).toBe(0);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /openapi.json', 'POST /api/v1/recall/default?append=true']);
    expect(requests.every((r) => r.authorization === 'Bearer tok-123')).toBe(true);
    expect(JSON.parse(requests[1]!.body)).toMatchObject({ positive_prompt: 'a cat wearing a tiny hat, studio light', seed: 987654, scheduler: 'dpmpp_2m_k' });
  });

  it('falls back to the version without OpenAPI, and refuses --append on a server too old for it', async () => {
    openapi = false;
    requests.length = 0;
    const run = await send(['--server', bareUrl, '--append', file('a1111.png')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('does not support --append');
    expect(requests.map((r) => r.url)).toEqual(['/openapi.json', '/api/v1/app/version']);
    const plain = await send(['--server', bareUrl, file('a1111.png')]);
    expect(plain.code).toBe(0);
    openapi = true;
  });
});
