import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, settingsFromEnv } from './config.js';

describe('configuration', () => {
  it('defaults to ./recall-root on 127.0.0.1:9090', () => {
    const c = resolveConfig({}, {}, null);
    expect(c).toMatchObject({ root: path.resolve('recall-root'), host: '127.0.0.1', port: 9090, logLevel: 'info', scanOnStart: true });
  });

  it('takes flags over environment over defaults', () => {
    const env = settingsFromEnv({ INVOKEAI_ROOT: '/srv/invokeai', RECALL_PORT: '9000', RECALL_HOST: '' });
    expect(env.host).toBeUndefined();
    const c = resolveConfig({ port: '9191' }, env, null);
    expect(c).toMatchObject({ root: '/srv/invokeai', port: 9191, host: '127.0.0.1' });
  });

  it('lists every bad value at once', () => {
    try {
      resolveConfig({ port: '-1', logLevel: 'loud', uploadLimit: 'lots' }, {}, null);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(3);
      expect((err as ConfigError).message).toMatch(/--port.*--log-level.*--upload-limit/s);
    }
  });

  it('reads the image URL policy from flags and env, and names a bad network', () => {
    const env = settingsFromEnv({ RECALL_URL_ALLOW_LIST: '10.0.0.0/8, 192.168.1.20', RECALL_ALLOW_PRIVATE_URLS: 'false' });
    expect(resolveConfig({}, env, null)).toMatchObject({ urlAllowList: ['10.0.0.0/8', '192.168.1.20'], allowPrivateUrls: false, urlMaxRedirects: 5 });
    expect(resolveConfig({ allowPrivateUrls: true }, env, null).allowPrivateUrls).toBe(true);
    expect(() => resolveConfig({ urlAllowList: 'intranet.local' }, {}, null)).toThrow(/--url-allow-list.*"intranet.local".*not an IP address or CIDR/);
  });
});
