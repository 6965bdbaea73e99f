import fastJson, { type Schema } from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type Serializer = (data: unknown) => string;

const compile = (schema: z.ZodType): Serializer =>
  fastJson(z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' }) as Schema) as Serializer;

/**
 * A union of objects told apart by one literal field (the recall answers: `status` "success" or
 * "no_parameters_provided") is serialized by the option its field names. fast-json-stringify
 * would instead validate the whole answer against each option to find the one that fits.
 */
function discriminatedUnion(schema: z.ZodType): Serializer | null {
  if (!(schema instanceof z.ZodUnion)) return null;
  const options = schema.options as z.ZodType[];
  if (!options.every((o) => o instanceof z.ZodObject)) return null;
  const objects = options as z.ZodObject[];
  for (const key of Object.keys(objects[0]!.shape)) {
    const literals = objects.map((o) => o.shape[key]);
    if (!literals.every((l) => l instanceof z.ZodLiteral && l.values.size === 1)) continue;
    const byValue = new Map(objects.map((o, i) => [[...(literals[i] as z.ZodLiteral).values][0], compile(o)]));
    if (byValue.size !== objects.length) continue;
    const whole = compile(schema);
    return (data) => (byValue.get((data as Record<string, unknown>)?.[key] as never) ?? whole)(data);
  }
  return null;
}

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
    return discriminatedUnion(schema) ?? compile(schema);
  } catch {
    return zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
  }
};
