import { describe, expect, it } from 'vitest';
import { AccessService, bearerToken, SHARED_TOKEN_NAME, type Principal } from './service.js';

const PHOTOMAP = 'photomap-token-0123456789';
const ADMIN = 'admin-token-0123456789abc';

const tokens = new AccessService(
  new Map([
    [PHOTOMAP, { name: 'photomap', queues: ['default', 'studio'] }],
    [ADMIN, { name: 'admin', queues: '*' as const }],
  ]),
);

function principalOf(token: string): Principal {
  const auth = tokens.authenticate(token);
  if (!auth.ok) throw new Error(`token refused: ${auth.reason}`);
  return auth.principal;
}

describe('AccessService', () => {
  it('is off without tokens and on with them', () => {
    expect(AccessService.fromConfig({ authToken: null, tokensFile: null }).enabled).toBe(false);
    expect(tokens.enabled).toBe(true);
    expect(tokens.tokenCount).toBe(2);
  });

  it('names the holder of a known token and refuses missing or unknown ones', () => {
    expect(tokens.authenticate(PHOTOMAP)).toMatchObject({ ok: true, principal: { name: 'photomap' } });
    expect(tokens.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.authenticate('')).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.authenticate(`${PHOTOMAP}x`)).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.authenticate(PHOTOMAP.toUpperCase())).toEqual({ ok: false, reason: 'invalid' });
  });

  it('lets a token use only its own queues, and "*" every queue', () => {
    const photomap = principalOf(PHOTOMAP);
    const admin = principalOf(ADMIN);
    expect(tokens.mayUseQueue(photomap, 'default')).toBe(true);
    expect(tokens.mayUseQueue(photomap, 'studio')).toBe(true);
    expect(tokens.mayUseQueue(photomap, 'other')).toBe(false);
    expect(tokens.mayUseQueue(photomap, 'Default')).toBe(false);
    expect(tokens.mayUseQueue(admin, 'anything')).toBe(true);
    expect(tokens.forbiddenQueueMessage(photomap, 'other')).toBe('The token of "photomap" may not use queue "other" (its queues: default, studio)');
  });

  it('gives the single --auth-token every queue under one name', () => {
    const single = AccessService.fromConfig({ authToken: PHOTOMAP, tokensFile: null });
    const auth = single.authenticate(PHOTOMAP);
    expect(auth).toMatchObject({ ok: true, principal: { name: SHARED_TOKEN_NAME, queues: null } });
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, in any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
  });

  it('finds nothing in other schemes, empty or two-part values', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('abc')).toBeUndefined();
  });
});
