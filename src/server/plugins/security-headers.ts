import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The UI's Content Security Policy: its own scripts and styles only (React sets inline styles),
 * its own API and socket ('self' covers ws: to the same host), and images it makes from fetched
 * bytes (blob:) or inlines (data:). Nothing may frame it, and no plugin or base URL may be injected.
 */
export const UI_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  workerSrc: ["'self'", 'blob:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers (helmet) for the routes registered in `scope`: the UI's pages and files.
 * HSTS is off because Recall serves plain HTTP on the user's machine; a TLS proxy in front sets it.
 */
export async function registerUiSecurityHeaders(scope: FastifyInstance): Promise<void> {
  await scope.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: UI_CSP_DIRECTIVES },
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
  });
}
