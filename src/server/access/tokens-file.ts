import fs from 'node:fs';
import { z } from 'zod';
import { zQueueId } from '../../shared/queue.js';
import { ConfigError, zAuthToken } from '../config.js';

/**
 * The tokens file (--tokens-file): a JSON object mapping each token to who holds it and the queues
 * it may use. `"queues": "*"` allows every queue.
 *
 *   { "9f2c...e1": { "name": "photomap", "queues": ["default"] },
 *     "4b7a...0d": { "name": "admin", "queues": "*" } }
 */
export const zTokenGrant = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'must be 1-64 letters, digits, "_", ".", "@" or "-"')
    .describe('Who holds the token; it becomes the user_id of the recalls it makes'),
  queues: z.union([z.literal('*'), z.array(zQueueId).min(1, 'must list at least one queue, or be "*"')]),
});
export type TokenGrant = z.infer<typeof zTokenGrant>;

export const zTokensFile = z
  .record(zAuthToken, zTokenGrant)
  .refine((m) => Object.keys(m).length > 0, 'must hold at least one token')
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const grant of Object.values(m)) {
      if (seen.has(grant.name)) ctx.addIssue({ code: 'custom', message: `the name "${grant.name}" is given to more than one token` });
      seen.add(grant.name);
    }
  });

/** A token in a message: enough to tell which one, never enough to use it. */
export const redactToken = (token: string): string => (token.length >= 16 ? `${token.slice(0, 4)}…` : '…');

/** Why a tokens file cannot be used, in one line (a configuration error: the CLI prints it and exits 1). */
export class TokensFileError extends ConfigError {
  constructor(file: string, problem: string) {
    super([`--tokens-file ${file}: ${problem}`]);
    this.name = 'TokensFileError';
  }
}

/** Reads and checks the tokens file; every problem is reported at once, no token in clear. */
export function readTokensFile(file: string): Map<string, TokenGrant> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TokensFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TokensFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = zTokensFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const [token, ...rest] = i.path.map(String);
      const where = token === undefined ? '' : `token ${redactToken(token)}${rest.length ? ` ${rest.join('.')}` : ''}: `;
      // A bad key is reported with its own rule; zod words it as an invalid key.
      return `${where}${i.code === 'invalid_key' ? (i.issues[0]?.message ?? i.message) : i.message}`;
    });
    throw new TokensFileError(file, problems.join('; '));
  }
  return new Map(Object.entries(parsed.data));
}
