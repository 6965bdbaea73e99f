import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration is parsed once, from flags first, then environment, then defaults. A bad value ends
 * start-up with one line naming every bad setting (see serve.ts), never a stack trace.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const zPort = z.coerce.number().int().min(0).max(65535);
const zBytes = z.coerce.number().int().min(1024).max(2 ** 31);
/** A bearer token: long enough not to be guessed, and only characters a header carries as they are. */
export const zAuthToken = z
  .string()
  .min(16, 'must be at least 16 characters')
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** A browser origin: scheme, host and optional port, nothing else. */
const zOrigin = z.string().regex(/^https?:\/\/[^/\s?#]+$/, 'must be an origin such as http://localhost:5173 (scheme, host, port; no path)');

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
  /** Access control with one token for every queue; null with no tokens file means off. */
  authToken: zAuthToken.nullable(),
  /** Access control from a JSON file of tokens, each with a name and its queues. */
  tokensFile: z.string().min(1).nullable(),
  /** Other origins whose pages may call the API and open the socket; same origin only when empty. */
  corsOrigins: z.array(zOrigin),
  /** Most requests per minute from one client address; null means no limit. */
  rateLimit: z.coerce.number().int().min(1).max(1_000_000).nullable(),
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
  authToken?: string;
  tokensFile?: string;
  /** Comma-separated origins. */
  corsOrigin?: string;
  rateLimit?: string | number;
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
  return {
    root: env.INVOKEAI_ROOT,
    host: env.RECALL_HOST,
    port: env.RECALL_PORT,
    logLevel: env.RECALL_LOG_LEVEL,
    uploadLimit: env.RECALL_UPLOAD_LIMIT,
    bodyLimit: env.RECALL_BODY_LIMIT,
    authToken: env.RECALL_AUTH_TOKEN,
    tokensFile: env.RECALL_TOKENS_FILE,
    corsOrigin: env.RECALL_CORS_ORIGIN,
    rateLimit: env.RECALL_RATE_LIMIT,
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
  authToken: '--auth-token / RECALL_AUTH_TOKEN',
  tokensFile: '--tokens-file / RECALL_TOKENS_FILE',
  corsOrigins: '--cors-origin / RECALL_CORS_ORIGIN',
  rateLimit: '--rate-limit / RECALL_RATE_LIMIT',
};
/** Settings whose value must never appear in a message. */
const SECRET_SETTINGS = new Set(['authToken']);

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
    authToken: pick('authToken') || null,
    tokensFile: pick('tokensFile') ? path.resolve(pick('tokensFile')!) : null,
    corsOrigins: (pick('corsOrigin') ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
    rateLimit: pick('rateLimit') || null,
  };
  if (raw.authToken && raw.tokensFile) throw new ConfigError(['--auth-token and --tokens-file cannot be used together (put the token in the file)']);
  const parsed = zConfig.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '');
        const value = (raw as Record<string, unknown>)[key];
        return `${FLAG_NAMES[key] ?? key} ${SECRET_SETTINGS.has(key) ? '(hidden)' : JSON.stringify(value)}: ${i.message}`;
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
