import { z } from 'zod';

/**
 * A queue id scopes stored state and socket rooms. InvokeAI uses `default` or a uuid; we allow
 * letters, digits, `_`, `-` and `.` (not first), up to 128 characters, so an id is always safe in a
 * URL, a room name and a log line.
 */
export const zQueueId = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/, {
    message: 'must be 1-128 characters of letters, digits, "_", "-" or "." (not first)',
  })
  .describe('The queue to act on, usually "default"');
export type QueueId = z.infer<typeof zQueueId>;

export const zQueueParams = z.object({ queue_id: zQueueId });
