import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { zClientStateKeyQuery, zClientStatePrefixQuery, zClientStateValue } from '../../shared/client-state.js';
import { zQueueParams } from '../../shared/queue.js';
import type { ClientStateService } from './service.js';

/**
 * A string value as a JSON string, as InvokeAI answers: Fastify would send a bare string as
 * text/plain, unquoted, and clients that parse JSON would fail on it.
 */
function sendJson(reply: FastifyReply, value: string | null): void {
  reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}

/** InvokeAI's client-state routes; here the queue id really scopes the data. */
export const clientStateRoutes: FastifyPluginAsyncZod<{ clientState: ClientStateService }> = async (app, { clientState }) => {
  const base = '/api/v1/client_state/:queue_id';
  const tags = ['client_state'];

  app.get(`${base}/get_by_key`, {
    schema: { tags, operationId: 'get_client_state_by_key', params: zQueueParams, querystring: zClientStateKeyQuery, response: { 200: z.string().nullable() } },
    handler: async (req, reply) => sendJson(reply, await clientState.get(req.params.queue_id, req.query.key)),
  });

  app.post(`${base}/set_by_key`, {
    schema: {
      tags,
      operationId: 'set_client_state',
      params: zQueueParams,
      querystring: zClientStateKeyQuery,
      body: zClientStateValue.describe('The value, as a JSON string'),
      response: { 200: z.string() },
    },
    handler: async (req, reply) => sendJson(reply, await clientState.set(req.params.queue_id, req.query.key, req.body)),
  });

  app.get(`${base}/get_keys_by_prefix`, {
    schema: {
      tags,
      operationId: 'get_client_state_keys_by_prefix',
      params: zQueueParams,
      querystring: zClientStatePrefixQuery,
      response: { 200: z.array(z.string()) },
    },
    handler: (req) => clientState.keysByPrefix(req.params.queue_id, req.query.prefix),
  });

  app.post(`${base}/delete_by_key`, {
    schema: { tags, operationId: 'delete_client_state_by_key', params: zQueueParams, querystring: zClientStateKeyQuery, response: { 200: z.null() } },
    handler: async (req) => {
      await clientState.delete(req.params.queue_id, req.query.key);
      return null;
    },
  });

  app.post(`${base}/delete`, {
    schema: { tags, operationId: 'delete_client_state', params: zQueueParams, response: { 200: z.null() } },
    handler: async (req) => {
      await clientState.deleteQueue(req.params.queue_id);
      return null;
    },
  });
};
