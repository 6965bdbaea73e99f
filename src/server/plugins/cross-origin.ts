import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { ErrorBody } from '../../shared/errors.js';

/** Whether an address (or `localhost`) only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
}

/** The host name of a Host header value (`[::1]:9090` → `[::1]`, `localhost:9090` → `localhost`). */
const hostName = (host: string): string => (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, ''));

/**
 * Which browser pages may talk to Recall (issue 6, "CORS"). A request whose Origin header is
 * neither this server's own origin nor one of --cors-origin is refused outright: CORS headers alone
 * would still let a foreign page send form posts and open sockets (browsers do not apply CORS to
 * WebSockets). On a loopback address without access control, the Host header must also name this
 * machine, so a page on a rebound DNS name cannot pass for same-origin (DNS rebinding).
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(
    corsOrigins: readonly string[],
    private readonly checkHost: boolean,
    allowedHosts: readonly string[] = [],
  ) {
    this.allowed = new Set(corsOrigins.map((o) => o.toLowerCase()));
    this.allowedHosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
  }

  static forServer(o: { corsOrigins: readonly string[]; allowedHosts?: readonly string[]; host: string; authEnabled: boolean }): OriginPolicy {
    return new OriginPolicy(o.corsOrigins, isLoopbackHost(o.host) && !o.authEnabled, o.allowedHosts);
  }

  /** Host headers seen, and whether they name this machine: parsing one on every request showed. */
  private readonly hostVerdicts = new Map<string, boolean>();

  private isThisMachine(host: string): boolean {
    let verdict = this.hostVerdicts.get(host);
    if (verdict === undefined) {
      const name = hostName(host);
      // --allowed-hosts: the names a reverse proxy on this machine passes on (nginx's Host $host).
      verdict = isLoopbackHost(name) || this.allowedHosts.has(name.toLowerCase());
      if (this.hostVerdicts.size >= 256) this.hostVerdicts.clear();
      this.hostVerdicts.set(host, verdict);
    }
    return verdict;
  }

  /** Why a request with these headers is refused, or null when it may go on. */
  refusal(origin: string | undefined, host: string | undefined): string | null {
    if (this.checkHost && host && !this.isThisMachine(host)) {
      return `Host "${host}" is not this machine: Recall on a loopback address answers only to localhost, 127.0.0.1, [::1] and --allowed-hosts`;
    }
    if (origin === undefined) return null;
    const o = origin.toLowerCase();
    if (this.allowed.has(o)) return null;
    if (host && o.replace(/^https?:\/\//, '') === host.toLowerCase()) return null;
    return `Cross-origin requests from ${origin} are not allowed (start Recall with --cors-origin ${origin} to allow them)`;
  }

  get corsOrigins(): string[] {
    return [...this.allowed];
  }
}

/** The REST side: refuse foreign origins, and answer CORS (with preflights) for the listed ones. */
export async function registerCrossOrigin(app: FastifyInstance, policy: OriginPolicy): Promise<void> {
  app.addHook('onRequest', (req, reply, done) => {
    const refusal = policy.refusal(req.headers.origin, req.headers.host);
    if (!refusal) return done();
    req.log.warn(refusal);
    return reply.code(403).send({ detail: refusal, code: 'RECALL_ERR_FORBIDDEN' } satisfies ErrorBody);
  });
  if (policy.corsOrigins.length) {
    await app.register(fastifyCors, {
      origin: policy.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization'],
      maxAge: 600,
    });
  }
}
