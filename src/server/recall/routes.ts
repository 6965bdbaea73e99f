import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { zFromImageBody, zFromImageQuery, zFromImageResponse } from '../../shared/from-image.js';
import { zQueueParams } from '../../shared/queue.js';
import {
  LIMITS,
  zRecallBatchRequest,
  zRecallBatchResponse,
  zRecallNoParametersResponse,
  zRecallParameters,
  zRecallQuery,
  zRecallResponse,
  zRecallState,
} from '../../shared/recall.js';
import { invalidField } from '../errors.js';
import type { FromImageService, UploadedFile } from './from-image.js';
import type { RecallOutcome, RecallService } from './service.js';

/** An empty body counts as `{}` (curl -X POST with no data), as InvokeAI's clients expect. */
function emptyBodyAsObject(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (req.body === undefined) (req as { body: unknown }).body = {};
  done();
}

const firstOutcome = (outcomes: RecallOutcome[]): RecallOutcome => outcomes[0]!;

export interface RecallRouteOptions {
  recall: RecallService;
  /** Largest JSON body of these routes: room for base64 images as large as an upload. */
  jsonBodyLimit: number;
}

export const recallRoutes: FastifyPluginAsyncZod<RecallRouteOptions> = async (app, { recall, jsonBodyLimit }) => {
  app.post('/api/v1/recall/:queue_id', {
    bodyLimit: jsonBodyLimit,
    schema: {
      operationId: 'update_recall_parameters',
      tags: ['recall'],
      summary: 'Update recall parameters of a queue and broadcast them to its clients',
      description:
        'Every field is optional; only non-null ones are stored (under recall_* keys, in one transaction), resolved ' +
        '(model names to keys, image names to sizes) and broadcast as `recall_parameters_updated`. Unknown models ' +
        'and missing images are skipped with a warning. List entries may give their image by `image_url` (fetched ' +
        'into outputs/images; a refused URL is a warning) or `image_base64`.',
      params: zQueueParams,
      querystring: zRecallQuery,
      body: zRecallParameters,
      response: { 200: zRecallResponse.or(zRecallNoParametersResponse) },
    },
    preValidation: emptyBodyAsObject,
    handler: (req) => recall.recall([req.params.queue_id], req.body, req.query, req.userId).then(firstOutcome),
  });

  app.post('/api/v1/recall', {
    bodyLimit: jsonBodyLimit,
    schema: {
      operationId: 'update_recall_parameters_batch',
      tags: ['recall'],
      summary: 'Recall the same parameters into several queues at once',
      description:
        `The parameters are validated once and stored into every queue in one transaction (all queues or none), then one ` +
        `\`recall_parameters_updated\` event goes to each queue's room. Up to ${LIMITS.batchQueues} distinct queue ids; ` +
        'the `strict` and `append` flags work as on the single-queue route. The answer lists each queue\'s result, in order.',
      querystring: zRecallQuery,
      body: zRecallBatchRequest,
      response: { 200: zRecallBatchResponse },
    },
    handler: (req) => recall.recallBatch(req.body.queue_ids, req.body.parameters, req.query, req.userId),
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

export interface FromImageRouteOptions {
  fromImage: FromImageService;
  /** Largest multipart upload, in bytes. */
  uploadLimit: number;
  /** Largest JSON body: room for a base64 image as large as an upload. */
  jsonBodyLimit: number;
}

/** Recall from an image's metadata, registered where multipart bodies are parsed (see app.ts). */
export const fromImageRoutes: FastifyPluginAsyncZod<FromImageRouteOptions> = async (app, { fromImage, uploadLimit, jsonBodyLimit }) => {
  app.post('/api/v1/recall/:queue_id/from_image', {
    bodyLimit: jsonBodyLimit,
    // A multipart upload leaves the JSON body empty.
    preValidation: emptyBodyAsObject,
    schema: {
      operationId: 'recall_from_image',
      tags: ['recall'],
      summary: "Recall the generation parameters saved in an image's metadata",
      description:
        'The image is named (`image_name`, in outputs/images), sent as JSON (`image_base64`, `image_url`) or uploaded ' +
        'as multipart/form-data (field `file`). Its metadata (InvokeAI, AUTOMATIC1111/Forge/SD.Next, ComfyUI, NovelAI, ' +
        'Fooocus, SwarmUI, ...) is parsed and recalled exactly like a POST of those parameters; models whose hash the ' +
        'image carries are matched by hash first. `remix=true` leaves the seed out. An image without generation ' +
        'metadata answers 422.',
      consumes: ['application/json', 'multipart/form-data'],
      params: zQueueParams,
      querystring: zFromImageQuery,
      body: zFromImageBody,
      response: { 200: zFromImageResponse },
    },
    handler: async (req) => {
      let file: UploadedFile | undefined;
      if (req.isMultipart()) {
        const part = await req.file({ limits: { fileSize: uploadLimit, files: 1 } });
        if (!part || part.fieldname !== 'file') throw invalidField(['body', 'file'], 'Expected a multipart field named "file"', 'missing');
        file = { bytes: await part.toBuffer(), filename: part.filename };
      }
      return fromImage.fromImage(req.params.queue_id, req.body, file, req.query, req.userId);
    },
  });
};
