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
  return pino({ level });
}
