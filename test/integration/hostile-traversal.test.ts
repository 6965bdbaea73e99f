import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { makeTempRoot, startServer, type ChildServer } from '../helpers/server.js';

/*
 * Image names from a traversal corpus (issue 6, "Hostile input"), through every way a name reaches
 * the server: the recall body, the image routes (encoded by a client, and raw), and client-state
 * keys. Canary images sit outside outputs/images, one of them behind a symlink inside it. The
 * server must never answer with their size or bytes, and, traced with strace, never open them.
 */

const STRACE_OK = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', '/dev/null', 'true']).status === 0;
if (!STRACE_OK) {
  const msg = 'strace is not available: the traversal corpus runs, but without checking the files the server opens';
  if (process.env.CI) throw new Error(`${msg} (CI must install strace)`);
  console.warn(msg);
}

let root: string;
let outside: string;
let srv: ChildServer;
let trace: string;
const canaries: { file: string; bytes: Buffer; width: number; height: number }[] = [];

beforeAll(async () => {
  root = makeTempRoot();
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-canary-'));
  const images = path.join(root, 'outputs', 'images');
  await writeImage(root, 'ok.png', 64, 64);
  // Canaries with sizes no legitimate image here has: one beside the root's folders, one far outside.
  for (const [dir, name, w, h] of [
    [root, 'secret-root.png', 555, 222],
    [outside, 'secret-canary.png', 777, 333],
  ] as const) {
    await writeImage(root, name, w, h);
    fs.renameSync(path.join(images, name), path.join(dir, name));
    canaries.push({ file: path.join(dir, name), bytes: fs.readFileSync(path.join(dir, name)), width: w, height: h });
  }
  fs.symlinkSync(path.join(outside, 'secret-canary.png'), path.join(images, 'link.png'));
  fs.symlinkSync('../../secret-root.png', path.join(images, 'rel-link.png'));
  fs.symlinkSync(outside, path.join(images, 'linkdir'));
  trace = path.join(os.tmpdir(), `recall-strace-${process.pid}-${Date.now()}.txt`);
  srv = await startServer({
    root,
    wrapper: STRACE_OK ? ['strace', '-f', '-qq', '--seccomp-bpf', '-e', 'trace=open,openat,openat2,creat', '-o', trace] : [],
  });
});

afterAll(async () => {
  // Under strace, the signal goes to the server itself (its pid is in its log lines).
  stopTracedServer();
  await srv?.kill('SIGTERM');
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
  fs.rmSync(trace, { force: true });
});

/** Under strace, the signal must go to the server itself (its pid is in its log lines), not to strace. */
function stopTracedServer(): void {
  const pid = Number(/"pid":(\d+)/.exec(srv?.output() ?? '')?.[1]);
  try {
    if (pid) process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

const CORPUS = [
  '../secret-root.png',
  '../../secret-root.png',
  '../../../../../../../../etc/passwd',
  '/etc/passwd',
  'ABSOLUTE_CANARY',
  '..%2F..%2Fsecret-root.png',
  '..%252F..%252Fsecret-root.png',
  '%2e%2e%2f%2e%2e%2fsecret-root.png',
  '..\\..\\secret-root.png',
  'C:\\secret-root.png',
  'secret-root.png\u0000.png',
  'ok.png\u0000../../secret-root.png',
  `${'a'.repeat(300)}.png`,
  `${'../'.repeat(90)}etc/passwd`,
  '\u2025/secret-root.png',
  '\uff0e\uff0e\uff0fsecret-root.png',
  '..\u2215..\u2215secret-root.png',
  '..\u2044secret-root.png',
  '\u002e\u002e\u29f8secret-root.png',
  'link.png',
  'rel-link.png',
  'linkdir/secret-canary.png',
  'linkdir',
  '.',
  '..',
  '...',
  ' ok.png',
  'ok.png/',
  './ok.png',
  'outputs/images/ok.png',
  '~/secret-root.png',
  'file:///etc/passwd',
  'secret-root.png',
  'secret-canary.png',
];
const names = () => CORPUS.map((n) => (n === 'ABSOLUTE_CANARY' ? path.join(outside, 'secret-canary.png') : n));

/** Fails when a response carries a canary's size or bytes. */
function expectNoCanary(what: string, body: string | Buffer, headers?: Headers | http.IncomingHttpHeaders) {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  for (const c of canaries) {
    expect(text.includes(`"width":${c.width}`) || text.includes(`"height":${c.height}`), `${what}: canary size in ${text.slice(0, 200)}`).toBe(false);
    expect(text.includes(c.bytes.subarray(40, 200).toString('latin1')), `${what}: canary bytes`).toBe(false);
    const length = headers instanceof Headers ? headers.get('content-length') : headers?.['content-length'];
    expect(Number(length), `${what}: canary length`).not.toBe(c.bytes.length);
  }
}

function rawGet(rawPath: string): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the image-name traversal corpus', () => {
  it('never resolves a name outside outputs/images in a recall, as a reference image, control or IP adapter image', async () => {
    for (const name of names()) {
      const body = {
        reference_images: [{ image_name: name }],
        control_layers: [{ model_name: 'none', image_name: name }],
        ip_adapters: [{ model_name: 'none', image_name: name }],
      };
      const res = await postJson(`${srv.url}/api/v1/recall/corpus`, body);
      expect([200, 400], `${JSON.stringify(name)}: ${res.status}`).toContain(res.status);
      expect(res.body.parameters?.reference_images ?? [], JSON.stringify(name)).toEqual([]);
      expectNoCanary(`recall ${JSON.stringify(name)}`, JSON.stringify(res.body));
    }
    const state = await getJson(`${srv.url}/api/v1/recall/corpus`);
    expect(state.body.parameters.reference_images ?? []).toEqual([]);
    expectNoCanary('recall state', JSON.stringify(state.body));
  });

  it('still resolves a real image, so the check above is not vacuous', async () => {
    const res = await postJson(`${srv.url}/api/v1/recall/corpus`, { reference_images: [{ image_name: 'ok.png' }] });
    expect(res.body.parameters.reference_images).toEqual([{ image: { image_name: 'ok.png', width: 64, height: 64 } }]);
  });

  it('answers 400 or 404 on the image routes for every name, encoded as a client would', async () => {
    // Dot segments are resolved by the client itself (`i/..` is the image list): the raw test sends them.
    for (const name of names().filter((n) => !/^\.{1,2}$/.test(n))) {
      for (const suffix of ['', '/full', '/thumbnail']) {
        const res = await fetch(`${srv.url}/api/v1/images/i/${encodeURIComponent(name)}${suffix}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect([400, 404], `${JSON.stringify(name)}${suffix}: ${res.status}`).toContain(res.status);
        expectNoCanary(`GET ${JSON.stringify(name)}${suffix}`, bytes, res.headers);
      }
    }
  });

  it('answers raw, unnormalised paths without serving anything outside', async () => {
    const raw = [
      '/api/v1/images/i/../../../secret-root.png/full',
      '/api/v1/images/i/../full',
      '/api/v1/images/i/./full',
      '/api/v1/images/i/..',
      '/api/v1/images/i/..%2F..%2Fsecret-root.png/full',
      '/api/v1/images/i/..%252F..%252Fsecret-root.png/full',
      '/api/v1/images/i/%2e%2e%2f%2e%2e%2fsecret-root.png/full',
      '/api/v1/images/i/..%5C..%5Csecret-root.png/full',
      '/api/v1/images/i/ok.png%00.png/full',
      '/api/v1/images/i/link.png/full',
      '/api/v1/images/i/rel-link.png',
      '/api/v1/images/i/linkdir%2Fsecret-canary.png/full',
      `/api/v1/images/i/${encodeURIComponent(path.join(outside, 'secret-canary.png'))}/full`,
      '/api/v1/images/i/%EF%BC%8E%EF%BC%8E%EF%BC%8Fsecret-root.png/full',
      '/api/v1/images/i/%C0%AE%C0%AE%C0%AFsecret-root.png/full',
      '/../../secret-root.png',
      '/%2e%2e/%2e%2e/secret-root.png',
    ];
    for (const p of raw) {
      const res = await rawGet(p);
      expect(res.status, `${p}: ${res.status}`).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
      expectNoCanary(`raw ${p}`, res.body, res.headers);
    }
  });

  it('lists only the real image, never the symlinks', async () => {
    const list = await getJson(`${srv.url}/api/v1/images/`);
    expect(list.body.items.map((i: { image_name: string }) => i.image_name)).toEqual(['ok.png']);
  });

  it('keeps client-state keys as data: a key shaped like a path stores and reads back, opening no file', async () => {
    for (const key of names().filter((k) => k.length > 0 && k.length <= 256)) {
      const url = `${srv.url}/api/v1/client_state/corpus`;
      const set = await postJson(`${url}/set_by_key?key=${encodeURIComponent(key)}`, JSON.stringify('v'));
      expect(set.status, JSON.stringify(key)).toBe(200);
      const got = await getJson(`${url}/get_by_key?key=${encodeURIComponent(key)}`);
      expect(got.body, JSON.stringify(key)).toBe('v');
    }
  });

  it.skipIf(!STRACE_OK)('never opened a canary: strace saw every file the server opened', async () => {
    // Closing the server flushes the trace; the trace must show the real image being opened.
    stopTracedServer();
    await srv.kill('SIGTERM');
    const opened = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => /\bopen(at2?)?\(|\bcreat\(/.test(l));
    expect(opened.some((l) => l.includes('outputs/images/ok.png')), 'the trace shows the real image opened').toBe(true);
    const touched = opened.filter((l) => l.includes('secret-root.png') || l.includes('secret-canary.png') || l.includes('/etc/passwd'));
    expect(touched).toEqual([]);
  });
});
