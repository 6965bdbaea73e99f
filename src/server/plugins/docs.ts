import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** OpenAPI generated from the same zod schemas that validate, at /openapi.json and /docs. */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Recall',
        description: 'InvokeAI-compatible Recall Parameters API: push generation parameters into a live front end.',
        version,
      },
      tags: [
        { name: 'recall', description: 'Recall parameters into a queue' },
        { name: 'client_state', description: 'Per-queue front-end state' },
        { name: 'models', description: 'The model registry' },
        { name: 'images', description: 'Images in outputs/images' },
        { name: 'app', description: 'Server information' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
