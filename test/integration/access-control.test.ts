import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage, writeModelFile } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { closeAndRemove, makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';
import { connectSocket, listen, settle, subscribe } from '../helpers/socket.js';

/*
 * Access control (issue 6): off by default; with tokens, REST needs a Bearer token, the socket a
 * token in its handshake, and a token reaches only its own queues.
 */

const SHARED = 'shared-token-0123456789abcdef';
const PHOTOMAP = 'photomap-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef0123';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A root with one model and one image, so the image and model routes have something to refuse. */
async function rootWithContent(): Promise<string> {
  const root = makeTempRoot();
  writeModelFile(root, { name: 'sd-1.5', type: 'main', base: 'sd-1' });
  await writeImage(root, 'cat.png', 64, 48);
  return root;
}

/** Every protected route, with what a client would send; none may answer without a token. */
function protectedRequests(srv: InProcessServer): { name: string; init: RequestInit & { url: string } }[] {
  const url = srv.url;
  const json = { 'content-type': 'application/json' };
  const form = new FormData();
  form.append('file', new Blob([fs.readFileSync(path.join(srv.root, 'outputs', 'images', 'cat.png'))]), 'upload.png');
  return [
    { name: 'POST recall', init: { url: `${url}/api/v1/recall/default`, method: 'POST', headers: json, body: '{"seed":1}' } },
    { name: 'GET recall', init: { url: `${url}/api/v1/recall/default` } },
    { name: 'client state get', init: { url: `${url}/api/v1/client_state/default/get_by_key?key=a` } },
    { name: 'client state set', init: { url: `${url}/api/v1/client_state/default/set_by_key?key=a`, method: 'POST', headers: json, body: '"v"' } },
    { name: 'client state keys', init: { url: `${url}/api/v1/client_state/default/get_keys_by_prefix?prefix=` } },
    { name: 'client state delete', init: { url: `${url}/api/v1/client_state/default/delete`, method: 'POST' } },
    { name: 'model list', init: { url: `${url}/api/v2/models/` } },
    { name: 'model scan', init: { url: `${url}/api/v2/models/scan`, method: 'POST' } },
    { name: 'image list', init: { url: `${url}/api/v1/images/` } },
    { name: 'image record', init: { url: `${url}/api/v1/images/i/cat.png` } },
    { name: 'image file', init: { url: `${url}/api/v1/images/i/cat.png/full` } },
    { name: 'image thumbnail', init: { url: `${url}/api/v1/images/i/cat.png/thumbnail` } },
    { name: 'image upload', init: { url: `${url}/api/v1/images/upload`, method: 'POST', body: form } },
  ];
}

async function send(init: RequestInit & { url: string }, headers: Record<string, string> = {}) {
  const res = await fetch(init.url, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // bytes of an image
  }
  return { status: res.status, body, headers: res.headers };
}

describe('access control is off by default', () => {
  let srv: InProcessServer;
  beforeAll(async () => (srv = await startApp({ root: await rootWithContent() })));
  afterAll(() => closeAndRemove(srv));

  it('serves every route without a token and names the caller "system"', async () => {
    const client = await listen(srv.url, 'default');
    try {
      for (const { name, init } of protectedRequests(srv)) {
        const res = await send(init);
        expect(res.status, name).toBeLessThan(400);
      }
      expect((await client.next()).user_id).toBe('system');
    } finally {
      client.close();
    }
  });
});

describe('one shared token (--auth-token)', () => {
  let srv: InProcessServer;
  beforeAll(async () => (srv = await startApp({ root: await rootWithContent(), settings: { authToken: SHARED } })));
  afterAll(() => closeAndRemove(srv));

  it('refuses every API route without a token: 401, a Bearer challenge and RECALL_ERR_UNAUTHORIZED', async () => {
    for (const { name, init } of protectedRequests(srv)) {
      const res = await send(init);
      expect(res.status, name).toBe(401);
      expect(res.headers.get('www-authenticate'), name).toBe('Bearer realm="recall"');
      expect(res.body, name).toEqual({
        detail: 'Authentication required: send the header "Authorization: Bearer <token>"',
        code: 'RECALL_ERR_UNAUTHORIZED',
      });
    }
  });

  it('refuses a wrong token, and a header of another scheme, as invalid', async () => {
    const [first] = protectedRequests(srv);
    const wrong = await send(first!.init, bearer(`${SHARED}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: 'The token is not valid', code: 'RECALL_ERR_UNAUTHORIZED' });
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="recall", error="invalid_token"');
    const basic = await send(first!.init, { authorization: `Basic ${Buffer.from(`user:${SHARED}`).toString('base64')}` });
    expect(basic.status).toBe(401);
    expect(basic.body.detail).toBe('The Authorization header must be "Bearer <token>"');
  });

  it('stores nothing for a refused recall', async () => {
    await postJson(`${srv.url}/api/v1/recall/refused`, { seed: 5 });
    const state = await getJson(`${srv.url}/api/v1/recall/refused`, bearer(SHARED));
    expect(state.body).toMatchObject({ revision: 0, stored: {} });
  });

  it('serves every route with the token, and events name the token holder', async () => {
    const client = await listen(srv.url, 'default', { auth: { token: SHARED } });
    try {
      for (const { name, init } of protectedRequests(srv)) {
        const res = await send(init, bearer(SHARED));
        expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBeLessThan(400);
      }
      expect((await client.next()).user_id).toBe('auth-token');
    } finally {
      client.close();
    }
  });

  it('keeps what clients probe public: /openapi.json, /docs and the version', async () => {
    expect((await getJson(`${srv.url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${srv.url}/docs`)).status).toBe(200);
    const version = await getJson(`${srv.url}/api/v1/app/version`);
    expect(version.status).toBe(200);
    expect(version.body.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses a socket without a token or with a wrong one, and says why', async () => {
    const none = await connectSocket(srv.url);
    expect(none).toMatchObject({ ok: false, data: { code: 'RECALL_ERR_UNAUTHORIZED' } });
    expect(!none.ok && none.message).toMatch(/^Authentication required/);
    const wrong = await connectSocket(srv.url, { auth: { token: 'not-the-token-0123456789' } });
    expect(wrong).toMatchObject({ ok: false, message: 'The token is not valid', data: { code: 'RECALL_ERR_UNAUTHORIZED' } });
  });

  it('accepts the token as auth: {token} or as an Authorization header', async () => {
    for (const opts of [{ auth: { token: SHARED } }, { headers: bearer(SHARED) }]) {
      const outcome = await connectSocket(srv.url, opts);
      expect(outcome.ok).toBe(true);
      if (outcome.ok) {
        expect(await subscribe(outcome.socket, 'any-queue')).toEqual({ ok: true, queue_id: 'any-queue' });
        outcome.socket.close();
      }
    }
  });
});

describe('a tokens file with a grant per queue (--tokens-file)', () => {
  let srv: InProcessServer;
  let url: string;
  beforeAll(async () => {
    const root = await rootWithContent();
    const file = path.join(root, 'tokens.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ [PHOTOMAP]: { name: 'photomap', queues: ['default'] }, [ADMIN]: { name: 'admin', queues: '*' } }),
    );
    srv = await startApp({ root, settings: { tokensFile: file } });
    url = srv.url;
  });
  afterAll(() => closeAndRemove(srv));

  it('lets a token recall into its queue, and the event carries its name', async () => {
    const client = await listen(url, 'default', { auth: { token: PHOTOMAP } });
    try {
      const res = await postJson(`${url}/api/v1/recall/default`, { seed: 7 }, bearer(PHOTOMAP));
      expect(res.status).toBe(200);
      const event = await client.next();
      expect(event).toMatchObject({ queue_id: 'default', user_id: 'photomap', parameters: { seed: 7 } });
    } finally {
      client.close();
    }
  });

  it('answers 403 for a queue the token may not use, and stores nothing there', async () => {
    const res = await postJson(`${url}/api/v1/recall/studio`, { seed: 8 }, bearer(PHOTOMAP));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      detail: 'The token of "photomap" may not use queue "studio" (its queues: default)',
      code: 'RECALL_ERR_FORBIDDEN',
    });
    const state = await getJson(`${url}/api/v1/recall/studio`, bearer(ADMIN));
    expect(state.body).toMatchObject({ revision: 0, stored: {} });
  });

  it('refuses reading another queue, and every client-state route of it', async () => {
    expect((await getJson(`${url}/api/v1/recall/studio`, bearer(PHOTOMAP))).status).toBe(403);
    for (const route of ['get_by_key?key=a', 'get_keys_by_prefix?prefix=']) {
      expect((await getJson(`${url}/api/v1/client_state/studio/${route}`, bearer(PHOTOMAP))).status, route).toBe(403);
    }
    for (const route of ['set_by_key?key=a', 'delete_by_key?key=a', 'delete']) {
      expect((await postJson(`${url}/api/v1/client_state/studio/${route}`, '"v"', bearer(PHOTOMAP))).status, route).toBe(403);
    }
    expect((await getJson(`${url}/api/v1/client_state/studio/get_by_key?key=a`, bearer(ADMIN))).body).toBeNull();
  });

  it('lets a "*" token use any queue', async () => {
    const res = await postJson(`${url}/api/v1/recall/studio`, { seed: 9 }, bearer(ADMIN));
    expect(res.status).toBe(200);
    expect((await getJson(`${url}/api/v1/recall/studio`, bearer(ADMIN))).body.stored).toEqual({ seed: 9 });
  });

  it('gives every valid token the images and models, which belong to no queue', async () => {
    expect((await getJson(`${url}/api/v1/images/i/cat.png`, bearer(PHOTOMAP))).body).toMatchObject({ width: 64, height: 48 });
    expect((await getJson(`${url}/api/v2/models/`, bearer(PHOTOMAP))).body.models).toHaveLength(1);
  });

  it('lets a socket join only its own queues; the ack says why not', async () => {
    const outcome = await connectSocket(url, { auth: { token: PHOTOMAP } });
    if (!outcome.ok) throw new Error(outcome.message);
    const socket = outcome.socket;
    const received: unknown[] = [];
    socket.on('recall_parameters_updated', (e) => received.push(e));
    try {
      expect(await subscribe(socket, 'default')).toEqual({ ok: true, queue_id: 'default' });
      expect(await subscribe(socket, 'studio')).toEqual({
        ok: false,
        error: 'The token of "photomap" may not use queue "studio" (its queues: default)',
        code: 'RECALL_ERR_FORBIDDEN',
      });
      await postJson(`${url}/api/v1/recall/studio`, { seed: 10 }, bearer(ADMIN));
      await settle();
      expect(received).toEqual([]);
    } finally {
      socket.close();
    }
  });
});

describe('browser origins', () => {
  let srv: InProcessServer;
  let cors: InProcessServer;
  beforeAll(async () => {
    srv = await startApp();
    cors = await startApp({ settings: { corsOrigin: 'http://localhost:5173, https://tools.example' } });
  });
  afterAll(async () => {
    await srv?.close();
    await cors?.close();
  });

  it('refuses a request from another origin with 403, and serves programs and the same origin', async () => {
    const foreign = await getJson(`${srv.url}/api/v1/recall/default`, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({
      detail: 'Cross-origin requests from http://evil.example are not allowed (start Recall with --cors-origin http://evil.example to allow them)',
      code: 'RECALL_ERR_FORBIDDEN',
    });
    const form = await postJson(`${srv.url}/api/v1/recall/default`, '{"seed":1}', { origin: 'http://evil.example' });
    expect(form.status).toBe(403);
    expect((await getJson(`${srv.url}/api/v1/recall/default`)).body.revision).toBe(0);
    expect((await getJson(`${srv.url}/api/v1/recall/default`, { origin: srv.url })).status).toBe(200);
    expect((await getJson(`${srv.url}/api/v1/recall/default`)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers to no host name but this machine\'s while it has no tokens (DNS rebinding)', async () => {
    const port = new URL(srv.url).port;
    for (const host of [`rebind.example:${port}`, `192.168.1.7:${port}`]) {
      const res = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) =>
          request({ host: '127.0.0.1', port, path: '/api/v1/recall/default', headers: { host } }, (r) => {
            r.resume();
            resolve(r.statusCode!);
          })
            .on('error', reject)
            .end(),
        );
      });
      expect(res, host).toBe(403);
    }
  });

  it('serves the configured origins with CORS headers and answers their preflight', async () => {
    const res = await getJson(`${cors.url}/api/v1/recall/default`, { origin: 'http://localhost:5173' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const preflight = await fetch(`${cors.url}/api/v1/recall/default`, {
      method: 'OPTIONS',
      headers: { origin: 'https://tools.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://tools.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect((await getJson(`${cors.url}/api/v1/recall/default`, { origin: 'http://localhost:5174' })).status).toBe(403);
  });

  it('refuses a socket from another origin and accepts one from a configured origin', async () => {
    const foreign = await connectSocket(srv.url, { headers: { origin: 'http://evil.example' } });
    expect(foreign.ok).toBe(false);
    const listed = await connectSocket(cors.url, { headers: { origin: 'http://localhost:5173' } });
    expect(listed.ok).toBe(true);
    if (listed.ok) listed.socket.close();
  });
});

describe('security headers', () => {
  let srv: InProcessServer;
  beforeAll(async () => {
    const root = makeTempRoot();
    const web = path.join(root, 'web');
    fs.mkdirSync(web);
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Recall</title><script type="module" src="/app.js"></script>');
    fs.writeFileSync(path.join(web, 'app.js'), 'console.log("ui")');
    srv = await startApp({ root, settings: { webDir: web } });
  });
  afterAll(() => closeAndRemove(srv));

  it('sends a CSP and the helmet headers with the UI, its files and its client-side routes', async () => {
    for (const page of ['/', '/app.js', '/queue/default']) {
      const res = await fetch(`${srv.url}${page}`);
      expect(res.status, page).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, page).toContain("script-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});
