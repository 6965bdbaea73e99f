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
  // Asynchronous writes: under load, the lines of several requests leave in one write instead of
  // one system call each; pino flushes what is buffered when the process exits. Chunks stay small
  // because sonic-boom measures the pending chunk on every line (a 16 KB chunk made each line cost
  // more than a system call; see docs/benchmarks.md).
  return pino({ level }, pino.destination({ dest: 1, sync: false, maxWrite: 1024 }));
}
