import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../store.js';
import { isConnectionError, toStoreError } from './pg-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('PostgreSQL error classification', () => {
  it('reads refused, reset and timed-out sockets as an unreachable database', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']) expect(isConnectionError(withCode(`connect ${code}`, code))).toBe(true);
  });

  it('reads shutdown, start-up, connection-class and timeout SQLSTATEs as unreachable', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', '57014']) expect(isConnectionError(withCode('x', code))).toBe(true);
  });

  it("reads pg's own lost-connection messages as unreachable", () => {
    for (const message of ['Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Query read timeout', 'Client has encountered a connection error and is not queryable']) {
      expect(isConnectionError(new Error(message))).toBe(true);
    }
  });

  it('reads an AggregateError (every address refused) as unreachable when one of its errors is', () => {
    expect(isConnectionError(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''))).toBe(true);
  });

  it('leaves SQL errors and programming errors alone', () => {
    for (const err of [withCode('duplicate key value', '23505'), withCode('syntax error', '42601'), new TypeError('x is undefined'), 'not an error']) {
      expect(isConnectionError(err)).toBe(false);
      expect(toStoreError(err)).toBe(err);
    }
  });

  it('wraps an unreachable database as StorageUnavailableError, keeping the cause', () => {
    const cause = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    const err = toStoreError(cause) as StorageUnavailableError;
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err.message).toBe('PostgreSQL is unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    expect(err.cause).toBe(cause);
    expect(toStoreError(err)).toBe(err);
  });
});
