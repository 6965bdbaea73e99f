import { Command, Option } from 'commander';
import { ConfigError, LOG_LEVELS, resolveConfig, settingsFromEnv } from '../server/config.js';
import { defaultWebDir, startServer, StartupError } from '../server/serve.js';
import { fail } from './output.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Start the Recall server (API, socket and web UI)')
    .option('--root <dir>', 'Recall root with outputs/images, models and databases (env INVOKEAI_ROOT; default ./recall-root)')
    .option('--host <host>', 'address to bind (env RECALL_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free port (env RECALL_PORT; default 9090)')
    .addOption(new Option('--log-level <level>', 'log level (env RECALL_LOG_LEVEL; default info)').choices(LOG_LEVELS))
    .option('--upload-limit <bytes>', 'largest accepted image upload in bytes (env RECALL_UPLOAD_LIMIT; default 52428800)')
    .option('--body-limit <bytes>', 'largest accepted JSON body in bytes (env RECALL_BODY_LIMIT; default 1048576)')
    .option('--no-scan', 'do not scan the models folder at start')
    .option('--database-url <url>', 'store in PostgreSQL (postgres://user:pass@host:5432/db) instead of the root\'s SQLite file (env DATABASE_URL)')
    .option('--redis-url <url>', 'broadcast through Redis (redis://host:6379) so several servers share socket rooms (env REDIS_URL)')
    .option('--no-hash', 'do not hash models in the background (hashes match models named differently in images)')
    .option('--allow-private-urls', 'let image URLs reach private, loopback and link-local addresses (env RECALL_ALLOW_PRIVATE_URLS)')
    .option('--url-allow-list <networks>', 'comma-separated IP addresses or CIDR ranges image URLs may reach although private (env RECALL_URL_ALLOW_LIST)')
    .option('--url-timeout <ms>', 'longest time to fetch an image URL (env RECALL_URL_TIMEOUT_MS; default 15000)')
    .option('--url-max-redirects <n>', 'most redirects followed for an image URL (env RECALL_URL_MAX_REDIRECTS; default 5)')
    .option('--auth-token <token>', 'require this bearer token for the API and socket, all queues (env RECALL_AUTH_TOKEN, which keeps it out of ps)')
    .option('--tokens-file <file>', 'require a token from this JSON file, each limited to its queues (env RECALL_TOKENS_FILE; see docs/security.md)')
    .option('--cors-origin <origins>', 'comma-separated origins whose pages may use the API and socket (env RECALL_CORS_ORIGIN; default same origin only)')
    .option('--allowed-hosts <hosts>', 'comma-separated host names a loopback server without tokens also answers to, e.g. behind nginx (env RECALL_ALLOWED_HOSTS)')
    .option('--rate-limit <n>', 'at most n API requests a minute per client address (env RECALL_RATE_LIMIT; default no limit)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const env = settingsFromEnv(process.env);
      let server;
      try {
        const config = resolveConfig(
          {
            root: opts.root as string | undefined,
            host: opts.host as string | undefined,
            port: opts.port as string | undefined,
            logLevel: opts.logLevel as string | undefined,
            uploadLimit: opts.uploadLimit as string | undefined,
            bodyLimit: opts.bodyLimit as string | undefined,
            scanOnStart: opts.scan !== false,
            databaseUrl: opts.databaseUrl as string | undefined,
            redisUrl: opts.redisUrl as string | undefined,
            hashModels: opts.hash !== false,
            allowPrivateUrls: opts.allowPrivateUrls === true ? true : undefined,
            urlAllowList: opts.urlAllowList as string | undefined,
            urlTimeoutMs: opts.urlTimeout as string | undefined,
            urlMaxRedirects: opts.urlMaxRedirects as string | undefined,
            authToken: opts.authToken as string | undefined,
            tokensFile: opts.tokensFile as string | undefined,
            corsOrigin: opts.corsOrigin as string | undefined,
            allowedHosts: opts.allowedHosts as string | undefined,
            rateLimit: opts.rateLimit as string | undefined,
          },
          env,
          defaultWebDir(),
        );
        server = await startServer(config, { explicitRoot: Boolean(opts.root ?? env.root) });
      } catch (err) {
        if (err instanceof ConfigError || err instanceof StartupError) fail(err.message);
        throw err;
      }
      const running = server;
      const shutdown = (signal: string) => {
        running.logger.info(`${signal} received, shutting down`);
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            running.logger.error({ err }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
