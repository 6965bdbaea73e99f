import { describe, expect, it } from 'vitest';
import { isLoopbackHost, OriginPolicy } from './cross-origin.js';

describe('isLoopbackHost', () => {
  it('knows the names and addresses of this machine', () => {
    for (const h of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com', 'localhost.example.com', '10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('OriginPolicy', () => {
  const local = OriginPolicy.forServer({ corsOrigins: [], host: '127.0.0.1', authEnabled: false });

  it('lets requests without an Origin (programs, curl) and same-origin pages through', () => {
    expect(local.refusal(undefined, '127.0.0.1:9090')).toBeNull();
    expect(local.refusal('http://127.0.0.1:9090', '127.0.0.1:9090')).toBeNull();
    expect(local.refusal('http://localhost:9090', 'localhost:9090')).toBeNull();
  });

  it('refuses other origins, "null" origins and the same host on another port', () => {
    expect(local.refusal('http://evil.example', '127.0.0.1:9090')).toMatch(/Cross-origin requests from http:\/\/evil\.example are not allowed/);
    expect(local.refusal('null', '127.0.0.1:9090')).not.toBeNull();
    expect(local.refusal('http://127.0.0.1:5173', '127.0.0.1:9090')).not.toBeNull();
  });

  it('refuses a Host that is not this machine on a loopback address without tokens (DNS rebinding)', () => {
    expect(local.refusal('http://rebind.example:9090', 'rebind.example:9090')).toMatch(/Host "rebind\.example:9090" is not this machine/);
    expect(local.refusal(undefined, 'rebind.example:9090')).not.toBeNull();
    expect(local.refusal(undefined, '[::1]:9090')).toBeNull();
  });

  it('answers to the --allowed-hosts names a reverse proxy passes on, and still refuses others', () => {
    const proxied = OriginPolicy.forServer({ corsOrigins: [], allowedHosts: ['recall.example.org'], host: '127.0.0.1', authEnabled: false });
    expect(proxied.refusal(undefined, 'recall.example.org')).toBeNull();
    expect(proxied.refusal('https://recall.example.org', 'Recall.Example.org')).toBeNull();
    expect(proxied.refusal(undefined, 'rebind.example')).toMatch(/is not this machine/);
  });

  it('trusts the Host header when tokens guard the server or it listens on the network', () => {
    const withTokens = OriginPolicy.forServer({ corsOrigins: [], host: '127.0.0.1', authEnabled: true });
    const network = OriginPolicy.forServer({ corsOrigins: [], host: '0.0.0.0', authEnabled: false });
    expect(withTokens.refusal(undefined, 'recall.example:9090')).toBeNull();
    expect(network.refusal('http://recall.example:9090', 'recall.example:9090')).toBeNull();
  });

  it('allows the configured origins, whatever their case', () => {
    const p = OriginPolicy.forServer({ corsOrigins: ['http://localhost:5173', 'HTTPS://Tools.Example'], host: '127.0.0.1', authEnabled: false });
    expect(p.refusal('http://localhost:5173', '127.0.0.1:9090')).toBeNull();
    expect(p.refusal('https://tools.example', '127.0.0.1:9090')).toBeNull();
    expect(p.refusal('http://localhost:5174', '127.0.0.1:9090')).not.toBeNull();
  });
});
