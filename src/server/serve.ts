import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AccessService } from './access/service.js';
import { buildApp, prepareRoot, type RecallApp } from './app.js';
import { ConfigError, rootPaths, type Config } from './config.js';
import { openSqliteStore } from './db/sqlite/sqlite-store.js';
import type { Store } from './db/store.js';
import { createLogger } from './logger.js';
import type { RedisBus } from './plugins/redis-bus.js';
import { redactUrl } from './redact-url.js';
import { isLoopbackHost } from './plugins/cross-origin.js';

/** Where the built web UI is: beside the compiled server, or in dist/ when running from source. */
export function defaultWebDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', 'web'), path.resolve(here, '..', '..', 'dist', 'web')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? null;
}

/** A start-up failure worth one clear line, not a stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Checks the root: the default one is created on first start; one named explicitly must exist
 * (a typo should not silently start an empty root beside a real InvokeAI one) and be writable.
 */
export function checkRoot(root: string, explicit: boolean): void {
  if (!fs.existsSync(root)) {
    if (explicit) throw new StartupError(`root folder ${root} does not exist (create it, or omit --root to use ./recall-root)`);
    fs.mkdirSync(root, { recursive: true });
  }
  if (!fs.statSync(root).isDirectory()) throw new StartupError(`root ${root} is not a folder`);
  try {
    fs.accessSync(root, fs.constants.W_OK | fs.constants.R_OK);
    prepareRoot(root);
    fs.accessSync(rootPaths(root).databases, fs.constants.W_OK);
  } catch (err) {
    throw new StartupError(`root folder ${root} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export interface RunningServer extends RecallApp {
  url: string;
  store: Store;
  logger: Logger;
  close(): Promise<void>;
}

/** Opens the store, scans models, listens. Rejects with StartupError or ConfigError on bad settings. */
export async function startServer(config: Config, opts: { explicitRoot: boolean; logger?: Logger }): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Read the tokens file before anything is opened, so a bad one stops the start cleanly.
  const access = AccessService.fromConfig(config);
  checkRoot(config.root, opts.explicitRoot);
  const paths = rootPaths(config.root);
  const database = config.databaseUrl ? redactUrl(config.databaseUrl) : paths.database;
  let store: Store;
  try {
    // pg and redis are loaded only when configured: the default server does not carry them.
    store = config.databaseUrl
      ? await (await import('./db/postgres/postgres-store.js')).openPostgresStore(config.databaseUrl, {
          onConnectionError: (err) => logger.warn(`PostgreSQL connection lost (${err.message}); the next request opens a new one`),
        })
      : openSqliteStore(paths.database);
  } catch (err) {
    throw new StartupError(`cannot open the database ${database}: ${(err as Error).message}`);
  }
  let redis: RedisBus | undefined;
  if (config.redisUrl) {
    try {
      redis = await (await import('./plugins/redis-bus.js')).connectRedisBus(config.redisUrl, logger);
    } catch (err) {
      await store.close();
      throw new StartupError((err as Error).message);
    }
  }
  const recallApp = await buildApp({ config, store, logger, redis, access });
  // A scan starts the background hasher; without one, models left unhashed last time are hashed now.
  if (config.scanOnStart) await recallApp.services.models.scan();
  else recallApp.services.hasher?.kick();
  // The registry index is built before the first request, which would otherwise wait for it
  // (a few hundred milliseconds with 100,000 models).
  await store.models.warmUp?.();

  try {
    await recallApp.app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await recallApp.app.close().catch(() => undefined);
    await redis?.close();
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`port ${config.port} on ${config.host} is already in use (choose another with --port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`cannot bind to host ${config.host}: ${code}`);
    if (code === 'EACCES') throw new StartupError(`no permission to listen on ${config.host}:${config.port}`);
    throw err;
  }
  const address = recallApp.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  if (!access.enabled && !isLoopbackHost(config.host)) {
    logger.warn(
      `Recall listens on ${config.host} without access control: anyone who can reach this address can read and change every queue. ` +
        'Start it with --auth-token (or RECALL_AUTH_TOKEN) or --tokens-file, or bind to 127.0.0.1.',
    );
  }
  logger.info(
    `Access control ${access.enabled ? `on (${access.tokenCount} token(s))` : 'off'}; ` +
      `browser origins: same origin${config.corsOrigins.length ? ` and ${config.corsOrigins.join(', ')}` : ' only'}; ` +
      `rate limit ${config.rateLimit ? `${config.rateLimit} requests a minute per address` : 'off'}`,
  );
  logger.info(
    {
      root: config.root,
      database,
      redis: config.redisUrl ? redactUrl(config.redisUrl) : 'off (single server)',
      images: paths.images,
      models: paths.models,
      webUi: config.webDir ?? 'not built',
    },
    `Recall listening on ${url} (root ${config.root})`,
  );

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await recallApp.app.close();
      await redis?.close();
      await store.close();
    })());
  return { ...recallApp, url, store, logger, close };
}

export { ConfigError };
