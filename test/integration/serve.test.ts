import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, postJson } from '../helpers/http.js';
import { CLI, makeTempRoot, startServer } from '../helpers/server.js';

const run = promisify(execFile);

/** Runs the CLI expecting it to fail; returns its exit code and output. */
async function runFailing(args: string[], env: Record<string, string> = {}) {
  try {
    await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
    throw new Error('expected the command to fail');
  } catch (err: any) {
    if (err.message === 'expected the command to fail') throw err;
    return { code: err.code as number, stderr: String(err.stderr), stdout: String(err.stdout) };
  }
}

const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

describe('recall serve', () => {
  it('creates the default root with its folders and serves on 127.0.0.1', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-cwd-'));
    cleanup.push(cwd);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, env: { ...process.env, INVOKEAI_ROOT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /Recall listening on (http:\/\/[^\s"]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(out)));
    });
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const d of ['outputs/images', 'models', 'databases/recall.db']) expect(fs.existsSync(path.join(cwd, 'recall-root', d))).toBe(true);
      expect((await getJson(`${url}/api/v1/app/version`)).body).toMatchObject({ version: '6.13.5' });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('keeps what was stored across a restart', async () => {
    const root = makeTempRoot();
    cleanup.push(root);
    const first = await startServer({ root });
    const stored = await postJson(`${first.url}/api/v1/recall/default`, { positive_prompt: 'survives', seed: 5, loras: [{ model_name: 'x' }] });
    expect(stored.status).toBe(200);
    await first.close();
    const second = await startServer({ root });
    try {
      const state = (await getJson(`${second.url}/api/v1/recall/default`)).body;
      expect(state.revision).toBe(1);
      expect(state.stored).toEqual({ positive_prompt: 'survives', seed: 5, loras: [{ model_name: 'x', weight: 0.75, is_enabled: true }] });
    } finally {
      await second.close();
    }
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const srv = await startServer();
    await srv.kill('SIGTERM');
    expect(srv.child.exitCode).toBe(0);
    expect(srv.output()).toContain('SIGTERM received, shutting down');
    fs.rmSync(srv.root, { recursive: true, force: true });
  });

  it('publishes the OpenAPI document with the recall POST and its append flag, and the docs page', async () => {
    const srv = await startServer();
    try {
      const doc = (await getJson(`${srv.url}/openapi.json`)).body;
      const post = doc.paths['/api/v1/recall/{queue_id}'].post;
      expect(post.operationId).toBe('update_recall_parameters');
      expect(post.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['queue_id', 'strict', 'append']));
      const body = post.requestBody.content['application/json'].schema;
      expect(Object.keys(body.properties)).toHaveLength(26);
      expect(body.properties.steps.anyOf[0]).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
      expect(body.additionalProperties).toBe(false);
      const docs = await fetch(`${srv.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
    } finally {
      await srv.close();
    }
  });
});

describe('recall serve refuses bad settings with one clear line', () => {
  it.each([
    [['serve', '--bogus'], /unknown option '--bogus'/],
    [['serve', '--port', 'eighty'], /--port \/ RECALL_PORT "eighty"/],
    [['serve', '--port', '70000'], /--port \/ RECALL_PORT "70000": Too big/],
    [['serve', '--log-level', 'loud'], /argument 'loud' is invalid/],
  ])('%j', async (args, pattern) => {
    const root = makeTempRoot();
    cleanup.push(root);
    const r = await runFailing([...args, '--root', root]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a root that does not exist', async () => {
    const r = await runFailing(['serve', '--root', '/nonexistent/recall-root']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('recall: root folder /nonexistent/recall-root does not exist (create it, or omit --root to use ./recall-root)');
  });

  it('a root that is not writable', async () => {
    let root = '/proc/1';
    if (process.getuid?.() !== 0) {
      root = makeTempRoot();
      cleanup.push(root);
      fs.chmodSync(root, 0o555);
    }
    const r = await runFailing(['serve', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^recall: root folder ${root} is not writable`));
  });

  it('a port already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const root = makeTempRoot();
    cleanup.push(root);
    try {
      const r = await runFailing(['serve', '--root', root, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`recall: port ${port} on 127.0.0.1 is already in use (choose another with --port)`);
    } finally {
      blocker.close();
    }
  });
});
