import { z } from 'zod';

export const zClientStateKey = z.string().min(1).max(256).describe('Key within the queue');
export const zClientStateKeyQuery = z.object({ key: zClientStateKey });
export const zClientStatePrefixQuery = z.object({ prefix: z.string().max(256) });
/** Values are opaque strings; InvokeAI's front end stores JSON in them. */
export const CLIENT_STATE_VALUE_MAX_CHARS = 1_000_000;
export const zClientStateValue = z.string().max(CLIENT_STATE_VALUE_MAX_CHARS);
