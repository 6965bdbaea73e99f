import fs from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AccessService } from './access/service.js';
import { appInfoRoutes } from './app-info/routes.js';
import { clientStateRoutes } from './client-state/routes.js';
import { ClientStateService } from './client-state/service.js';
import { rootPaths, type Config } from './config.js';
import type { Store } from './db/store.js';
import type { RecallEventPublisher } from './events/recall-events.js';
import { base64Length } from './images/base64.js';
import { ImageFetcher } from './images/fetcher.js';
import { ImageRepository } from './images/repository.js';
import { imageRoutes, imageUploadRoutes } from './images/routes.js';
import { ImageService } from './images/service.js';
import { logWithRequestId } from './logger.js';
import { modelRoutes } from './models/routes.js';
import { ModelHasher } from './models/hasher.js';
import { ModelService } from './models/service.js';
import { registerAccessControl } from './plugins/auth.js';
import { OriginPolicy, registerCrossOrigin } from './plugins/cross-origin.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import type { RedisBus } from './plugins/redis-bus.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { registerUiSecurityHeaders } from './plugins/security-headers.js';
import { responseSerializerCompiler } from './plugins/serializer.js';
import { requestValidatorCompiler } from './plugins/validator.js';
import { attachSocketServer, SocketRecallPublisher, type RecallSocketServer } from './plugins/socket.js';
import { registerStaticUi } from './plugins/static-ui.js';
import { FromImageService } from './recall/from-image.js';
import { RecallResolver } from './recall/resolver.js';
import { fromImageRoutes, recallRoutes } from './recall/routes.js';
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
  /** The access rules; built from the configuration when not given. */
  access?: AccessService;
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
  access: AccessService;
}

/** Creates the root's folders (InvokeAI's layout); an existing InvokeAI root is used in place. */
export function prepareRoot(root: string): void {
  const p = rootPaths(root);
  for (const dir of [p.images, p.models, p.databases]) fs.mkdirSync(dir, { recursive: true });
}

/** Builds the Fastify app from its parts. It never listens: serve.ts does, and tests inject. */
export async function buildApp({ config, store, logger, publisher, redis, access = AccessService.fromConfig(config) }: AppOptions): Promise<RecallApp> {
  const paths = rootPaths(config.root);
  const app = Fastify({
    loggerInstance: logger,
    // Our own onResponse hook writes the one line per request.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: making one cost more than a tenth of a recall. The request line
    // carries the request id instead (docs/benchmarks.md).
    childLoggerFactory: (logger) => logger,
    bodyLimit: config.bodyLimit,
    // Large uploads arrive as base64 JSON too; their own limit applies in those routes.
    routerOptions: { maxParamLength: 1024 },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(requestValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  app.decorateRequest('userId', 'system');
  registerErrorHandler(app);

  // One line per request, at info (the spec's backend log), with status and duration.
  // A callback hook, not an async one: it runs on every request, and a promise per request shows.
  // Written on our logger: Fastify's (`req.log`) is a child of it without bindings, so the line is
  // the same, and ours can write it without pino's general path.
  app.addHook('onResponse', (req, reply, done) => {
    logWithRequestId(logger, req.id, `${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
    done();
  });

  // JSON and multipart only: anything else is a 415, not a string the schemas then reject.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body counts as `{}` (curl -X POST with no data), as InvokeAI's clients expect.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    defaultJson(req, body as string, done);
  });

  // Order matters: foreign origins are refused first, floods are limited next, tokens checked last.
  const origins = OriginPolicy.forServer({ corsOrigins: config.corsOrigins, allowedHosts: config.allowedHosts, host: config.host, authEnabled: access.enabled });
  await registerCrossOrigin(app, origins);
  await registerRateLimit(app, config.rateLimit);
  registerAccessControl(app, access);

  const io = attachSocketServer(app, { origins, access, adapter: redis?.adapter });
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
  await app.register(recallRoutes, { recall, jsonBodyLimit });
  // Multipart is parsed only by the routes that take uploads: the plugin adds two async hooks and a
  // socket listener to every request of its scope, which cost the other routes for nothing.
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, { limits: { fileSize: config.uploadLimit, files: 1 } });
    await uploads.register(fromImageRoutes, { fromImage, uploadLimit: config.uploadLimit, jsonBodyLimit });
    await uploads.register(imageUploadRoutes, { images, uploadLimit: config.uploadLimit });
  });
  await app.register(clientStateRoutes, { clientState });
  await app.register(modelRoutes, { models });
  await app.register(imageRoutes, { images });
  await app.register(appInfoRoutes, { recallVersion: RECALL_VERSION });
  await app.register(async (ui) => {
    await registerUiSecurityHeaders(ui);
    await registerStaticUi(ui, config.webDir);
  });

  return { app, io, access, services: { recall, fromImage, models, hasher, images, clientState } };
}
