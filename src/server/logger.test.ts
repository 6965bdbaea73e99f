import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LineBatches } from './logger.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function batchesToFile(batchChars: number) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-log-'));
  const file = path.join(dir, 'out.log');
  const out = pino.destination({ dest: file, sync: true });
  return { batches: new LineBatches(out, batchChars), read: () => fs.readFileSync(file, 'utf8') };
}

describe('LineBatches', () => {
  it('holds lines until a batch is full, then writes them in one piece and in order', () => {
    const { batches, read } = batchesToFile(30);
    batches.write('first line\n');
    batches.write('second line\n');
    expect(read()).toBe('');
    batches.write('third line\n');
    expect(read()).toBe('first line\nsecond line\nthird line\n');
  });

  it('writes what is held on flush and flushSync, and nothing twice', () => {
    const { batches, read } = batchesToFile(4096);
    batches.write('a\n');
    batches.flush();
    expect(read()).toBe('a\n');
    batches.flush();
    batches.write('é ünïcode\n');
    batches.flushSync();
    expect(read()).toBe('a\né ünïcode\n');
  });

  it('serves as a pino destination: every line of a burst arrives whole', () => {
    const { batches, read } = batchesToFile(4096);
    const log = pino({ level: 'info' }, batches);
    for (let i = 0; i < 1000; i++) log.info({ i }, `line ${i}`);
    batches.flushSync();
    const lines = read().trimEnd().split('\n').map((l) => JSON.parse(l) as { i: number; msg: string });
    expect(lines).toHaveLength(1000);
    expect(lines.map((l) => l.i)).toEqual([...Array(1000).keys()]);
    expect(lines[999]!.msg).toBe('line 999');
  });
});
