import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../src/shared/recall.js';
import { writeSpecFixtures } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { invalidBody, validBody } from '../helpers/recall-arbitraries.js';
import { closeAndRemove, makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/*
 * Property-based tests (issue 6, "Hostile input"): thousands of generated bodies, valid and
 * invalid, against the real server over HTTP. Never a 5xx; every rejection a 400 naming the
 * field; after a rejection the stored state is exactly what it was; after an acceptance it is the
 * old state with the new fields, as the contract parses them.
 */

let srv: InProcessServer;
beforeAll(async () => {
  const root = makeTempRoot();
  await writeSpecFixtures(root);
  srv = await startApp({ root });
});
afterAll(() => closeAndRemove(srv));

interface Stored {
  stored: Record<string, unknown>;
  revision: number;
}

async function stateOf(queue: string): Promise<Stored> {
  const res = await getJson(`${srv.url}/api/v1/recall/${queue}`);
  expect(res.status).toBe(200);
  return { stored: res.body.stored, revision: res.body.revision };
}

/** What a valid body must leave stored: the old values, overwritten by the new non-null ones. */
function expectedAfter(before: Record<string, unknown>, text: string): Record<string, unknown> {
  const parsed = zRecallParameters.parse(JSON.parse(text)) as Record<string, unknown>;
  const after = { ...before };
  for (const [k, v] of Object.entries(parsed)) if (v !== null && v !== undefined) after[k] = v;
  return after;
}

function expectValidationError(res: { status: number; body: any }, field: string | null, text: string) {
  const context = `${res.status} ${JSON.stringify(res.body)?.slice(0, 300)} for ${text.slice(0, 200)}`;
  expect(res.status, context).toBe(400);
  expect(res.body.code, context).toBe('RECALL_ERR_VALIDATION');
  expect(Array.isArray(res.body.detail) && res.body.detail.length > 0, context).toBe(true);
  for (const item of res.body.detail) {
    expect(item.loc[0], context).toBe('body');
    expect(typeof item.msg, context).toBe('string');
  }
  if (field !== null) expect(res.body.detail.some((i: { loc: unknown[] }) => i.loc[1] === field), context).toBe(true);
}

describe('generated recall bodies against the real server', () => {
  it('accepts every valid body and stores exactly its non-null fields over the old state', async () => {
    let known = await stateOf('valid');
    await fc.assert(
      fc.asyncProperty(validBody, async (body) => {
        const text = JSON.stringify(body);
        const res = await postJson(`${srv.url}/api/v1/recall/valid`, text);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const now = await stateOf('valid');
        const given = Object.values(body).some((v) => v !== null && v !== undefined);
        if (!given) {
          expect(res.body).toEqual({ status: 'no_parameters_provided', updated_count: 0, queue_id: 'valid' });
          expect(now).toEqual(known);
        } else {
          expect(res.body.revision).toBe(known.revision + 1);
          expect(now.revision).toBe(known.revision + 1);
          expect(now.stored).toEqual(expectedAfter(known.stored, text));
        }
        known = now;
      }),
      { numRuns: 700 },
    );
  });

  it('refuses every invalid body with a 400 naming the field, and leaves the state untouched', async () => {
    // Something stored first, so "untouched" is not just "still empty".
    await postJson(`${srv.url}/api/v1/recall/invalid`, { seed: 1, positive_prompt: 'before', loras: [{ model_name: 'add-detail-xl' }] });
    const before = await stateOf('invalid');
    await fc.assert(
      fc.asyncProperty(invalidBody, async ({ text, field }) => {
        const res = await postJson(`${srv.url}/api/v1/recall/invalid`, text);
        expectValidationError(res, field, text);
        expect(await stateOf('invalid')).toEqual(before);
      }),
      { numRuns: 1200 },
    );
  });

  it('agrees with the contract on arbitrary JSON: 200 exactly when the schema accepts it, never a 5xx', async () => {
    const arbitraryJson = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(fc.constantFrom('seed', 'steps', 'width', 'loras', 'model', 'positive_prompt', 'scheduler', 'guidance'), fc.jsonValue({ maxDepth: 3 })),
    );
    await fc.assert(
      fc.asyncProperty(arbitraryJson, async (value) => {
        const text = JSON.stringify(value);
        const before = await stateOf('junk');
        const res = await postJson(`${srv.url}/api/v1/recall/junk`, text);
        const accepted = value !== null && zRecallParameters.safeParse(value).success;
        if (accepted) {
          expect(res.status, text).toBe(200);
        } else {
          expectValidationError(res, null, text);
          expect(await stateOf('junk')).toEqual(before);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('answers odd queue ids and client-state keys with a 2xx or 400, never a 5xx', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('..', '.', '%00', 'default%2F..', ' ', '\u0000'));
    await fc.assert(
      fc.asyncProperty(segment, segment, async (queue, key) => {
        const q = encodeURIComponent(queue);
        for (const url of [
          `${srv.url}/api/v1/recall/${q}`,
          `${srv.url}/api/v1/client_state/${q}/get_by_key?key=${encodeURIComponent(key)}`,
          `${srv.url}/api/v1/client_state/${q}/get_keys_by_prefix?prefix=${encodeURIComponent(key)}`,
        ]) {
          const res = await getJson(url);
          expect([200, 400, 404], `${res.status} for ${url}`).toContain(res.status);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses bad query flags with a 400 naming them', async () => {
    const strict = await postJson(`${srv.url}/api/v1/recall/flags?strict=maybe`, { seed: 1 });
    expect(strict.status).toBe(400);
    expect(strict.body.detail[0].loc).toEqual(['query', 'strict']);
    const both = await postJson(`${srv.url}/api/v1/recall/flags?strict=true&append=true`, { seed: 1 });
    expect(both.status).toBe(400);
    expect(both.body.detail[0].loc).toEqual(['query', 'append']);
    expect((await stateOf('flags')).revision).toBe(0);
  });
});
