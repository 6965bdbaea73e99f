import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import { redactUrl } from '../redact-url.js';

type RedisClient = ReturnType<typeof createClient>;
type AnyAsync = (...args: unknown[]) => Promise<unknown>;

/** Connection attempts at start-up before giving up with a clear error (about 1.5 s in all). */
const STARTUP_ATTEMPTS = 5;
/** Longest pause between reconnection attempts once running: a restarted Redis is found within it. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * The cross-process bus: Socket.IO's Redis adapter on two node-redis clients (publish and
 * subscribe). Room broadcasts reach the clients of every process subscribed to the same Redis.
 */
export interface RedisBus {
  /** For `new Server(..., { adapter })`. */
  readonly adapter: ReturnType<typeof createAdapter>;
  /** Both connections are up, so a broadcast reaches every process. */
  readonly ready: boolean;
  /** Runs `emit` (one broadcast through the adapter) and resolves whether Redis took its message in time. */
  published(emit: () => void): Promise<boolean>;
  /** Called each time both connections are back after an outage. */
  onRestored(listener: () => void): void;
  close(): Promise<void>;
}

/** Thrown when Redis cannot be reached at start-up. */
export class RedisUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Replaces the named methods of a client with ones that never reject, handing each call's promise to
 * `observe`: the adapter calls publish and (un)subscribe without awaiting them, and a rejection there
 * (Redis down) would otherwise end the process as an unhandled rejection.
 */
function neverReject(client: RedisClient, names: string[], observe: (name: string, sent: Promise<unknown>) => void): void {
  const methods = client as unknown as Record<string, AnyAsync>;
  for (const name of names) {
    const original = methods[name]!.bind(client);
    methods[name] = (...args) => {
      const sent = original(...args);
      observe(name, sent);
      return sent.catch(() => 0);
    };
  }
}

/**
 * Connects both clients, or rejects with RedisUnavailableError. Once running, the clients reconnect
 * by themselves (forever, at most MAX_RECONNECT_DELAY_MS apart). Commands are never queued while
 * disconnected (`disableOfflineQueue`): a broadcast made during an outage fails at once instead of
 * being delivered late, when it may no longer be the newest.
 */
export async function connectRedisBus(url: string, log: Logger, options: { publishTimeoutMs?: number } = {}): Promise<RedisBus> {
  const where = redactUrl(url);
  const publishTimeoutMs = options.publishTimeoutMs ?? 1000;
  let started = false;
  let degraded = false;
  const restoredListeners: (() => void)[] = [];
  const reconnectStrategy = (retries: number, cause: Error): number | Error => {
    if (!started && retries >= STARTUP_ATTEMPTS) return new Error(`${cause.message || cause.name}`);
    return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS);
  };
  const clientOptions = { url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 3000 } };
  const pub: RedisClient = createClient(clientOptions);
  const sub: RedisClient = createClient(clientOptions);

  const lost = (err?: unknown) => {
    if (!started || degraded) return;
    degraded = true;
    log.warn(
      `Redis connection to ${where} lost${err instanceof Error ? ` (${err.message || err.name})` : ''}: recalls are still stored and reach ` +
        `this server's clients; other servers' clients get the stored state when it is back`,
    );
  };
  for (const [name, client] of [['publish', pub], ['subscribe', sub]] as const) {
    client.on('error', (err: Error) => {
      log.debug({ err }, `Redis ${name} connection error`);
      lost(err);
    });
    client.on('reconnecting', () => lost());
    client.on('ready', () => {
      if (!started || !degraded || !pub.isReady || !sub.isReady) return;
      degraded = false;
      log.info(`Redis connection to ${where} restored: broadcasts reach every server again`);
      for (const listener of restoredListeners) listener();
    });
  }

  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    for (const c of [pub, sub]) if (c.isOpen) c.destroy();
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new RedisUnavailableError(`cannot connect to Redis at ${where}: ${(cause as Error).message || (cause as Error).name}`, { cause: err });
  }
  started = true;

  // Publishes made while `capture` is set are the current broadcast's; their outcome is its delivery.
  let capture: Promise<boolean>[] | null = null;
  neverReject(pub, ['publish'], (_name, sent) => {
    const outcome = sent.then(
      () => true,
      (err: unknown) => {
        log.debug({ err }, 'Redis publish failed');
        return false;
      },
    );
    capture?.push(outcome);
  });
  neverReject(sub, ['pSubscribe', 'subscribe', 'pUnsubscribe', 'unsubscribe'], (name, sent) => {
    sent.catch((err: unknown) => log.debug({ err }, `Redis ${name} failed`));
  });
  const adapter = createAdapter(pub, sub);

  return {
    adapter,
    get ready() {
      return pub.isReady && sub.isReady;
    },
    published: async (emit) => {
      const sent: Promise<boolean>[] = [];
      capture = sent;
      try {
        emit();
      } finally {
        capture = null;
      }
      if (sent.length === 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), publishTimeoutMs);
      });
      try {
        return await Promise.race([Promise.all(sent).then((all) => all.every(Boolean)), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    onRestored: (listener) => void restoredListeners.push(listener),
    close: async () => {
      started = false;
      await Promise.all(
        [pub, sub].map(async (c) => {
          if (!c.isOpen) return;
          if (c.isReady) await c.close().catch(() => c.destroy());
          else c.destroy();
        }),
      );
    },
  };
}
