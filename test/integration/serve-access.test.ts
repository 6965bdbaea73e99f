import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson } from '../helpers/http.js';
import { CLI, makeTempRoot, startServer } from '../helpers/server.js';

/* The access-control settings of the built `recall serve`: how it starts, and how it refuses to. */

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

function root(): string {
  const r = makeTempRoot();
  roots.push(r);
  return r;
}

/** Runs `recall serve` expecting it to stop at once; returns its exit code and output. */
function serveFails(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--root', root(), '--port', '0', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('recall serve with access control', () => {
  it('stops with one clear line and exit 1 on a bad tokens file, never printing a token', () => {
    const dir = root();
    const token = 'a-perfectly-secret-token-0123';
    const cases: [string, string, RegExp][] = [
      ['absent.json', '', /--tokens-file .*absent\.json: cannot be read \(ENOENT\)/],
      ['broken.json', '{"', /is not valid JSON/],
      ['bad-queue.json', JSON.stringify({ [token]: { name: 'tool', queues: ['../etc'] } }), /token a-pe… queues\.0: must be 1-128 characters/],
      ['extra-key.json', JSON.stringify({ [token]: { name: 'tool', queues: '*', admin: true } }), /Unrecognized key: "admin"/],
    ];
    for (const [name, content, message] of cases) {
      const file = path.join(dir, name);
      if (content) fs.writeFileSync(file, content);
      const r = serveFails(['--tokens-file', file]);
      expect(r.code, name).toBe(1);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(/^recall: invalid configuration: /);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr + r.stdout, name).not.toContain(token);
    }
  });

  it('refuses a short token without echoing it, and both kinds of token at once', () => {
    const short = serveFails([], { RECALL_AUTH_TOKEN: 'hunter2' });
    expect(short.code).toBe(1);
    expect(short.stderr.trim()).toBe('recall: invalid configuration: --auth-token / RECALL_AUTH_TOKEN (hidden): must be at least 16 characters');
    const both = serveFails(['--auth-token', 'long-enough-token-0123456789', '--tokens-file', 'x.json']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--auth-token and --tokens-file cannot be used together');
  });

  it('takes the token from RECALL_AUTH_TOKEN and requires it', async () => {
    const token = 'env-token-0123456789abcdef';
    const srv = await startServer({ root: root(), env: { RECALL_AUTH_TOKEN: token } });
    try {
      expect((await getJson(`${srv.url}/api/v1/recall/default`)).status).toBe(401);
      expect((await getJson(`${srv.url}/api/v1/recall/default`, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect(srv.output()).toContain('Access control on (1 token(s))');
      expect(srv.output()).not.toContain(token);
    } finally {
      await srv.close();
    }
  });

  it('warns when it listens on the network without access control, and not with a token', async () => {
    const open = await startServer({ root: root(), args: ['--host', '0.0.0.0'] });
    await open.close();
    expect(open.output()).toMatch(/Recall listens on 0\.0\.0\.0 without access control: anyone who can reach this address/);
    const guarded = await startServer({ root: root(), args: ['--host', '0.0.0.0', '--auth-token', 'guard-token-0123456789abc'] });
    await guarded.close();
    expect(guarded.output()).not.toContain('without access control');
    const local = await startServer({ root: root() });
    await local.close();
    expect(local.output()).not.toContain('without access control');
  });
});
