import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { zQueueParams } from '../../shared/queue.js';
import { zRecallNoParametersResponse, zRecallParameters, zRecallQuery, zRecallResponse, zRecallState } from '../../shared/recall.js';
import type { RecallService } from './service.js';

export const recallRoutes: FastifyPluginAsyncZod<{ recall: RecallService }> = async (app, { recall }) => {
  app.post('/api/v1/recall/:queue_id', {
    schema: {
      operationId: 'update_recall_parameters',
      tags: ['recall'],
      summary: 'Update recall parameters of a queue and broadcast them to its clients',
      description:
        'Every field is optional; only non-null ones are stored (under recall_* keys, in one transaction), resolved ' +
        '(model names to keys, image names to sizes) and broadcast as `recall_parameters_updated`. Unknown models ' +
        'and missing images are skipped with a warning.',
      params: zQueueParams,
      querystring: zRecallQuery,
      body: zRecallParameters,
      response: { 200: zRecallResponse.or(zRecallNoParametersResponse) },
    },
    // An empty body counts as `{}` (curl -X POST with no data), as InvokeAI's clients expect.
    preValidation: (req, _reply, done) => {
      if (req.body === undefined) (req as { body: unknown }).body = {};
      done();
    },
    handler: async (req) => {
      const [outcome] = await recall.recall([req.params.queue_id], req.body, req.query, req.userId);
      return outcome!;
    },
  });

  app.get('/api/v1/recall/:queue_id', {
    schema: {
      operationId: 'get_recall_parameters',
      tags: ['recall'],
      summary: 'Get the recall parameters stored for a queue, resolved now',
      params: zQueueParams,
      response: { 200: zRecallState },
    },
    handler: (req) => recall.state(req.params.queue_id),
  });
};
