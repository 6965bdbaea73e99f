import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LineBatches, logPreparedLines, logWithRequestId, pinoWithShortcut, prepareMessage } from './logger.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function batchesToFile(batchChars: number) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-log-'));
  const file = path.join(dir, 'out.log');
  const out = pino.destination({ dest: file, sync: true, contentMode: 'buffer' });
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

/** A destination that keeps each line it is given. */
function lines() {
  const got: string[] = [];
  return { got, stream: { write: (line: string) => void got.push(line) } };
}

/** The time is the one field two loggers cannot share. */
const sameTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

/** pino as it is and the shortcut logger, both at info, each writing into its own list of lines. */
function loggerPair() {
  const plain = lines();
  const fast = lines();
  return { plain, fast, reference: pino({ level: 'info' }, plain.stream), log: pinoWithShortcut('info', fast.stream) };
}

describe('pinoWithShortcut', () => {
  const messages = ['Updated 12 recall parameters for queue default', 'quote " backslash \\ tab \t newline \n end', `é ünïcode ${'x'.repeat(120)}`, ''];

  it('writes the very lines pino writes, at info and warn', () => {
    const { plain, fast, reference, log } = loggerPair();
    for (const m of messages) {
      reference.info(m);
      log.info(m);
      reference.warn(m);
      log.warn(m);
    }
    expect(fast.got).toHaveLength(messages.length * 2);
    expect(fast.got.map(sameTime)).toEqual(plain.got.map(sameTime));
    for (const line of fast.got) expect(line.endsWith('}\n')).toBe(true);
  });

  it('leaves every other call to pino: objects, format arguments, errors, child loggers', () => {
    const { plain, fast, reference, log } = loggerPair();
    for (const l of [reference, log]) {
      l.info({ reqId: 'req-1' }, 'POST /api/v1/recall/default 200 1.2ms');
      l.info('resolved %d of %s', 3, 'models');
      l.warn({ err: new Error('boom') }, 'failed');
      l.child({ queue: 'q' }).info('from a child');
      l.error('an error line');
    }
    const withoutStack = (line: string) => sameTime(line).replace(/"stack":"[^"]*"/, '"stack":""');
    expect(fast.got).toHaveLength(5);
    expect(fast.got.map(withoutStack)).toEqual(plain.got.map(withoutStack));
  });

  it('follows the level, also when it changes later', () => {
    const fast = lines();
    const log = pinoWithShortcut('warn', fast.stream);
    log.info('hidden');
    log.warn('shown');
    log.level = 'info';
    log.info('shown after the change');
    const child = log.child({ queue: 'q' });
    child.level = 'warn';
    child.info('hidden in the child');
    log.info('still shown by the root');
    log.level = 'error';
    log.warn('hidden again');
    expect(fast.got.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown', 'shown after the change', 'still shown by the root']);
  });

  it('writes prepared messages and request lines as pino writes them, at the current level', () => {
    const { plain, fast, reference, log } = loggerPair();
    for (const m of messages) {
      reference.info(m);
      logPreparedLines(log, [prepareMessage('info', m)]);
      reference.warn(m);
      logPreparedLines(log, [prepareMessage('warn', m)]);
      reference.info({ reqId: `req-"${m.length}` }, m);
      logWithRequestId(log, `req-"${m.length}`, m);
    }
    expect(fast.got).toHaveLength(messages.length * 3);
    expect(fast.got.map(sameTime)).toEqual(plain.got.map(sameTime));
    log.level = 'warn';
    logPreparedLines(log, [prepareMessage('info', 'hidden')]);
    logWithRequestId(log, 'req-1', 'hidden');
    logPreparedLines(log, [prepareMessage('warn', 'shown')]);
    expect(fast.got.slice(messages.length * 3).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });

  it('writes a group of prepared messages as the lines pino writes, in one piece, skipping levels that are off', () => {
    const { plain, fast, reference, log } = loggerPair();
    const group = messages.flatMap((m) => [prepareMessage('info', m), prepareMessage('warn', m)]);
    for (const m of group) reference[m.level](m.message);
    logPreparedLines(log, group);
    expect(fast.got).toHaveLength(1);
    expect(fast.got[0]!.split(/(?<=\n)/).map(sameTime)).toEqual(plain.got.map(sameTime));
    log.level = 'warn';
    logPreparedLines(log, group);
    expect(fast.got[1]!.split(/(?<=\n)/)).toHaveLength(messages.length);
    logPreparedLines(log, [prepareMessage('info', 'hidden')]);
    expect(fast.got).toHaveLength(2);
  });

  it('hands prepared messages and request lines of other loggers, children included, to pino', () => {
    const plain = lines();
    const other = lines();
    const reference = pino({ level: 'info' }, plain.stream);
    const log = pinoWithShortcut('info', other.stream).child({ queue: 'q' });
    for (const l of [reference.child({ queue: 'q' }), log]) {
      logPreparedLines(l, [prepareMessage('warn', 'prepared')]);
      logWithRequestId(l, 'req-2', 'request');
      logPreparedLines(l, [prepareMessage('info', 'one'), prepareMessage('warn', 'two')]);
    }
    expect(other.got).toHaveLength(4);
    expect(other.got.map(sameTime)).toEqual(plain.got.map(sameTime));
  });
});
