import pino, { type Logger } from 'pino';

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
  const stdout = pino.destination({ dest: 1, sync: true, minLength: 4096 });
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
