import { StorageUnavailableError } from '../store.js';

/** Socket-level failures: the server is not there, went away, or does not answer. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "the database cannot serve now", not "this request is wrong": class 08
 * (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now: starting up or
 * shutting down), 53300 (too many connections), 57014 (statement_timeout: overloaded or blocked).
 */
function unavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '57014';
}

/**
 * pg reports a lost connection with plain Errors and these messages (no code), so they are matched
 * by text: a terminated or timed-out connection, a client the pool already knows is broken.
 */
const LOST_CONNECTION = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /not queryable/i,
  /client was closed/i,
  /cannot use a pool after calling end/i,
];

/** Whether an error from pg means PostgreSQL is unreachable (so the request may succeed later). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableSqlState(code)))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return LOST_CONNECTION.some((re) => re.test(err.message));
}

/** Maps an unreachable database to StorageUnavailableError (the API's 503); other errors pass through. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof StorageUnavailableError || !isConnectionError(err)) return err;
  const detail = err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : (err as Error).message;
  return new StorageUnavailableError(`PostgreSQL is unavailable: ${detail || (err as { code?: string }).code}`, { cause: err });
}
