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
 */
export const requestValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const schema = route.schema instanceof z.ZodType ? z.compile(route.schema) : route.schema;
  return zodValidatorCompiler({ ...route, schema });
};
