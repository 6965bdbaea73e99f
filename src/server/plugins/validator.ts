import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Request validation: each route's zod schema (params, query, body) compiled ahead of time with
 * zod's own `z.compile` into one generated function, then checked as fastify-type-provider-zod
 * does, so a rejection is the same 400 with the same issues. The generated function handles the
 * valid input; anything it rejects, and any part of a schema it cannot express, goes to zod's
 * runtime parser, which writes the issues. Validation was about a sixth of a complete recall's
 * server time; compiled, that body validates in a quarter of the time (docs/benchmarks.md, change
 * 27). Compiling happens once per route at start, about 25 ms for the two largest schemas.
 * validator.test.ts checks that both give the same answers.
 *
 * An empty query string, what nearly every request sends, always parses to the same defaults:
 * that answer is worked out once per route and handed out frozen, when its values are plain
 * (booleans, numbers, strings), so nothing shared can be changed by one request for the next.
 */
export const requestValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const schema = route.schema instanceof z.ZodType ? z.compile(route.schema) : route.schema;
  const validate = zodValidatorCompiler({ ...route, schema }) as (data: unknown) => { value?: unknown; error?: Error };
  if (route.httpPart !== 'querystring') return validate;
  let empty: { value: unknown } | null | undefined;
  return (data) => {
    if (!isEmptyObject(data)) return validate(data);
    if (empty === undefined) empty = plainAnswer(validate(data));
    return empty ?? validate(data);
  };
};

function isEmptyObject(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  for (const key in data) if (Object.hasOwn(data, key)) return false;
  return true;
}

/** The answer frozen, or null when it is an error or holds objects (those are made anew each time). */
function plainAnswer(answer: { value?: unknown; error?: Error }): { value: unknown } | null {
  if (answer.error || typeof answer.value !== 'object' || answer.value === null) return null;
  for (const v of Object.values(answer.value)) if (typeof v === 'object' && v !== null) return null;
  return Object.freeze({ value: Object.freeze(answer.value) });
}
