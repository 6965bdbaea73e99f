import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type RawSettings } from '../../src/server/config.js';
import { createLogger } from '../../src/server/logger.js';
import { startServer as startInProcessServer, type RunningServer } from '../../src/server/serve.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** A fresh root in the temp folder, laid out as Recall creates it. */
export function makeTempRoot(prefix = 'recall-test-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const d of ['outputs/images', 'models', 'databases']) fs.mkdirSync(path.join(root, d), { recursive: true });
  return root;
}

export interface InProcessServer {
  url: string;
  root: string;
  server: RunningServer;
  /** Messages logged so far (pino JSON lines, parsed). */
  logs(): { level: number; msg: string }[];
  close(): Promise<void>;
}

/** The real app on a real port in this process, logging to a file the test can read. */
export async function startApp(
  opts: { root?: string; scan?: boolean; keepRoot?: boolean; settings?: RawSettings } = {},
): Promise<InProcessServer> {
  const root = opts.root ?? makeTempRoot();
  const logFile = path.join(root, `server-${process.pid}-${Date.now()}.log`);
  const config = resolveConfig({ root, port: 0, logLevel: 'debug', scanOnStart: opts.scan ?? true, webDir: null, ...opts.settings }, {}, null);
  const server = await startInProcessServer(config, { explicitRoot: true, logger: createLogger('debug', logFile) });
  return {
    url: server.url,
    root,
    server,
    logs: () =>
      fs
        .readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
    close: async () => {
      await server.close();
      if (!opts.root && !opts.keepRoot) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface ChildServer {
  url: string;
  root: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  close(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The built server (`dist/cli/main.js serve`) as a child process on a free port, on a fresh temp
 * root unless one is given. Resolves once it logs the address it listens on.
 */
export async function startServer(
  opts: { root?: string; env?: Record<string, string>; args?: string[]; /** Runs the server under this command, e.g. strace. */ wrapper?: string[] } = {},
): Promise<ChildServer> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const root = opts.root ?? makeTempRoot();
  const argv = [process.execPath, CLI, 'serve', '--root', root, '--port', '0', ...(opts.args ?? [])];
  const [command, ...args] = [...(opts.wrapper ?? []), ...argv];
  const child = spawn(command!, args, {
    env: { ...process.env, RECALL_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /Recall listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    root,
    child,
    output: () => out,
    kill,
    close: async () => {
      await kill('SIGTERM');
      if (!opts.root) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Several built servers started at once (so they race through migrations and model scans, as
 * instances behind a load balancer do). If one fails to start, the others are stopped.
 */
export async function startServers(count: number, opts: Parameters<typeof startServer>[0] = {}): Promise<ChildServer[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer(opts)));
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.close()));
    throw failed.reason;
  }
  return servers;
}

/** Closes an in-process server and removes its root, for tests that made the root themselves. */
export async function closeAndRemove(srv: InProcessServer | undefined): Promise<void> {
  if (!srv) return;
  await srv.close();
  fs.rmSync(srv.root, { recursive: true, force: true });
}
