import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { readTokensFile, TokensFileError } from './tokens-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-tokens-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string): string {
  const f = path.join(dir, `tokens-${n++}.json`);
  fs.writeFileSync(f, content);
  return f;
}
const problemOf = (f: string): string => {
  try {
    readTokensFile(f);
  } catch (err) {
    expect(err).toBeInstanceOf(TokensFileError);
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
};

describe('readTokensFile', () => {
  it('reads each token with its name and queues', () => {
    const grants = readTokensFile(
      file(JSON.stringify({ 'photomap-token-0123456789': { name: 'photomap', queues: ['default'] }, 'admin-token-0123456789abc': { name: 'admin', queues: '*' } })),
    );
    expect([...grants.values()]).toEqual([
      { name: 'photomap', queues: ['default'] },
      { name: 'admin', queues: '*' },
    ]);
  });

  it('refuses a missing file, and a file that is not JSON, in one line', () => {
    expect(problemOf(path.join(dir, 'absent.json'))).toMatch(/^invalid configuration: --tokens-file .*absent\.json: cannot be read \(ENOENT\)$/);
    expect(problemOf(file('{"a": '))).toMatch(/is not valid JSON/);
  });

  it('names every bad entry without printing a token in full', () => {
    const secret = 'short';
    const message = problemOf(
      file(
        JSON.stringify({
          [secret]: { name: 'a', queues: ['default'] },
          'long-enough-token-0123456789': { name: 'b c', queues: ['no/slash'], extra: 1 },
        }),
      ),
    );
    expect(message).toContain('token …: must be at least 16 characters');
    expect(message).toContain('token long… name:');
    expect(message).toContain('token long… queues.0:');
    expect(message).toContain('Unrecognized key: "extra"');
    expect(message).not.toContain('long-enough-token-0123456789');
    expect(message).not.toContain('\n');
  });

  it('refuses an empty file, an empty queue list and a name given twice', () => {
    expect(problemOf(file('{}'))).toContain('must hold at least one token');
    expect(problemOf(file(JSON.stringify({ 'token-aaaaaaaaaaaaaaaa': { name: 'a', queues: [] } })))).toContain('must list at least one queue');
    expect(
      problemOf(file(JSON.stringify({ 'token-aaaaaaaaaaaaaaaa': { name: 'a', queues: '*' }, 'token-bbbbbbbbbbbbbbbb': { name: 'a', queues: '*' } }))),
    ).toContain('the name "a" is given to more than one token');
  });
});
