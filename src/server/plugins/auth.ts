import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ExtendedError, Socket } from 'socket.io';
import type { ErrorBody } from '../../shared/errors.js';
import { bearerToken, type AccessService, type Authentication, type Principal } from '../access/service.js';

/** API routes clients probe before they have a token (InvokeAI clients read the version). */
const PUBLIC_API_ROUTES = new Set(['GET /api/v1/app/version', 'HEAD /api/v1/app/version']);

/** Only the API is protected: the UI's files, /docs and /openapi.json hold no data. */
function isProtected(req: FastifyRequest): boolean {
  const route = req.routeOptions.url;
  if (route === undefined || !route.startsWith('/api/')) return false;
  return !PUBLIC_API_ROUTES.has(`${req.method} ${route}`);
}

const MESSAGES = {
  missing: 'Authentication required: send the header "Authorization: Bearer <token>"',
  malformed: 'The Authorization header must be "Bearer <token>"',
  invalid: 'The token is not valid',
} as const;

function authenticateHeader(access: AccessService, header: string | undefined): Authentication & { message?: string } {
  const token = bearerToken(header);
  if (header && token === undefined) return { ok: false, reason: 'invalid', message: MESSAGES.malformed };
  const result = access.authenticate(token);
  return result.ok ? result : { ...result, message: MESSAGES[result.reason] };
}

function unauthorized(reply: FastifyReply, reason: 'missing' | 'invalid', detail: string) {
  // RFC 6750: the challenge says which scheme to use, and why a token was refused.
  const challenge = reason === 'missing' ? 'Bearer realm="recall"' : 'Bearer realm="recall", error="invalid_token"';
  return reply
    .code(401)
    .header('www-authenticate', challenge)
    .send({ detail, code: 'RECALL_ERR_UNAUTHORIZED' } satisfies ErrorBody);
}

/**
 * Access control for REST (issue 6): when tokens are configured, every protected route needs
 * `Authorization: Bearer <token>` (401 without or with a wrong one), and a route with a queue in
 * its path answers 403 for a queue the token may not use. It runs before the body is read, so a
 * caller without a token cannot make the server parse anything. The request's `userId` becomes
 * the token's name. With access control off it adds nothing.
 */
export function registerAccessControl(app: FastifyInstance, access: AccessService): void {
  if (!access.enabled) return;
  app.addHook('onRequest', (req, reply, done) => {
    if (!isProtected(req)) return done();
    const auth = authenticateHeader(access, req.headers.authorization);
    if (!auth.ok) return unauthorized(reply, auth.reason, auth.message!);
    req.userId = auth.principal.name;
    const queueId = (req.params as { queue_id?: unknown } | undefined)?.queue_id;
    if (typeof queueId === 'string' && !access.mayUseQueue(auth.principal, queueId)) {
      return reply.code(403).send({ detail: access.forbiddenQueueMessage(auth.principal, queueId), code: 'RECALL_ERR_FORBIDDEN' } satisfies ErrorBody);
    }
    done();
  });
}

/** What a socket carries once its handshake is accepted. */
export interface SocketAccess {
  principal: Principal | null;
}

/**
 * Socket.IO middleware: with tokens configured, the handshake must carry one, as InvokeAI clients
 * send it (`auth: {token}`) or as an `Authorization: Bearer` header. A refused handshake ends with
 * a `connect_error` whose message says why and whose `data.code` is the API's error code.
 */
export function socketAuthentication(access: AccessService) {
  return (socket: Socket, next: (err?: ExtendedError) => void) => {
    const data = socket.data as SocketAccess;
    data.principal = null;
    if (!access.enabled) return next();
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const auth =
      typeof fromAuth === 'string' && fromAuth !== ''
        ? { ...access.authenticate(fromAuth), message: MESSAGES.invalid }
        : authenticateHeader(access, socket.handshake.headers.authorization);
    if (!auth.ok) {
      const message = auth.reason === 'missing' ? 'Authentication required: connect with auth: {token} or an Authorization: Bearer header' : auth.message!;
      return next(Object.assign(new Error(message), { data: { code: 'RECALL_ERR_UNAUTHORIZED' } }));
    }
    data.principal = auth.principal;
    next();
  };
}

/** Whether a socket may join a queue's room; the reason when it may not. */
export function socketMayUseQueue(access: AccessService, socket: Socket, queueId: string): { ok: true } | { ok: false; error: string } {
  if (!access.enabled) return { ok: true };
  const { principal } = socket.data as SocketAccess;
  if (!principal) return { ok: false, error: MESSAGES.missing };
  return access.mayUseQueue(principal, queueId) ? { ok: true } : { ok: false, error: access.forbiddenQueueMessage(principal, queueId) };
}
