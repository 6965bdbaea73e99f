import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../src/shared/recall.js';
import { getJson, postJson } from '../helpers/http.js';
import { fullBody } from '../helpers/recall-arbitraries.js';
import { startServer, type ChildServer } from '../helpers/server.js';
import { listen } from '../helpers/socket.js';

/*
 * Concurrency (issue 6): hundreds of concurrent recalls into one queue, against the built server.
 * Every body sets every field, so a state mixing two requests would show; each request is stored
 * whole or not at all, and the final state is, field for field, the one with the last revision.
 */

let srv: ChildServer;
beforeAll(async () => (srv = await startServer()));
afterAll(() => srv?.close());

describe('concurrent recalls into one queue', () => {
  it('stores each whole, gives each its own revision, and ends in the state of the last one', async () => {
    const bodies = fc.sample(fullBody, { numRuns: 300, seed: 6 }).map((b, i) => ({ ...b, seed: i }));
    // Invalid ones in the same burst must change nothing.
    const invalid = Array.from({ length: 50 }, (_, i) => ({ seed: 10_000 + i, steps: 0 }));
    const listener = await listen(srv.url, 'contended');
    try {
      const results = await Promise.all(
        [...bodies, ...invalid]
          .sort(() => Math.random() - 0.5)
          .map(async (body) => ({ body, res: await postJson(`${srv.url}/api/v1/recall/contended`, body) })),
      );
      const accepted = results.filter((r) => r.res.status === 200);
      expect(accepted).toHaveLength(bodies.length);
      expect(results.filter((r) => r.res.status === 400)).toHaveLength(invalid.length);

      const revisions = accepted.map((r) => r.res.body.revision as number).sort((a, b) => a - b);
      expect(revisions).toEqual(bodies.map((_, i) => i + 1));

      const last = accepted.find((r) => r.res.body.revision === bodies.length)!;
      const state = await getJson(`${srv.url}/api/v1/recall/contended`);
      expect(state.body.revision).toBe(bodies.length);
      expect(state.body.stored).toEqual(zRecallParameters.parse(last.body));

      // Events leave in commit order: each listener sees revisions 1..n, in order, each once.
      for (let i = 0; i < 100 && listener.events.length < bodies.length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(listener.events.map((e) => e.revision)).toEqual(bodies.map((_, i) => i + 1));
      for (const e of listener.events) {
        const sent = accepted.find((r) => r.res.body.revision === e.revision)!;
        expect(e.parameters.seed).toBe(sent.body.seed);
      }
    } finally {
      listener.close();
    }
  });

  it('keeps queues apart under concurrent writes to many of them', async () => {
    const queues = Array.from({ length: 20 }, (_, i) => `q${i}`);
    await Promise.all(
      queues.flatMap((q, qi) => Array.from({ length: 10 }, (_, n) => postJson(`${srv.url}/api/v1/recall/${q}`, { seed: qi * 100 + n, steps: n + 1 }))),
    );
    for (const [qi, q] of queues.entries()) {
      const state = await getJson(`${srv.url}/api/v1/recall/${q}`);
      expect(state.body.revision).toBe(10);
      expect(Math.floor(state.body.stored.seed / 100)).toBe(qi);
      // Seed and steps come from the same request.
      expect(state.body.stored.steps).toBe((state.body.stored.seed % 100) + 1);
    }
  });
});
