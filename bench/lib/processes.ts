import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let cli = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** Measures another build of the server (e.g. an older commit's), as `bench --cli PATH`. */
export function useCli(file: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  cli = path.resolve(file);
}

export interface BenchProcess {
  url: string;
  pid: number;
  /** Peak and current resident set size of the process, in bytes (Linux /proc/<pid>/status). */
  memory(): { peakRss: number; rss: number } | null;
  /** CPU time the process has used so far, all threads, in microseconds (Linux), or null. */
  cpuMicros(): number | null;
  close(): Promise<void>;
}

/**
 * Starts a server as its own process with stdout and stderr going to a file (so the bench process
 * spends no time reading logs), and resolves once the file shows the address it listens on.
 */
async function spawnLogged(
  args: string[],
  logFile: string,
  ready: (log: string) => Promise<string | null>,
  env: NodeJS.ProcessEnv = {},
): Promise<BenchProcess> {
  const fd = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const started = Date.now();
    const poll = async () => {
      const found = await ready(fs.readFileSync(logFile, 'utf8'));
      if (found) return resolve(found);
      if (child.exitCode !== null || Date.now() - started > 60_000) {
        return reject(new Error(`${args.join(' ')} did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`));
      }
      setTimeout(() => void poll(), 50);
    };
    void poll();
  });
  return {
    url,
    pid: child.pid!,
    memory: () => readMemory(child.pid!),
    cpuMicros: () => readCpuMicros(child.pid!),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** utime + stime of /proc/<pid>/stat, in microseconds. */
export function readCpuMicros(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticksPerSecond = 100; // USER_HZ on Linux
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  } catch {
    return null;
  }
}

export function readMemory(pid: number): { peakRss: number; rss: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return null;
  }
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * The built Recall server (`dist/cli/main.js serve`, or `cliFile`) with its default settings plus
 * `extraArgs`, ready once it answers the version route (so it works at any --log-level).
 */
export async function startRecall(root: string, extraArgs: string[] = [], cliFile = cli): Promise<BenchProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await spawnLogged([cliFile, 'serve', '--root', root, '--port', String(port), ...extraArgs], path.join(root, 'server.log'), async () => {
    const res = await fetch(`${url}/api/v1/app/version`).catch(() => null);
    return res?.ok ? url : null;
  });
  return proc;
}

/** The bare Fastify + Socket.IO baseline (bench/baseline-server.ts). */
export function startBaseline(logDir: string): Promise<BenchProcess> {
  return spawnLogged(
    ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'baseline-server.ts')],
    path.join(logDir, 'baseline.log'),
    async (log) => /baseline listening on (http:\/\/\S+)/.exec(log)?.[1] ?? null,
  );
}

/** A fresh Recall root inside `dir`, laid out as Recall creates it. */
export function makeRoot(dir: string, prefix: string): string {
  const root = fs.mkdtempSync(path.join(dir, prefix));
  for (const d of ['outputs/images', 'models', 'databases']) fs.mkdirSync(path.join(root, d), { recursive: true });
  return root;
}
