import os from 'node:os';
import pino, { type DestinationStream, type LogFn, type Logger } from 'pino';

/**
 * pino: JSON lines when the output is a file or a pipe (tools parse them), readable lines on a
 * terminal. The level comes from --log-level.
 */
export function createLogger(level: string, destination?: string): Logger {
  if (destination) return pinoWithShortcut(level, pino.destination({ dest: destination, sync: true }));
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  // Lines are gathered into writes of 16 KB (a recall logs about ten; one system call each cost a
  // fifth of the request; in 16 KB batches a line cost three quarters of what it did in 4 KB, in
  // 64 KB more again) and written synchronously, so what waits is bounded: the asynchronous mode
  // writes one chunk per turn of the event loop and fell ever further behind under load. A timer
  // writes what a quiet moment leaves, and the rest is written when the process exits (a
  // shutdown's last lines included).
  const stdout = new LineBatches(pino.destination({ dest: 1, sync: true, contentMode: 'buffer' }), BATCH_CHARS);
  setInterval(() => stdout.flush(), FLUSH_EVERY_MS).unref();
  process.once('exit', () => {
    try {
      stdout.flushSync();
    } catch {
      // stdout already gone: nothing left to write to
    }
  });
  return pinoWithShortcut(level, stdout);
}

/** Longest a log line waits in the buffer when little is logged. */
const FLUSH_EVERY_MS = 200;
/** Characters gathered before a write (lines are ASCII but for names, so about as many bytes). */
const BATCH_CHARS = 16384;

/**
 * Gathers log lines and hands them to `out` in batches of about `batchChars`. sonic-boom can
 * buffer by itself (`minLength`), but it measures the byte length of its whole buffer again for
 * every line it adds, which cost a tenth of a small recall; here each line is counted once. Each
 * batch goes as bytes: given a string, sonic-boom measured and copied it again before writing,
 * which made a line cost about twice as much (docs/benchmarks.md, change 29); given a Buffer
 * (`contentMode: 'buffer'`) it writes it as it is, retries included.
 */
export class LineBatches implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(
    private readonly out: ReturnType<typeof pino.destination>,
    private readonly batchChars: number,
  ) {}

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.batchChars) this.flush();
  }

  /** Writes what is gathered. */
  flush(): void {
    if (this.lines.length === 0) return;
    const chunk = Buffer.from(this.lines.join(''));
    this.lines = [];
    this.chars = 0;
    // SonicBoom's types take strings; in buffer mode it takes the bytes as they are.
    this.out.write(chunk as unknown as string);
  }

  /** Writes what is gathered and waits until the destination has it all. */
  flushSync(): void {
    this.flush();
    this.out.flushSync();
  }
}

/** Levels that get the shortcut: the ones the recall path logs plain messages at. */
const SHORTCUT_LEVELS = ['info', 'warn'] as const;
export type ShortcutLevel = (typeof SHORTCUT_LEVELS)[number];

/**
 * Direct line writers of a logger made by `pinoWithShortcut`: only the logger itself has them, not
 * its children (which add bindings), hence a WeakMap.
 */
interface RawWriters {
  /** One line at `level` as pino writes it: `fields` are extra `"name":value,` pairs, `msgJson` the message's JSON. */
  line(level: ShortcutLevel, fields: string, msgJson: string): void;
  /** Prepared messages as consecutive lines, in one piece, all stamped with the same time. */
  lines(messages: readonly PreparedMessage[]): void;
}
const rawWriters = new WeakMap<object, RawWriters>();
/** What these functions need of a logger: pino's and Fastify's (`req.log`) both qualify. */
type LineLogger = { info: LogFn; warn: LogFn };

/**
 * A pino logger whose info and warn calls with nothing but a message, on this logger itself, write
 * their line directly: the same line pino writes (same fields, in the same order; logger.test.ts
 * compares them), without pino's general path for merging objects, formatting arguments and
 * mixins, which took half the cost of such a line. A complete recall logs a dozen of them (the
 * spec's "Resolved ..." and "Found image file ..."). Any other call, and any call on a child
 * logger, goes to pino as before. pino puts its own methods back when the level changes, so the
 * shortcut is put in again then.
 */
export function pinoWithShortcut(level: string, stream: DestinationStream): Logger {
  const log = pino({ level }, stream);
  const common = `,"pid":${process.pid},"hostname":${JSON.stringify(os.hostname())},`;
  const heads = { info: '', warn: '' };
  const install = () => {
    for (const name of SHORTCUT_LEVELS) {
      const enabled = log.isLevelEnabled(name);
      heads[name] = enabled ? `{"level":${log.levels.values[name]},"time":` : '';
      if (!enabled) continue;
      const general = log[name] as (...args: unknown[]) => void;
      const head = heads[name];
      // `arguments`, not a rest parameter: no array made for every line.
      log[name] = function (this: Logger, message?: unknown) {
        if (this === log && arguments.length === 1 && typeof message === 'string') {
          stream.write(`${head}${Date.now()}${common}"msg":${JSON.stringify(message)}}\n`);
        } else {
          // eslint-disable-next-line prefer-rest-params -- see above: no array for the common case
          general.apply(this, arguments as unknown as unknown[]);
        }
      } as Logger[typeof name];
    }
  };
  install();
  // Children share the root's listeners; only the root's own level change replaces its methods.
  log.on('level-change', (_label, _value, _previousLabel, _previousValue, instance) => {
    if (instance === log) install();
  });
  rawWriters.set(log, {
    line: (name, fields, msgJson) => {
      const head = heads[name];
      if (head) stream.write(`${head}${Date.now()}${common}${fields}"msg":${msgJson}}\n`);
    },
    lines: (messages) => {
      const time = `${Date.now()}${common}"msg":`;
      let text = '';
      for (const m of messages) {
        const head = heads[m.level];
        if (head) text += `${head}${time}${m.json}}\n`;
      }
      if (text) stream.write(text);
    },
  });
  return log;
}

/** A log message with its JSON text made once, for lines written again and again. */
export interface PreparedMessage {
  readonly level: ShortcutLevel;
  readonly message: string;
  readonly json: string;
}

export function prepareMessage(level: ShortcutLevel, message: string): PreparedMessage {
  return { level, message, json: JSON.stringify(message) };
}

/**
 * Logs prepared messages one after the other, the lines `log[level](message)` writes for each,
 * without escaping them again: written together and stamped with one time (they are written at the
 * same moment).
 */
export function logPreparedLines(log: LineLogger, messages: readonly PreparedMessage[]): void {
  const raw = rawWriters.get(log);
  if (raw) raw.lines(messages);
  else for (const m of messages) log[m.level](m.message);
}

/** Logs `message` at info with the request id: the line of `log.info({ reqId }, message)`. */
export function logWithRequestId(log: LineLogger, reqId: string, message: string): void {
  const raw = rawWriters.get(log);
  if (raw) raw.line('info', `"reqId":${JSON.stringify(reqId)},`, JSON.stringify(message));
  else log.info({ reqId }, message);
}
