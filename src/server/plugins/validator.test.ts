import fc from 'fast-check';
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fullBody, invalidBody, oddText, validBody } from '../../../test/helpers/recall-arbitraries.js';
import { SPEC_EXAMPLES } from '../../../test/helpers/spec-examples.js';
import { zFromImageBody } from '../../shared/from-image.js';
import { zQueueParams } from '../../shared/queue.js';
import { zRecallBatchRequest, zRecallParameters, zRecallQuery } from '../../shared/recall.js';
import { requestValidatorCompiler } from './validator.js';

type Validate = (data: unknown) => { value?: unknown; error?: Error & { validation?: unknown } };

const build = (compiler: FastifySchemaCompiler<z.ZodType>, schema: z.ZodType) =>
  compiler({ schema, method: 'POST', url: '/test', httpPart: 'body' }) as unknown as Validate;

/** What a validator answers, as JSON text (the inputs nest thousands deep, too deep for a deep compare). */
function answerOf(validate: Validate, data: unknown): string {
  const r = validate(data);
  return JSON.stringify(r.error ? { error: r.error.message, validation: r.error.validation } : { value: r.value });
}

/** The compiled validator must answer every input exactly as the runtime one does. */
function expectSameAnswers(schema: z.ZodType, inputs: fc.Arbitrary<unknown>, numRuns = 500) {
  const compiled = build(requestValidatorCompiler, schema);
  const runtime = build(zodValidatorCompiler, schema);
  let accepted = 0;
  let rejected = 0;
  fc.assert(
    fc.property(inputs, (data) => {
      const want = answerOf(runtime, data);
      expect(answerOf(compiled, data)).toEqual(want);
      if (want.startsWith('{"value"')) accepted++;
      else rejected++;
    }),
    { numRuns },
  );
  return { accepted, rejected };
}

/** Bodies the server may see: valid, full, broken in one rule, or any JSON at all. */
const recallBodies = fc.oneof(
  validBody,
  fullBody,
  invalidBody.map(({ text }) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('requestValidatorCompiler', () => {
  it('answers the spec examples as zod does, values with their defaults included', () => {
    for (const text of Object.values(SPEC_EXAMPLES)) {
      const body = JSON.parse(text) as unknown;
      const answer = answerOf(build(requestValidatorCompiler, zRecallParameters), body);
      expect(JSON.parse(answer)).toEqual({ value: zRecallParameters.parse(body) });
    }
  });

  it('accepts and rejects recall bodies exactly as zod does, with the same issues', () => {
    const { accepted, rejected } = expectSameAnswers(zRecallParameters, recallBodies, 2000);
    // Both kinds were exercised, many times each.
    expect(accepted).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  });

  it('answers the other request parts as zod does: query flags, queue ids, batches, from-image bodies', () => {
    const flag = fc.oneof(fc.constantFrom('true', 'false', '1', '0', 'yes', 'off', ''), oddText(8), fc.boolean());
    expectSameAnswers(zRecallQuery, fc.record({ strict: flag, append: flag }, { requiredKeys: [] }));
    expectSameAnswers(zQueueParams, fc.record({ queue_id: fc.oneof(fc.constantFrom('default', 'q-1', '', '../x', 'a'.repeat(300)), oddText(40)) }));
    expectSameAnswers(
      zRecallBatchRequest,
      fc.record({ queue_ids: fc.array(fc.constantFrom('a', 'b', 'c', '', '../x'), { maxLength: 6 }), parameters: validBody }, { requiredKeys: ['queue_ids'] }),
    );
    expectSameAnswers(
      zFromImageBody,
      fc.record({ image_name: fc.oneof(oddText(20), fc.constant('a.png')), image_url: fc.oneof(fc.webUrl(), oddText(20)) }, { requiredKeys: [] }),
    );
  });

  it('answers an empty query string with its defaults, worked out once and frozen', () => {
    const query = requestValidatorCompiler({ schema: zRecallQuery, method: 'POST', url: '/test', httpPart: 'querystring' }) as unknown as Validate;
    const first = query(Object.create(null));
    const second = query({});
    expect(first).toEqual({ value: zRecallQuery.parse({}) });
    expect(second).toBe(first);
    expect(Object.isFrozen(first.value)).toBe(true);
    // A query with flags is validated as always, rejections included.
    expect(query({ strict: 'true' })).toEqual({ value: { strict: true, append: false } });
    expect(JSON.stringify(query({ strict: 'true', append: 'true' }).error)).toMatch(/strict and append cannot be used together/);
  });

  it('makes defaults that hold objects anew for every empty query', () => {
    const schema = z.object({ tags: z.array(z.string()).default([]) });
    const query = requestValidatorCompiler({ schema, method: 'GET', url: '/test', httpPart: 'querystring' }) as unknown as Validate;
    const a = query({});
    const b = query({});
    expect(a).toEqual({ value: { tags: [] } });
    expect(b.value).not.toBe(a.value);
  });
});
