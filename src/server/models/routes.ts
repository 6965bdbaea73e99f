import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { zModelByAttrsQuery, zModelConfig, zModelList, zModelListQuery, zModelScanSummary } from '../../shared/models.js';
import type { ModelService } from './service.js';

export const modelRoutes: FastifyPluginAsyncZod<{ models: ModelService }> = async (app, { models }) => {
  app.get('/api/v2/models/', {
    schema: {
      tags: ['models'],
      summary: 'List registered models',
      querystring: zModelListQuery.extend({
        include_missing: z.stringbool().optional().describe('Also list models whose files vanished'),
      }),
      response: { 200: zModelList },
    },
    handler: async (req) => ({ models: await models.list(req.query) }),
  });

  app.get('/api/v2/models/get_by_attrs', {
    schema: { tags: ['models'], summary: 'Get a model by name, type and base', querystring: zModelByAttrsQuery, response: { 200: zModelConfig } },
    handler: (req) => models.getByAttrs(req.query.name, req.query.type, req.query.base),
  });

  app.get('/api/v2/models/i/:key', {
    schema: {
      tags: ['models'],
      summary: 'Get a model by key',
      params: z.object({ key: z.string().min(1).max(128) }),
      response: { 200: zModelConfig },
    },
    handler: (req) => models.get(req.params.key),
  });

  app.post('/api/v2/models/scan', {
    schema: { tags: ['models'], summary: 'Rescan the models folder now', response: { 200: zModelScanSummary } },
    handler: () => models.scan(),
  });
};
