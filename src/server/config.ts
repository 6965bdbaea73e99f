import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { redactUrl } from './redact-url.js';

/**
 * Configuration is parsed once, from flags first, then environment, then defaults. A bad value ends
 * start-up with one line naming every bad setting (see serve.ts), never a stack trace.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const zPort = z.coerce.number().int().min(0).max(65535);
const zBytes = z.coerce.number().int().min(1024).max(2 ** 31);
/** An IP address or CIDR range, e.g. `10.0.0.0/8`, `192.168.1.20`, `fd00::/8`. */
const zNetwork = z.string().refine((s) => ipaddr.isValidCIDR(s) || ipaddr.isValid(s), { message: 'is not an IP address or CIDR range' });
/** Flags and env give booleans as text too (`RECALL_ALLOW_PRIVATE_URLS=1`). */
const zFlag = z.union([z.boolean(), z.stringbool()]);
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
  /** PostgreSQL instead of the root's SQLite file, so several servers share one store. */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).nullable(),
  /** Redis for the Socket.IO adapter, so room broadcasts reach every server's clients. */
  redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).nullable(),
  /** Hash models in a background worker after each scan (for matching images by hash). */
  hashModels: z.boolean(),
  /** Image URLs may reach any address, private ones included (trusted networks only). */
  allowPrivateUrls: zFlag,
  /** Private addresses image URLs may reach anyway (IP addresses or CIDR ranges). */
  urlAllowList: z.array(zNetwork),
  /** Longest time to fetch one image URL, redirects included. */
  urlTimeoutMs: z.coerce.number().int().min(100).max(600_000),
  /** Most redirects followed for one image URL. */
  urlMaxRedirects: z.coerce.number().int().min(0).max(20),
  /** Access control with one token for every queue; null with no tokens file means off. */
  authToken: zAuthToken.nullable(),
  /** Access control from a JSON file of tokens, each with a name and its queues. */
  tokensFile: z.string().min(1).nullable(),
  /** Other origins whose pages may call the API and open the socket; same origin only when empty. */
  corsOrigins: z.array(zOrigin),
  /** Host names (besides localhost) a loopback server without tokens answers to, e.g. behind a proxy. */
  allowedHosts: z.array(z.string().regex(/^[a-z0-9.-]+$/i, 'must be a host name such as recall.example.org (no scheme, port or path)')),
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
  databaseUrl?: string;
  redisUrl?: string;
  hashModels?: boolean;
  allowPrivateUrls?: boolean | string;
  /** Comma-separated (env) or a list (flags). */
  urlAllowList?: string | string[];
  urlTimeoutMs?: string | number;
  urlMaxRedirects?: string | number;
  authToken?: string;
  tokensFile?: string;
  /** Comma-separated origins. */
  corsOrigin?: string;
  /** Comma-separated host names. */
  allowedHosts?: string;
  rateLimit?: string | number;
}

export const DEFAULTS = {
  root: './recall-root',
  host: '127.0.0.1',
  port: 9090,
  logLevel: 'info',
  uploadLimit: 50 * 1024 * 1024,
  bodyLimit: 1024 * 1024,
  urlTimeoutMs: 15_000,
  urlMaxRedirects: 5,
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
    allowPrivateUrls: get('RECALL_ALLOW_PRIVATE_URLS'),
    urlAllowList: get('RECALL_URL_ALLOW_LIST'),
    urlTimeoutMs: get('RECALL_URL_TIMEOUT_MS'),
    urlMaxRedirects: get('RECALL_URL_MAX_REDIRECTS'),
    authToken: get('RECALL_AUTH_TOKEN'),
    tokensFile: get('RECALL_TOKENS_FILE'),
    corsOrigin: get('RECALL_CORS_ORIGIN'),
    allowedHosts: get('RECALL_ALLOWED_HOSTS'),
    rateLimit: get('RECALL_RATE_LIMIT'),
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
  allowPrivateUrls: '--allow-private-urls / RECALL_ALLOW_PRIVATE_URLS',
  urlAllowList: '--url-allow-list / RECALL_URL_ALLOW_LIST',
  urlTimeoutMs: '--url-timeout / RECALL_URL_TIMEOUT_MS',
  urlMaxRedirects: '--url-max-redirects / RECALL_URL_MAX_REDIRECTS',
  authToken: '--auth-token / RECALL_AUTH_TOKEN',
  tokensFile: '--tokens-file / RECALL_TOKENS_FILE',
  corsOrigins: '--cors-origin / RECALL_CORS_ORIGIN',
  allowedHosts: '--allowed-hosts / RECALL_ALLOWED_HOSTS',
  rateLimit: '--rate-limit / RECALL_RATE_LIMIT',
};
/** Settings whose value must never appear in a message. */
const SECRET_SETTINGS = new Set(['authToken']);

/** Settings that may carry a password: shown redacted in error messages. */
const URL_SETTINGS = new Set(['databaseUrl', 'redisUrl']);

const splitList = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean);

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
    hashModels: flags.hashModels ?? true,
    allowPrivateUrls: pick('allowPrivateUrls') ?? false,
    urlAllowList: splitList(pick('urlAllowList')),
    urlTimeoutMs: pick('urlTimeoutMs') ?? DEFAULTS.urlTimeoutMs,
    urlMaxRedirects: pick('urlMaxRedirects') ?? DEFAULTS.urlMaxRedirects,
    authToken: pick('authToken') || null,
    tokensFile: pick('tokensFile') ? path.resolve(pick('tokensFile')!) : null,
    allowedHosts: splitList(pick('allowedHosts')).map((h) => h.toLowerCase()),
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
        const at = i.path[1];
        const whole = (raw as Record<string, unknown>)[key];
        const value = typeof at === 'number' && Array.isArray(whole) ? whole[at] : whole;
        const shown = SECRET_SETTINGS.has(key) ? '(hidden)' : JSON.stringify(URL_SETTINGS.has(key) && typeof value === 'string' ? redactUrl(value) : value);
        return `${FLAG_NAMES[key] ?? key} ${shown}: ${i.message}`;
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
