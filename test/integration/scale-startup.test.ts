import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTempRoot, startServer } from '../helpers/server.js';
import { freePort } from '../helpers/services.js';

/** Start-up with --database-url / --redis-url that cannot work: one clear line, no password, no listening. */
async function startFailure(env: Record<string, string>, args: string[] = []): Promise<string> {
  const root = makeTempRoot('recall-startup-');
  const err = await startServer({ root, env, args }).then(
    () => null,
    (e: unknown) => e as Error,
  );
  fs.rmSync(root, { recursive: true, force: true });
  expect(err).toBeInstanceOf(Error);
  return err!.message;
}

describe('starting with PostgreSQL or Redis settings', () => {
  it('refuses a database URL that is not postgres:// and shows it without its password', async () => {
    const out = await startFailure({ DATABASE_URL: 'mysql://recall:s3cret@db.example/recall' });
    expect(out).toContain('recall: invalid configuration: --database-url / DATABASE_URL "mysql://recall:***@db.example/recall": must be a postgres:// or postgresql:// URL');
    expect(out).not.toContain('s3cret');
  });

  it('refuses a Redis URL given as a flag that is not redis://', async () => {
    const out = await startFailure({}, ['--redis-url', 'http://127.0.0.1:6379']);
    expect(out).toContain('--redis-url / REDIS_URL "http://127.0.0.1:6379": must be a redis:// or rediss:// URL');
  });

  it('exits with one clear line when PostgreSQL cannot be reached at start', async () => {
    const port = await freePort();
    const out = await startFailure({ DATABASE_URL: `postgres://recall:s3cret@127.0.0.1:${port}/recall` });
    expect(out).toMatch(new RegExp(`recall: cannot open the database postgres://recall:\\*\\*\\*@127\\.0\\.0\\.1:${port}/recall: PostgreSQL is unavailable: .*ECONNREFUSED`));
    expect(out).not.toContain('s3cret');
  });

  it('exits with one clear line when Redis cannot be reached at start', async () => {
    const port = await freePort();
    const out = await startFailure({ REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
    expect(out).toMatch(new RegExp(`recall: cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(out).not.toContain('s3cret');
  });
});
