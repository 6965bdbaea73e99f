import fs from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { appInfoRoutes } from './app-info/routes.js';
import { clientStateRoutes } from './client-state/routes.js';
import { ClientStateService } from './client-state/service.js';
import { rootPaths, type Config } from './config.js';
import type { Store } from './db/store.js';
import type { RecallEventPublisher } from './events/recall-events.js';
import { base64Length } from './images/base64.js';
import { ImageFetcher } from './images/fetcher.js';
import { ImageRepository } from './images/repository.js';
import { imageRoutes } from './images/routes.js';
import { ImageService } from './images/service.js';
import { modelRoutes } from './models/routes.js';
import { ModelHasher } from './models/hasher.js';
import { ModelService } from './models/service.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import type { RedisBus } from './plugins/redis-bus.js';
import { attachSocketServer, SocketRecallPublisher, type RecallSocketServer } from './plugins/socket.js';
import { registerStaticUi } from './plugins/static-ui.js';
import { FromImageService } from './recall/from-image.js';
import { RecallResolver } from './recall/resolver.js';
import { recallRoutes } from './recall/routes.js';
import { RecallService } from './recall/service.js';
import { RECALL_VERSION } from './version.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request; "system" until access control names a token. */
    userId: string;
  }
}

export interface AppOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** Replaces the Socket.IO publisher (tools and tests that run without sockets). */
  publisher?: RecallEventPublisher;
  /** Connected Redis bus: socket rooms span every server on it (--redis-url). */
  redis?: RedisBus;
}

export interface RecallApp {
  app: FastifyInstance;
  io: RecallSocketServer;
  services: {
    recall: RecallService;
    fromImage: FromImageService;
    models: ModelService;
    /** Null when background hashing is off (`--no-hash`). */
    hasher: ModelHasher | null;
    images: ImageService;
    clientState: ClientStateService;
  };
}

/** Creates the root's folders (InvokeAI's layout); an existing InvokeAI root is used in place. */
export function prepareRoot(root: string): void {
  const p = rootPaths(root);
  for (const dir of [p.images, p.models, p.databases]) fs.mkdirSync(dir, { recursive: true });
}

/** Builds the Fastify app from its parts. It never listens: serve.ts does, and tests inject. */
export async function buildApp({ config, store, logger, publisher, redis }: AppOptions): Promise<RecallApp> {
  const paths = rootPaths(config.root);
  const app = Fastify({
    loggerInstance: logger,
    // Our own onResponse hook writes the one line per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // Large uploads arrive as base64 JSON too; their own limit applies in those routes.
    routerOptions: { maxParamLength: 1024 },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('userId', 'system');
  registerErrorHandler(app);

  // One line per request, at info (the spec's backend log), with status and duration.
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
  });

  // JSON and multipart only: anything else is a 415, not a string the schemas then reject.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body counts as `{}` (curl -X POST with no data), as InvokeAI's clients expect.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    defaultJson(req, body as string, done);
  });
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.body === undefined && req.url.startsWith('/api/v1/recall')) req.body = {};
  });

  await app.register(fastifyMultipart, { limits: { fileSize: config.uploadLimit, files: 1 } });

  const io = attachSocketServer(app, { corsOrigin: true, adapter: redis?.adapter });
  const hasher = config.hashModels ? new ModelHasher(store.models, paths.models, logger) : null;
  const models = new ModelService(store.models, paths.models, logger, hasher ?? undefined);
  const fetcher = new ImageFetcher({
    allowPrivate: config.allowPrivateUrls,
    allowList: config.urlAllowList,
    maxBytes: config.uploadLimit,
    timeoutMs: config.urlTimeoutMs,
    maxRedirects: config.urlMaxRedirects,
    userAgent: `Recall/${RECALL_VERSION}`,
  });
  const images = new ImageService(new ImageRepository(paths.images, paths.thumbnails), { fetcher, uploadLimit: config.uploadLimit });
  const resolver = new RecallResolver(models, images, paths.images, logger);
  const socketPublisher = new SocketRecallPublisher(io, redis, logger);
  const recall = new RecallService(store.recall, resolver, publisher ?? socketPublisher, logger, images);
  // Clients that missed events while Redis was down get the stored state once it is back.
  redis?.onRestored(() => void socketPublisher.resync((queueId) => recall.catchUpEvent(queueId)));
  const fromImage = new FromImageService(recall, images, logger);
  const clientState = new ClientStateService(store.clientState);
  app.addHook('onClose', async () => {
    await hasher?.close();
    await fetcher.close();
  });

  await registerDocs(app, RECALL_VERSION);
  // JSON bodies of the recall routes may carry base64 images as large as an upload.
  const jsonBodyLimit = config.bodyLimit + base64Length(config.uploadLimit);
  await app.register(recallRoutes, { recall, fromImage, uploadLimit: config.uploadLimit, jsonBodyLimit });
  await app.register(clientStateRoutes, { clientState });
  await app.register(modelRoutes, { models });
  await app.register(imageRoutes, { images, uploadLimit: config.uploadLimit });
  await app.register(appInfoRoutes, { recallVersion: RECALL_VERSION });
  await registerStaticUi(app, config.webDir);

  return { app, io, services: { recall, fromImage, models, hasher, images, clientState } };
}
