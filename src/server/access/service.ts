import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { readTokensFile, type TokenGrant } from './tokens-file.js';

/** Who made a request: the name of their token and the queues it may use. */
export interface Principal {
  name: string;
  /** null: every queue. */
  queues: ReadonlySet<string> | null;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid' };

/** The principal of the single --auth-token: every queue, and this name in events' user_id. */
export const SHARED_TOKEN_NAME = 'auth-token';

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The access rules (issue 6, "Access control"): off by default; with tokens, every protected
 * request names one with `Authorization: Bearer`, and a token may only use its own queues. Tokens
 * are kept and compared as SHA-256 digests, so a lookup takes no longer for a near-miss.
 */
export class AccessService {
  private readonly byDigest: Map<string, Principal> | null;

  constructor(grants: ReadonlyMap<string, TokenGrant> | null) {
    this.byDigest = grants
      ? new Map([...grants].map(([token, g]) => [digest(token), { name: g.name, queues: g.queues === '*' ? null : new Set(g.queues) }]))
      : null;
  }

  /** From the configuration: --auth-token, --tokens-file (read now; throws TokensFileError), or off. */
  static fromConfig(config: Pick<Config, 'authToken' | 'tokensFile'>): AccessService {
    if (config.tokensFile) return new AccessService(readTokensFile(config.tokensFile));
    if (config.authToken) return new AccessService(new Map([[config.authToken, { name: SHARED_TOKEN_NAME, queues: '*' as const }]]));
    return new AccessService(null);
  }

  get enabled(): boolean {
    return this.byDigest !== null;
  }

  get tokenCount(): number {
    return this.byDigest?.size ?? 0;
  }

  /** Checks a presented token (from a header or a socket handshake). */
  authenticate(token: string | undefined | null): Authentication {
    if (!token) return { ok: false, reason: 'missing' };
    const principal = this.byDigest?.get(digest(token));
    return principal ? { ok: true, principal } : { ok: false, reason: 'invalid' };
  }

  mayUseQueue(principal: Principal, queueId: string): boolean {
    return principal.queues === null || principal.queues.has(queueId);
  }

  /** The message a client gets when its token may not use a queue. */
  forbiddenQueueMessage(principal: Principal, queueId: string): string {
    const allowed = principal.queues ? [...principal.queues].join(', ') : 'all';
    return `The token of "${principal.name}" may not use queue "${queueId}" (its queues: ${allowed})`;
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}
