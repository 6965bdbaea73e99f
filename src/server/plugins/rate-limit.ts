import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * --rate-limit: at most `perMinute` API requests per minute from one client address; beyond that
 * 429 with Retry-After. It runs before access control, so floods of bad tokens are limited too.
 * Registered before the routes (the plugin attaches itself to each route as it is added).
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number | null): Promise<void> {
  if (perMinute === null) return;
  await app.register(fastifyRateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    allowList: (req) => !req.routeOptions.url?.startsWith('/api/'),
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`Too many requests: at most ${ctx.max} a minute from one address; retry in ${ctx.after}`), { statusCode: 429 }),
  });
}
