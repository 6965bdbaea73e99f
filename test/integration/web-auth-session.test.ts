import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/web/app/api.js';
import { createTokenStore, type TokenStore } from '../../src/web/app/auth-token.js';
import { startLiveSession, type LiveSession } from '../../src/web/app/live-session.js';
import { createAppStore, type AppStore } from '../../src/web/app/store.js';
import { parseUserState, USER_STATE_KEY } from '../../src/web/app/user-state.js';
import { tokenRequired } from '../../src/web/features/auth/authSlice.js';
import { createTokenControl } from '../../src/web/features/auth/token-control.js';
import { promptChanged } from '../../src/web/features/params/paramsSlice.js';
import { writeSpecFixtures } from '../helpers/fixtures.js';
import { postJson } from '../helpers/http.js';
import { closeAndRemove, makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/*
 * The web UI's store, live session and token handling, wired as main.tsx wires them, against the
 * real app with a tokens file: real HTTP, the real Socket.IO client and handshake, real SQLite.
 */

const ALICE = 'alice-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let srv: InProcessServer;
const sessions: LiveSession[] = [];

beforeAll(async () => {
  const root = makeTempRoot('recall-web-auth-');
  await writeSpecFixtures(root);
  const tokensFile = path.join(root, 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ [ALICE]: { name: 'alice', queues: ['a'] }, [ADMIN]: { name: 'admin', queues: '*' } }));
  srv = await startApp({ root, settings: { tokensFile } });
});

afterAll(async () => {
  for (const s of sessions) s.close();
  await closeAndRemove(srv);
});

/** A page as main.tsx builds it, with its token kept in memory. */
function open(queueId: string, tokens: TokenStore = createTokenStore(null)) {
  const store: AppStore = createAppStore(queueId);
  const api = createApi(srv.url, undefined, { token: tokens.get, onUnauthorized: (e) => store.dispatch(tokenRequired(e.message)) });
  const live = startLiveSession(store, api, { url: srv.url, token: tokens.get, socketOptions: { transports: ['websocket'], forceNew: true }, saveDebounceMs: 50 });
  sessions.push(live);
  return { store, live, tokens, control: createTokenControl(store, api, live, tokens) };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const isLive = (store: AppStore) => {
  const { queue, models } = store.getState();
  return queue.connection.status === 'connected' && queue.subscription === 'subscribed' && queue.restore === 'done' && models.status === 'loaded';
};

describe('web UI session with access tokens', () => {
  it('asks for a token, refuses a wrong one with the reason, then goes live and catches up with the right one', async () => {
    const { store, tokens, control } = open('a');
    // The socket's refusal and the model list's 401 come back in either order: wait for both.
    const lockedOut = () => {
      const s = store.getState();
      return s.auth.prompt?.reason === 'required' && s.queue.connection.status === 'disconnected' && s.models.status === 'failed';
    };
    await until(lockedOut, 'the token prompt, the refused socket and the refused model list');
    expect(store.getState().auth.prompt?.error).toBeNull();
    // Nothing failed for want of a token is reported as a notice: the prompt says it.
    expect(store.getState().notices.notices).toEqual([]);

    await control.submit('wrong-token-0123456789abcdef', true);
    expect(store.getState().auth.prompt).toEqual({ reason: 'required', error: 'The token is not valid', checking: false });
    expect(tokens.get()).toBeNull();

    expect((await postJson(`${srv.url}/api/v1/recall/a`, { positive_prompt: 'sent while locked out', steps: 21 }, bearer(ADMIN))).status).toBe(200);
    await control.submit(ALICE, true);
    expect(store.getState().auth).toMatchObject({ hasToken: true, prompt: null });
    expect(tokens.get()).toBe(ALICE);
    await until(() => isLive(store) && store.getState().queue.revision === 1, 'the session to go live and catch up');
    expect(store.getState().params.values).toMatchObject({ positive_prompt: 'sent while locked out', steps: 21 });

    // Events arrive through the authenticated socket, and edits are saved with the token.
    expect((await postJson(`${srv.url}/api/v1/recall/a`, { seed: 77 }, bearer(ALICE))).status).toBe(200);
    await until(() => store.getState().queue.revision === 2, 'the live event');
    store.dispatch(promptChanged({ which: 'negative', text: 'saved with a token' }));
    await until(() => store.getState().queue.save === 'saved', 'the save');
    const saved = parseUserState((await createApi(srv.url, undefined, { token: () => ADMIN }).getClientState('a', USER_STATE_KEY)) ?? '');
    expect(saved.ok && saved.state.params.values.negative_prompt).toBe('saved with a token');
  });

  it("stays on its queue and shows the server's message when the token may not use the next one", async () => {
    const { store, live, control } = open('a');
    await until(() => store.getState().auth.prompt !== null, 'the token prompt');
    await control.submit(ALICE, false);
    await until(() => isLive(store), 'the session to go live');
    await live.selectQueue('b');
    const s = store.getState();
    expect(s.queue.queueId).toBe('a');
    expect(s.queue.subscription).toBe('subscribed');
    expect(s.auth.prompt).toBeNull();
    expect(s.notices.notices[0]).toMatchObject({ kind: 'error', text: 'Cannot open queue b: The token of "alice" may not use queue "b" (its queues: a)' });
  });

  it('asks again after the token is forgotten, and uses a changed token on reconnecting', async () => {
    const tokens = createTokenStore(null);
    tokens.set(ADMIN, true);
    const { store, control } = open('c', tokens);
    await until(() => isLive(store), 'the session to go live with the stored token');
    expect(store.getState().auth.prompt).toBeNull();

    control.forget();
    await until(() => store.getState().auth.prompt?.reason === 'required', 'the prompt after forgetting');
    expect(store.getState().queue.connection.status).toBe('disconnected');
    await control.submit(ALICE, false);
    // alice may not use queue c: the socket connects, the subscription is refused with the server's message.
    await until(() => store.getState().queue.subscription === 'failed', 'the refused subscription');
    expect(store.getState().notices.notices.map((n) => n.text)).toContain('The server refused queue c: The token of "alice" may not use queue "c" (its queues: a)');
    expect(store.getState().auth.prompt).toBeNull();
  });
});
