import { describe, expect, it } from 'vitest';
import { ApiError, createApi } from './api.js';

/** Records each request and answers it like the server does with access control on. */
function server(validToken: string) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchImpl: typeof fetch = async (input, init = {}) => {
    const url = String(input);
    requests.push({ url, init });
    const auth = new Headers(init.headers).get('authorization');
    if (auth !== `Bearer ${validToken}`) {
      const detail = auth ? 'The token is not valid' : 'Authentication required: send the header "Authorization: Bearer <token>"';
      return new Response(JSON.stringify({ detail, code: 'RECALL_ERR_UNAUTHORIZED' }), { status: 401, headers: { 'www-authenticate': 'Bearer realm="recall"' } });
    }
    if (url.endsWith('/full')) return new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/png' } });
    if (url.includes('/client_state/')) return new Response(JSON.stringify(url.includes('set_by_key') ? 'v' : null));
    return new Response(JSON.stringify({ offset: 0, limit: 1, total: 0, items: [] }));
  };
  return { requests, fetchImpl };
}

const authOf = (init: RequestInit) => new Headers(init.headers).get('authorization');

describe('api with an access token', () => {
  it('sends the token as a Bearer header on every call, the keepalive save included, and never in the URL', async () => {
    const srv = server('tok-right-0123456789');
    const api = createApi('http://recall.test', srv.fetchImpl, { token: () => 'tok-right-0123456789' });
    await api.listImages(0, 10);
    await api.getClientState('default', 'web_ui_state');
    await api.setClientState('default', 'web_ui_state', 'v', { keepalive: true });
    expect(await (await api.fetchImage('cat.png', 'full')).arrayBuffer()).toEqual(new Uint8Array([1, 2, 3]).buffer);
    expect(srv.requests).toHaveLength(4);
    for (const r of srv.requests) {
      expect(authOf(r.init)).toBe('Bearer tok-right-0123456789');
      expect(r.url).not.toContain('tok-right');
    }
    const save = srv.requests[2]!.init;
    expect(save.keepalive).toBe(true);
    expect(new Headers(save.headers).get('content-type')).toBe('application/json');
  });

  it('sends no header without a token, and reports a 401 to the token still in use', async () => {
    const srv = server('tok-right-0123456789');
    const refused: ApiError[] = [];
    let token: string | null = null;
    const api = createApi('', srv.fetchImpl, { token: () => token, onUnauthorized: (e) => refused.push(e) });
    await expect(api.listModels()).rejects.toMatchObject({ status: 401, code: 'RECALL_ERR_UNAUTHORIZED' });
    expect(authOf(srv.requests[0]!.init)).toBeNull();
    expect(refused.map((e) => e.message)).toEqual(['Authentication required: send the header "Authorization: Bearer <token>"']);

    // A refusal of a token replaced while its request was under way is not reported.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = createApi('', async (i, init) => (await gate, srv.fetchImpl(i, init)), { token: () => token, onUnauthorized: (e) => refused.push(e) });
    token = 'tok-wrong-0123456789';
    const pending = slow.listModels();
    token = 'tok-right-0123456789';
    release();
    await expect(pending).rejects.toBeInstanceOf(ApiError);
    expect(refused).toHaveLength(1);
  });

  it('tries a candidate token without using or reporting it', async () => {
    const srv = server('tok-right-0123456789');
    const refused: ApiError[] = [];
    const api = createApi('', srv.fetchImpl, { token: () => null, onUnauthorized: (e) => refused.push(e) });
    await expect(api.checkToken('tok-wrong-0123456789')).rejects.toMatchObject({ status: 401, message: 'The token is not valid' });
    await expect(api.checkToken('tok-right-0123456789')).resolves.toBeUndefined();
    expect(srv.requests.map((r) => authOf(r.init))).toEqual(['Bearer tok-wrong-0123456789', 'Bearer tok-right-0123456789']);
    expect(refused).toEqual([]);
  });
});
