import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/*
 * Real PostgreSQL and Redis for the scale-out tests, never mocks. A test uses the shared servers
 * named by RECALL_TEST_DATABASE_URL / RECALL_TEST_REDIS_URL (what .ci/run exports), or starts its own
 * throwaway ones from the installed binaries (always, when it needs to stop and restart them). With
 * neither, the tests skip with a notice; under CI they fail instead.
 */

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, cmd);
    if (dir && fs.existsSync(file)) return file;
  }
  return null;
}

/** Folder of PostgreSQL's server binaries (initdb, pg_ctl): env RECALL_PG_BIN, Debian's layout, or PATH. */
export function findPgBin(): string | null {
  const candidates: string[] = [];
  if (process.env.RECALL_PG_BIN) candidates.push(process.env.RECALL_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs.readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  const initdb = onPath('initdb');
  if (initdb) candidates.push(path.dirname(fs.realpathSync(initdb)));
  return candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl'))) ?? null;
}

export const PG_BIN = findPgBin();
export const REDIS_SERVER = onPath('redis-server');
export const SHARED_DATABASE_URL = process.env.RECALL_TEST_DATABASE_URL || null;
export const SHARED_REDIS_URL = process.env.RECALL_TEST_REDIS_URL || null;

/**
 * Whether a suite can run. When it cannot: under CI this throws (the suite fails and says why);
 * elsewhere it prints a notice and the caller skips (`describe.skipIf(!available)`).
 */
export function servicesAvailable(suite: string, needs: { postgres?: 'url-or-binaries' | 'binaries'; redis?: 'url-or-binaries' | 'binaries' }): boolean {
  const missing: string[] = [];
  if (needs.postgres === 'binaries' && !PG_BIN) missing.push('PostgreSQL server binaries (initdb, pg_ctl)');
  if (needs.postgres === 'url-or-binaries' && !PG_BIN && !SHARED_DATABASE_URL) missing.push('PostgreSQL (RECALL_TEST_DATABASE_URL or initdb/pg_ctl)');
  if (needs.redis === 'binaries' && !REDIS_SERVER) missing.push('redis-server');
  if (needs.redis === 'url-or-binaries' && !REDIS_SERVER && !SHARED_REDIS_URL) missing.push('Redis (RECALL_TEST_REDIS_URL or redis-server)');
  if (missing.length === 0) return true;
  const message = `${suite}: needs ${missing.join(' and ')}; install the Debian packages postgresql and redis-server`;
  if (process.env.CI) throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
  console.warn(`SKIPPED ${message}`);
  return false;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user (or `nobody`). */
function serverUser(): string | null {
  if (process.getuid?.() !== 0) return null;
  const user = ['postgres', 'nobody'].find((u) => {
    try {
      execFileSync('id', ['-u', u], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!user) throw new Error('running as root and no postgres or nobody user to run PostgreSQL as');
  return user;
}

function asServerUser(cmd: string, args: string[]): [string, string[]] {
  const user = serverUser();
  if (!user) return [cmd, args];
  const runuser = onPath('runuser') ?? ['/usr/sbin/runuser', '/sbin/runuser'].find((f) => fs.existsSync(f)) ?? 'runuser';
  return [runuser, ['-u', user, '--', cmd, ...args]];
}

function run(cmd: string, args: string[]): string {
  const [c, a] = asServerUser(cmd, args);
  return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A throwaway PostgreSQL cluster in a temp folder, on loopback only, that a test may stop and restart. */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PgCluster> {
    if (!PG_BIN) throw new Error('PostgreSQL binaries not found');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-pg-'));
    try {
      const user = serverUser();
      if (user) execFileSync('chown', ['-R', user, dir]);
      run(path.join(PG_BIN, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
      const cluster = new PgCluster(dir, await freePort());
      await cluster.start();
      return cluster;
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** URL of a database on this cluster (default: the maintenance database). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync off: a test cluster need not survive a power cut, and it keeps the suite fast.
    const opts = `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dir} -c fsync=off -c full_page_writes=off`;
    run(path.join(PG_BIN!, 'pg_ctl'), ['-D', path.join(this.dir, 'data'), '-o', opts, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  /** `fast` ends every session at once (what a restart or failover does to clients). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    run(path.join(PG_BIN!, 'pg_ctl'), ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fresh, empty database on the server of `adminUrl`, so suites sharing one server never meet. */
export async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `recall_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A database for one suite: on the shared server when RECALL_TEST_DATABASE_URL is set, else on a
 * throwaway cluster of its own. `release` drops or destroys it.
 */
export async function suiteDatabase(): Promise<{ url: string; release(): Promise<void> }> {
  if (SHARED_DATABASE_URL) {
    const db = await createDatabase(SHARED_DATABASE_URL);
    return { url: db.url, release: db.drop };
  }
  const cluster = await PgCluster.create();
  return { url: cluster.url(), release: () => cluster.destroy() };
}

/** A throwaway redis-server on a free loopback port, with no persistence, that a test may kill and restart. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async create(): Promise<RedisServer> {
    if (!REDIS_SERVER) throw new Error('redis-server not found');
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(REDIS_SERVER!, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${out}`));
      });
    });
  }

  /** Kills the server at once (SIGKILL): clients see their connections drop, as in a crash. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  destroy(): Promise<void> {
    return this.stop();
  }
}

/** Redis for one suite: the shared one when RECALL_TEST_REDIS_URL is set, else its own. */
export async function suiteRedis(): Promise<{ url: string; release(): Promise<void> }> {
  if (SHARED_REDIS_URL) return { url: SHARED_REDIS_URL, release: async () => undefined };
  const server = await RedisServer.create();
  return { url: server.url, release: () => server.destroy() };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
