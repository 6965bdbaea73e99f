import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFetcher, UrlRefusedError, type FetchPolicy } from '../../src/server/images/fetcher.js';
import { plainPng } from '../helpers/generated-images.js';

/*
 * The URL fetcher against a real HTTP server on 127.0.0.1. 127.0.0.1 is a loopback address, so the
 * fetches that must succeed allow-list it; the refusals run with the allow-list off or aimed elsewhere.
 */

let server: http.Server;
let base: string;
let png: Buffer;
/** Bytes the /stream route managed to write before the client hung up. */
let streamed = 0;
const hits: string[] = [];

beforeAll(async () => {
  png = await plainPng(32, 24);
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    hits.push(url.pathname);
    const to = url.searchParams.get('to');
    switch (url.pathname) {
      case '/img.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
        return res.end(png);
      case '/redirect':
        res.writeHead(302, { location: to! });
        return res.end();
      case '/loop': {
        const n = Number(url.searchParams.get('n') ?? 0);
        res.writeHead(307, { location: `/loop?n=${n + 1}` });
        return res.end();
      }
      case '/declared-big':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 10 * 1024 * 1024 });
        return res.end(png);
      case '/stream': {
        // No content-length: only counting while streaming can stop it.
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png.subarray(0, 16));
        streamed = 16;
        const timer = setInterval(() => {
          if (res.destroyed || streamed > 50 * 1024 * 1024) return clearInterval(timer);
          res.write(Buffer.alloc(64 * 1024, 7));
          streamed += 64 * 1024;
        }, 1);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/slow': {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png.subarray(0, 16));
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(Buffer.alloc(1, 0))), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/page.html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body>not an image</body></html>');
      default:
        res.writeHead(404);
        return res.end('missing');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const POLICY: FetchPolicy = { allowPrivate: false, allowList: [], maxBytes: 1024 * 1024, timeoutMs: 2000, maxRedirects: 3 };

/** Fetches with a policy; answers the refusal (or fails the test when the fetch succeeds). */
async function refusal(url: string, policy: Partial<FetchPolicy> = {}): Promise<UrlRefusedError> {
  const fetcher = new ImageFetcher({ ...POLICY, ...policy });
  try {
    await fetcher.fetch(url);
  } catch (err) {
    if (err instanceof UrlRefusedError) return err;
    throw err;
  } finally {
    await fetcher.close();
  }
  throw new Error(`expected ${url} to be refused`);
}

const allowLocal: Partial<FetchPolicy> = { allowList: ['127.0.0.1'] };

describe('image URL fetcher', () => {
  it('fetches an image from an allow-listed address, following a relative redirect', async () => {
    const fetcher = new ImageFetcher({ ...POLICY, ...allowLocal });
    try {
      const direct = await fetcher.fetch(`${base}/img.png`);
      expect(Buffer.from(direct.bytes)).toEqual(png);
      const redirected = await fetcher.fetch(`${base}/redirect?to=/img.png`);
      expect(Buffer.from(redirected.bytes)).toEqual(png);
      expect(redirected.url).toBe(`${base}/img.png`);
    } finally {
      await fetcher.close();
    }
  });

  it('fetches from loopback when private URLs are allowed outright', async () => {
    const fetcher = new ImageFetcher({ ...POLICY, allowPrivate: true });
    try {
      expect((await fetcher.fetch(`${base}/img.png`)).bytes.length).toBe(png.length);
    } finally {
      await fetcher.close();
    }
  });

  it.each([['file:///etc/passwd'], ['ftp://example.com/a.png'], ['data:image/png;base64,iVBORw0KGgo='], ['gopher://example.com/']])(
    'refuses the scheme of %s',
    async (url) => {
      const err = await refusal(url, { allowPrivate: true });
      expect(err.reason).toBe('scheme');
    },
  );

  it.each([
    ['the server itself, on loopback', () => `${base}/img.png`],
    ['localhost (resolved by the system)', () => base.replace('127.0.0.1', 'localhost') + '/img.png'],
    ['10/8', () => 'http://10.1.2.3/a.png'],
    ['172.16/12', () => 'http://172.16.5.4/a.png'],
    ['192.168/16', () => 'http://192.168.0.10/a.png'],
    ['link-local (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['unspecified 0.0.0.0', () => 'http://0.0.0.0/a.png'],
    ['multicast', () => 'http://224.0.0.1/a.png'],
    ['loopback written as a decimal number', () => 'http://2130706433/a.png'],
    ['IPv6 loopback', () => 'http://[::1]/a.png'],
    ['IPv6 unspecified', () => 'http://[::]/a.png'],
    ['IPv6 link-local', () => 'http://[fe80::1]/a.png'],
    ['IPv6 unique-local', () => 'http://[fd12:3456::1]/a.png'],
    ['IPv6 multicast', () => 'http://[ff02::1]/a.png'],
    ['IPv4-mapped loopback', () => 'http://[::ffff:127.0.0.1]/a.png'],
    ['IPv4-mapped private', () => 'http://[::ffff:10.0.0.1]/a.png'],
    ['NAT64 of loopback', () => 'http://[64:ff9b::7f00:1]/a.png'],
  ])('refuses %s without the allow-list', async (_what, url) => {
    const before = hits.length;
    const err = await refusal(url());
    expect(err.reason).toBe('address');
    expect(hits.length).toBe(before);
  });

  it('checks the address a host name resolves to, not the name', async () => {
    const lookup = async () => [{ address: '10.0.0.7', family: 4 }];
    const err = await refusal('http://images.example.com/a.png', { lookup });
    expect(err.reason).toBe('address');
    expect(err.message).toContain('10.0.0.7');
  });

  it('refuses a redirect from an allowed host to a private one, after connecting to the first', async () => {
    const before = hits.length;
    const err = await refusal(`${base}/redirect?to=${encodeURIComponent('http://192.168.1.1/admin.png')}`, allowLocal);
    expect(err.reason).toBe('address');
    expect(hits.slice(before)).toEqual(['/redirect']);
    const viaName = await refusal(`${base}/redirect?to=${encodeURIComponent('http://intranet.example/a.png')}`, {
      ...allowLocal,
      lookup: async () => [{ address: 'fd00::5', family: 6 }],
    });
    expect(viaName.reason).toBe('address');
    const toLoopback = await refusal(`${base}/redirect?to=${encodeURIComponent('http://127.0.0.2:1/a.png')}`, allowLocal);
    expect(toLoopback.reason).toBe('address');
  });

  it('refuses a redirect to another scheme', async () => {
    const err = await refusal(`${base}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`, allowLocal);
    expect(err.reason).toBe('scheme');
  });

  it('refuses more redirects than the limit', async () => {
    const err = await refusal(`${base}/loop`, allowLocal);
    expect(err.reason).toBe('redirects');
    expect(err.message).toContain('more than 3 redirects');
  });

  it('refuses a body larger than the limit from its declared length', async () => {
    const err = await refusal(`${base}/declared-big`, allowLocal);
    expect(err.reason).toBe('too_large');
  });

  it('stops reading a body without a declared length once it passes the limit', async () => {
    const err = await refusal(`${base}/stream`, { ...allowLocal, maxBytes: 256 * 1024, timeoutMs: 10_000 });
    expect(err.reason).toBe('too_large');
    await new Promise((r) => setTimeout(r, 100));
    expect(streamed).toBeLessThan(8 * 1024 * 1024);
  });

  it('gives up on a server that answers too slowly', async () => {
    const started = Date.now();
    const err = await refusal(`${base}/slow`, { ...allowLocal, timeoutMs: 400 });
    expect(err.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses content that is not an image', async () => {
    const err = await refusal(`${base}/page.html`, allowLocal);
    expect(err.reason).toBe('not_an_image');
    expect(err.message).toContain('text/html');
  });

  it('refuses an error status', async () => {
    const err = await refusal(`${base}/nothing-here.png`, allowLocal);
    expect(err.reason).toBe('http_status');
    expect(err.message).toContain('404');
  });
});
