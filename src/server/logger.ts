import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * pino: JSON lines when the output is a file or a pipe (tools parse them), readable lines on a
 * terminal. The level comes from --log-level.
 */
export function createLogger(level: string, destination?: string): Logger {
  if (destination) return pino({ level }, pino.destination({ dest: destination, sync: true }));
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  // Lines are gathered into writes of 4 KB (a recall logs about ten; one system call each cost a
  // fifth of the request) and written synchronously, so what waits is bounded: the asynchronous
  // mode writes one chunk per turn of the event loop and fell ever further behind under load. A
  // timer writes what a quiet moment leaves, and the rest is written when the process exits (a
  // shutdown's last lines included).
  const stdout = new LineBatches(pino.destination({ dest: 1, sync: true }), BATCH_CHARS);
  setInterval(() => stdout.flush(), FLUSH_EVERY_MS).unref();
  process.once('exit', () => {
    try {
      stdout.flushSync();
    } catch {
      // stdout already gone: nothing left to write to
    }
  });
  return pino({ level }, stdout);
}

/** Longest a log line waits in the buffer when little is logged. */
const FLUSH_EVERY_MS = 200;
/** Characters gathered before a write (lines are ASCII but for names, so about as many bytes). */
const BATCH_CHARS = 4096;

/**
 * Gathers log lines and hands them to `out` in batches of about `batchChars`. sonic-boom can
 * buffer by itself (`minLength`), but it measures the byte length of its whole buffer again for
 * every line it adds, which cost a tenth of a small recall; here each line is counted once.
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
    const chunk = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(chunk);
  }

  /** Writes what is gathered and waits until the destination has it all. */
  flushSync(): void {
    this.flush();
    this.out.flushSync();
  }
}
