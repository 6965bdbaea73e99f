import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { rootPaths } from '../../src/server/config.js';
import { sqliteIntegrityCheck } from '../../src/server/db/sqlite/sqlite-store.js';
import { getJson } from '../helpers/http.js';
import { makeTempRoot, startServer } from '../helpers/server.js';

/*
 * Durability (issue 6): the built server is killed with SIGKILL in the middle of a write load,
 * several times. Every recall that was answered 200 must be in the store afterwards, and SQLite's
 * integrity check must pass after every kill.
 */

const root = makeTempRoot();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Acknowledged {
  queue: string;
  seed: number;
  prompt: string;
  revision: number;
}

/** Workers that each write a fresh queue per request until the server goes away. */
async function writeUntilKilled(url: string, cycle: number, workers: number, acked: Acknowledged[]): Promise<number> {
  let refused = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let n = 0; ; n++) {
        const queue = `c${cycle}-w${w}-n${n}`;
        const body = { seed: cycle * 1_000_000 + w * 10_000 + n, positive_prompt: `cycle ${cycle} worker ${w} request ${n}`, steps: (n % 100) + 1 };
        let res: Response;
        try {
          res = await fetch(`${url}/api/v1/recall/${queue}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        } catch {
          return; // the server is gone
        }
        if (res.status !== 200) {
          refused++;
          continue;
        }
        const answer = (await res.json().catch(() => null)) as { revision: number } | null;
        if (answer) acked.push({ queue, seed: body.seed, prompt: body.positive_prompt, revision: answer.revision });
      }
    }),
  );
  return refused;
}

describe('SIGKILL during a write load', () => {
  it('keeps every acknowledged recall and an intact database, kill after kill', async () => {
    const acked: Acknowledged[] = [];
    const database = rootPaths(root).database;
    for (let cycle = 0; cycle < 4; cycle++) {
      const srv = await startServer({ root });
      const load = writeUntilKilled(srv.url, cycle, 12, acked);
      const before = acked.length;
      await new Promise((r) => setTimeout(r, 300 + cycle * 150));
      await srv.kill('SIGKILL');
      const refused = await load;
      expect(refused, 'no request was refused while the server ran').toBe(0);
      expect(acked.length - before, `writes acknowledged in cycle ${cycle}`).toBeGreaterThan(10);
      expect(sqliteIntegrityCheck(database), `integrity after kill ${cycle}`).toBe('ok');
    }
    expect(acked.length).toBeGreaterThan(100);

    // A last start: everything acknowledged, across all four kills, is there as it was sent.
    const srv = await startServer({ root });
    try {
      const missing: string[] = [];
      for (let i = 0; i < acked.length; i += 50) {
        await Promise.all(
          acked.slice(i, i + 50).map(async (a) => {
            const state = await getJson(`${srv.url}/api/v1/recall/${a.queue}`);
            const s = state.body.stored;
            if (state.body.revision !== a.revision || s?.seed !== a.seed || s?.positive_prompt !== a.prompt) missing.push(a.queue);
          }),
        );
      }
      expect(missing).toEqual([]);
    } finally {
      await srv.close();
    }
    expect(sqliteIntegrityCheck(database)).toBe('ok');
  });
});
