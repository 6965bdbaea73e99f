import path from 'node:path';
import { z } from 'zod';
import { redactUrl } from './redact-url.js';

/**
 * Configuration is parsed once, from flags first, then environment, then defaults. A bad value ends
 * start-up with one line naming every bad setting (see serve.ts), never a stack trace.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const zPort = z.coerce.number().int().min(0).max(65535);
const zBytes = z.coerce.number().int().min(1024).max(2 ** 31);

export const zConfig = z.object({
  root: z.string().min(1).describe('Recall root; holds outputs/images, models and databases'),
  host: z.string().min(1),
  port: zPort,
  logLevel: z.enum(LOG_LEVELS),
  /** Largest accepted upload (multipart or base64), in bytes. */
  uploadLimit: zBytes,
  /** Largest accepted JSON body, in bytes. */
  bodyLimit: zBytes,
  /** Scan the models folder when the server starts. */
  scanOnStart: z.boolean(),
  /** Folder of the built web UI; served at `/` when present. */
  webDir: z.string().nullable(),
  /** PostgreSQL instead of the root's SQLite file, so several servers share one store. */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).nullable(),
  /** Redis for the Socket.IO adapter, so room broadcasts reach every server's clients. */
  redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).nullable(),
});
export type Config = z.infer<typeof zConfig>;

/** Raw settings as they come from flags or env: all strings (or booleans from flags), all optional. */
export interface RawSettings {
  root?: string;
  host?: string;
  port?: string | number;
  logLevel?: string;
  uploadLimit?: string | number;
  bodyLimit?: string | number;
  scanOnStart?: boolean;
  webDir?: string | null;
  databaseUrl?: string;
  redisUrl?: string;
}

export const DEFAULTS = {
  root: './recall-root',
  host: '127.0.0.1',
  port: 9090,
  logLevel: 'info',
  uploadLimit: 50 * 1024 * 1024,
  bodyLimit: 1024 * 1024,
} as const;

/** Settings read from the environment; names follow InvokeAI where it has one (INVOKEAI_ROOT). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  // An empty variable counts as unset, as shells and service managers often leave them.
  const get = (name: string) => (env[name] === '' ? undefined : env[name]);
  return {
    root: get('INVOKEAI_ROOT'),
    host: get('RECALL_HOST'),
    port: get('RECALL_PORT'),
    logLevel: get('RECALL_LOG_LEVEL'),
    uploadLimit: get('RECALL_UPLOAD_LIMIT'),
    bodyLimit: get('RECALL_BODY_LIMIT'),
    databaseUrl: get('DATABASE_URL'),
    redisUrl: get('REDIS_URL'),
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const FLAG_NAMES: Record<string, string> = {
  root: '--root / INVOKEAI_ROOT',
  host: '--host / RECALL_HOST',
  port: '--port / RECALL_PORT',
  logLevel: '--log-level / RECALL_LOG_LEVEL',
  uploadLimit: '--upload-limit / RECALL_UPLOAD_LIMIT',
  bodyLimit: '--body-limit / RECALL_BODY_LIMIT',
  databaseUrl: '--database-url / DATABASE_URL',
  redisUrl: '--redis-url / REDIS_URL',
};

/** Settings that may carry a password: shown redacted in error messages. */
const URL_SETTINGS = new Set(['databaseUrl', 'redisUrl']);

/** Merges flags over env over defaults and validates the lot, reporting every bad value at once. */
export function resolveConfig(flags: RawSettings, env: RawSettings, defaultWebDir: string | null): Config {
  const pick = <K extends keyof RawSettings>(k: K): RawSettings[K] => flags[k] ?? env[k];
  const raw = {
    root: path.resolve(pick('root') ?? DEFAULTS.root),
    host: pick('host') ?? DEFAULTS.host,
    port: pick('port') ?? DEFAULTS.port,
    logLevel: pick('logLevel') ?? DEFAULTS.logLevel,
    uploadLimit: pick('uploadLimit') ?? DEFAULTS.uploadLimit,
    bodyLimit: pick('bodyLimit') ?? DEFAULTS.bodyLimit,
    scanOnStart: flags.scanOnStart ?? true,
    webDir: flags.webDir === undefined ? defaultWebDir : flags.webDir,
    // An empty value (DATABASE_URL=) means "not set": SQLite, no Redis.
    databaseUrl: pick('databaseUrl') || null,
    redisUrl: pick('redisUrl') || null,
  };
  const parsed = zConfig.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '');
        const value = (raw as Record<string, unknown>)[key];
        const shown = URL_SETTINGS.has(key) && typeof value === 'string' ? redactUrl(value) : value;
        return `${FLAG_NAMES[key] ?? key} ${JSON.stringify(shown)}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}

/** The folders of a root, laid out as InvokeAI lays them out so an InvokeAI root works in place. */
export function rootPaths(root: string) {
  return {
    root,
    images: path.join(root, 'outputs', 'images'),
    thumbnails: path.join(root, 'outputs', 'images', 'thumbnails'),
    models: path.join(root, 'models'),
    databases: path.join(root, 'databases'),
    database: path.join(root, 'databases', 'recall.db'),
  };
}
export type RootPaths = ReturnType<typeof rootPaths>;
