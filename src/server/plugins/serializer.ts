import fastJson, { type Schema } from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Response serializer: fast-json-stringify compiled from the JSON Schema of the route's zod
 * response schema. Like the zod serializer it writes only the declared fields (nothing internal
 * leaks), but it does not re-validate what our own typed code built, which cost more per recall
 * than the rest of the response path together. Schemas JSON Schema cannot express fall back to zod.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const { schema } = route;
  if (!(schema instanceof z.ZodType)) return fastJson(schema as Schema);
  try {
    return fastJson(z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' }) as Schema);
  } catch {
    return zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
  }
};
