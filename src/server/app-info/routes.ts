import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { INVOKEAI_API_VERSION, zAppVersion } from '../../shared/app-info.js';

export const appInfoRoutes: FastifyPluginAsyncZod<{ recallVersion: string }> = async (app, { recallVersion }) => {
  app.get('/api/v1/app/version', {
    schema: { tags: ['app'], operationId: 'app_version', summary: 'The InvokeAI API level implemented, and Recall\'s version', response: { 200: zAppVersion } },
    handler: async () => ({ version: INVOKEAI_API_VERSION, recall_version: recallVersion, highlights: [] }),
  });
};
