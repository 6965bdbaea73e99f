import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/web/app/api.js';
import { startLiveSession, type LiveSession } from '../../src/web/app/live-session.js';
import { createAppStore, type AppStore } from '../../src/web/app/store.js';
import { parseUserState, USER_STATE_KEY } from '../../src/web/app/user-state.js';
import { promptChanged } from '../../src/web/features/params/paramsSlice.js';
import { writeSpecFixtures } from '../helpers/fixtures.js';
import { postJson } from '../helpers/http.js';
import { makeTempRoot, startServer, type ChildServer } from '../helpers/server.js';
import { SPEC_EXAMPLES } from '../helpers/spec-examples.js';

/*
 * The web UI's store and live session, run in Node against the real built server: real HTTP, the
 * real Socket.IO client, the real SQLite file. What the browser suite shows, this one checks in
 * the store itself, including what a page does across a close and reopen.
 */

let server: ChildServer;
const sessions: LiveSession[] = [];

beforeAll(async () => {
  const root = makeTempRoot('recall-web-live-');
  await writeSpecFixtures(root);
  server = await startServer({ root });
});

afterAll(async () => {
  for (const s of sessions) s.close();
  await server?.close();
});

function open(queueId: string): { store: AppStore; session: LiveSession } {
  const store = createAppStore(queueId);
  const session = startLiveSession(store, createApi(server.url), { url: server.url, socketOptions: { transports: ['websocket'], forceNew: true }, saveDebounceMs: 50 });
  sessions.push(session);
  return { store, session };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const live = (store: AppStore) => until(() => store.getState().queue.subscription === 'subscribed' && store.getState().queue.restore === 'done', 'the session to go live');
const recall = (queue: string, body: string | object, query = '') => postJson(`${server.url}/api/v1/recall/${queue}${query}`, body);

describe('live session against the real server', () => {
  it('applies each event once, in order, and counts revisions', async () => {
    const { store } = open('live-order');
    await live(store);
    expect((await recall('live-order', SPEC_EXAMPLES.core)).status).toBe(200);
    expect((await recall('live-order', SPEC_EXAMPLES.seed)).status).toBe(200);
    await until(() => store.getState().queue.revision === 2, 'revision 2');
    const s = store.getState();
    expect(s.params.values).toMatchObject({ positive_prompt: 'a cyberpunk city at night', negative_prompt: 'dark, unclear', steps: 30, seed: 99999 });
    expect(s.params.model?.name).toBe('sd-1.5');
    expect(s.notices.notices.map((n) => n.text)).toEqual(['Applied 1 parameter', 'Applied 4 parameters']);
  });

  it('loads the whole stored recall into a page opened after it', async () => {
    await recall('live-late', SPEC_EXAMPLES.complete);
    const { store } = open('live-late');
    await until(() => store.getState().queue.revision === 1, 'the catch-up');
    const s = store.getState();
    expect(s.params.model?.name).toBe('FLUX Schnell');
    expect(s.params.values).toMatchObject({ width: 1024, height: 768, seed: 42, steps: 25, cfg_scale: 8 });
    expect(s.loras.loras.map((l) => l.model.name)).toEqual(['add-detail-xl']);
    expect(s.canvas.layers).toHaveLength(1);
    expect(s.refImages.entries).toHaveLength(1);
    expect(s.notices.notices[0]!.text).toBe('Caught up to recall #1: applied 8 parameters, 1 LoRA, 1 control layer, 1 IP adapter');
  });

  it('on reopening, applies only what changed while it was closed and keeps the user’s edits', async () => {
    const first = open('live-reopen');
    await live(first.store);
    await recall('live-reopen', { positive_prompt: 'from the recall', steps: 12 });
    await until(() => first.store.getState().queue.revision === 1, 'the first recall');
    first.store.dispatch(promptChanged({ which: 'positive', text: 'my own prompt' }));
    await first.session.flush();
    first.session.close();

    await recall('live-reopen', { seed: 1234 });
    const second = open('live-reopen');
    await until(() => second.store.getState().queue.revision === 2, 'the catch-up');
    expect(second.store.getState().params.values).toMatchObject({ positive_prompt: 'my own prompt', steps: 12, seed: 1234 });
    expect(second.store.getState().notices.notices[0]!.text).toBe('Caught up to recall #2: applied 1 parameter');
  });

  it('keeps two queues apart', async () => {
    const a = open('live-a');
    const b = open('live-b');
    await Promise.all([live(a.store), live(b.store)]);
    await recall('live-a', { positive_prompt: 'for a' });
    await recall('live-b', { positive_prompt: 'for b' });
    await until(() => a.store.getState().queue.revision === 1 && b.store.getState().queue.revision === 1, 'both recalls');
    expect(a.store.getState().params.values.positive_prompt).toBe('for a');
    expect(b.store.getState().params.values.positive_prompt).toBe('for b');
  });

  it('switches queue: restores that queue’s own state, then catches up its recalls', async () => {
    await recall('live-switch-2', { positive_prompt: 'queue two', steps: 7 });
    const { store, session } = open('live-switch-1');
    await live(store);
    await recall('live-switch-1', { positive_prompt: 'queue one' });
    await until(() => store.getState().queue.revision === 1, 'recall on queue one');
    await session.selectQueue('live-switch-2');
    await until(() => store.getState().queue.queueId === 'live-switch-2' && store.getState().queue.revision === 1, 'the switch');
    expect(store.getState().params.values).toMatchObject({ positive_prompt: 'queue two', steps: 7 });
    await recall('live-switch-1', { positive_prompt: 'not for this page any more' });
    await recall('live-switch-2', { seed: 5 });
    await until(() => store.getState().queue.revision === 2, 'the next recall on queue two');
    expect(store.getState().params.values).toMatchObject({ positive_prompt: 'queue two', seed: 5 });
  });

  it('appends reference images when the recall asks for append', async () => {
    const { store } = open('live-append');
    await live(store);
    await recall('live-append', SPEC_EXAMPLES.referenceImages);
    await recall('live-append', { reference_images: [{ image_name: 'reference_face.png' }] }, '?append=true');
    await until(() => store.getState().queue.revision === 2, 'both recalls');
    expect(store.getState().refImages.entries.map((e) => [e.config.type, e.image?.image_name])).toEqual([
      ['flux2_reference_image', 'style_reference.png'],
      ['flux2_reference_image', 'reference_face.png'],
    ]);
    expect(store.getState().notices.notices[0]!.text).toBe('Applied 1 reference image (appended)');
  });

  it('saves the user state through the client-state routes of its own queue', async () => {
    const { store, session } = open('live-save');
    await live(store);
    store.dispatch(promptChanged({ which: 'positive', text: 'saved text' }));
    await until(() => store.getState().queue.save === 'pending', 'the save to be scheduled');
    await session.flush();
    const text = await createApi(server.url).getClientState('live-save', USER_STATE_KEY);
    const parsed = parseUserState(text ?? '');
    expect(parsed.ok && parsed.state.params.values.positive_prompt).toBe('saved text');
    const other = parseUserState((await createApi(server.url).getClientState('live-a', USER_STATE_KEY)) ?? '');
    expect(other.ok && other.state.params.values.positive_prompt).toBe('for a');
    expect(await createApi(server.url).getClientState('live-never-opened', USER_STATE_KEY)).toBeNull();
  });
});
