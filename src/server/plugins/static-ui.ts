import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the built web UI at `/` with a single-page-app fallback: any GET outside the API that asks
 * for HTML gets index.html. Without a build, `/` says how to make one.
 */
export async function registerStaticUi(app: FastifyInstance, webDir: string | null): Promise<void> {
  const index = webDir ? path.join(webDir, 'index.html') : null;
  if (!webDir || !index || !fs.existsSync(index)) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('Recall is running. The web UI is not built: run `npm run build` and restart.\nAPI docs: /docs\n'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'] });
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    if (url.startsWith('/api/') || url.startsWith('/ws/') || path.extname(url)) {
      return reply.code(404).send({ detail: `Not Found: GET ${url}`, code: 'RECALL_ERR_NOT_FOUND' });
    }
    return reply.sendFile('index.html');
  });
}
