import dns from 'node:dns';
import net from 'node:net';
import type { buildConnector, Dispatcher, request as undiciRequest } from 'undici';
import { createAddressCheck, type AddressCheck, type AddressPolicyOptions } from './address-policy.js';

/** Why a URL was not fetched; `reason` is for programs, the message for people. */
export type UrlRefusal =
  | 'scheme'
  | 'address'
  | 'redirects'
  | 'too_large'
  | 'timeout'
  | 'not_an_image'
  | 'http_status'
  | 'network';

export class UrlRefusedError extends Error {
  constructor(
    readonly reason: UrlRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'UrlRefusedError';
  }
}

export interface FetchPolicy extends AddressPolicyOptions {
  /** Largest body accepted, enforced while streaming (the upload limit). */
  maxBytes: number;
  /** Time for the whole fetch, redirects included. */
  timeoutMs: number;
  maxRedirects: number;
  /** Resolver, replaceable in tests to stand for a DNS answer; defaults to the system's. */
  lookup?: (hostname: string) => Promise<{ address: string; family: number }[]>;
  userAgent?: string;
}

export interface FetchedImage {
  bytes: Uint8Array;
  /** The URL the bytes came from, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Magic numbers of the formats outputs/images takes; checked on the first bytes to stop early. */
function looksLikeImage(head: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  return (
    (head[0] === 0x89 && ascii(1, 4) === 'PNG') ||
    (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(0, 4) === 'GIF8'
  );
}

const systemLookup = (hostname: string) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Fetches images from http(s) URLs without letting a URL reach an internal host (SSRF): the
 * address check runs in the connector, on the address actually connected to, for the first request
 * and after every redirect, so neither DNS answers nor redirects can slip past it. Size and time
 * are bounded while streaming; the bytes must start like an image (the repository then decodes them).
 */
export class ImageFetcher {
  private readonly check: AddressCheck;
  private readonly lookup: NonNullable<FetchPolicy['lookup']>;
  /** undici and its connection pool, made on the first fetch: most servers never fetch a URL. */
  private client: Promise<{ dispatcher: Dispatcher; request: typeof undiciRequest }> | null = null;

  constructor(private readonly policy: FetchPolicy) {
    this.check = createAddressCheck(policy);
    this.lookup = policy.lookup ?? systemLookup;
  }

  private connect() {
    return (this.client ??= import('undici').then(({ Agent, buildConnector, request }) => ({
      dispatcher: new Agent({ connect: this.connector(buildConnector), connections: 8, keepAliveTimeout: 1000 }),
      request,
    })));
  }

  /** A connector that picks an allowed address of the host, connects to it, and checks the socket's peer again. */
  private connector(build: typeof buildConnector): buildConnector.connector {
    const base = build({ timeout: this.policy.timeoutMs });
    return (opts, callback) => {
      this.pickAddress(opts.hostname).then(
        (address) =>
          base({ ...opts, hostname: address }, (err, socket) => {
            if (err || !socket) return callback(err ?? new Error('connection failed'), null);
            const refusal = this.check(socket.remoteAddress ?? '');
            if (refusal) {
              socket.destroy();
              return callback(new UrlRefusedError('address', `refused to connect: ${refusal}`), null);
            }
            callback(null, socket);
          }),
        (err: Error) => callback(err, null),
      );
    };
  }

  private async pickAddress(hostname: string): Promise<string> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    if (net.isIP(host)) {
      const refusal = this.check(host);
      if (refusal) throw new UrlRefusedError('address', `refused to connect: ${refusal}`);
      return host;
    }
    let answers: { address: string }[];
    try {
      answers = await this.lookup(host);
    } catch (err) {
      throw new UrlRefusedError('network', `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const allowed = answers.find((a) => this.check(a.address) === null);
    if (allowed) return allowed.address;
    const first = answers[0];
    throw new UrlRefusedError('address', `refused to connect to ${host}: ${first ? this.check(first.address) : 'no address'}`);
  }

  async fetch(url: string): Promise<FetchedImage> {
    const signal = AbortSignal.timeout(this.policy.timeoutMs);
    try {
      return await this.follow(url, signal);
    } catch (err) {
      throw this.explain(err, signal);
    }
  }

  private async follow(start: string, signal: AbortSignal): Promise<FetchedImage> {
    const { dispatcher, request } = await this.connect();
    let current = start;
    for (let hop = 0; ; hop++) {
      const target = parseHttpUrl(current);
      const res = await request(target, {
        dispatcher,
        method: 'GET',
        signal,
        headers: { accept: 'image/png, image/jpeg, image/webp, image/gif;q=0.9, */*;q=0.1', 'user-agent': this.policy.userAgent ?? 'Recall' },
      });
      if (REDIRECTS.has(res.statusCode)) {
        await res.body.dump().catch(() => undefined);
        const location = res.headers.location;
        if (typeof location !== 'string') throw new UrlRefusedError('http_status', `redirect ${res.statusCode} without a location`);
        if (hop + 1 > this.policy.maxRedirects) {
          throw new UrlRefusedError('redirects', `more than ${this.policy.maxRedirects} redirects`);
        }
        current = new URL(location, target).href;
        continue;
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump().catch(() => undefined);
        throw new UrlRefusedError('http_status', `the server answered ${res.statusCode}`);
      }
      return { bytes: await this.readBody(res), url: target.href };
    }
  }

  private async readBody(res: Dispatcher.ResponseData): Promise<Uint8Array> {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.policy.maxBytes) {
      res.body.destroy();
      throw new UrlRefusedError('too_large', `the image is ${declared} bytes, more than the limit of ${this.policy.maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let sniffed = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > this.policy.maxBytes) {
        res.body.destroy();
        throw new UrlRefusedError('too_large', `the image is more than the limit of ${this.policy.maxBytes} bytes`);
      }
      chunks.push(chunk);
      if (!sniffed && total >= 12) {
        sniffed = true;
        if (!looksLikeImage(Buffer.concat(chunks))) {
          res.body.destroy();
          throw new UrlRefusedError('not_an_image', `the content is not an image (${res.headers['content-type'] ?? 'no content type'})`);
        }
      }
    }
    if (!sniffed) throw new UrlRefusedError('not_an_image', 'the content is too short to be an image');
    return Buffer.concat(chunks);
  }

  /** Turns undici's and the abort signal's errors into a refusal with a reason. */
  private explain(err: unknown, signal: AbortSignal): UrlRefusedError {
    if (err instanceof UrlRefusedError) return err;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof UrlRefusedError) return cause;
    if (signal.aborted) return new UrlRefusedError('timeout', `no complete answer within ${this.policy.timeoutMs} ms`);
    const code = (err as NodeJS.ErrnoException).code;
    return new UrlRefusedError('network', `cannot fetch: ${code ?? (err as Error).message}`);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await (await client).dispatcher.close();
  }
}

/** Only http and https: no file:, data:, ftp: or anything a URL could otherwise open. */
function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UrlRefusedError('scheme', `not a valid URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlRefusedError('scheme', `only http and https URLs are fetched, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw new UrlRefusedError('scheme', 'URLs with credentials are not fetched');
  return url;
}
