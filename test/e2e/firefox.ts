import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Firefox ESR (never a downloaded build); RECALL_FIREFOX points elsewhere. */
export const FIREFOX_PATH = process.env.RECALL_FIREFOX ?? '/usr/bin/firefox-esr';

/** Whether the suite can run; outside CI a missing browser skips it with a notice, in CI it fails. */
export function firefoxAvailable(): boolean {
  if (fs.existsSync(FIREFOX_PATH)) return true;
  const message = `Firefox not found at ${FIREFOX_PATH} (apt-get install -y firefox-esr)`;
  if (process.env.CI) throw new Error(`${message}: the Firefox suite cannot be skipped in CI`);
  console.warn(`[e2e] ${message}; skipping the Firefox suite`);
  return false;
}

/**
 * Preferences that keep a test Firefox off the network: no update, telemetry, studies, captive
 * portal or connectivity probes, safe browsing lists, remote settings, push, DNS-over-HTTPS or
 * prefetching. puppeteer's own profile defaults cover part of this; these make the rest explicit.
 */
const QUIET_PREFS: Record<string, string | number | boolean> = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.update.service.enabled': false,
  'app.update.url': '',
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.firstShutdownPing.enabled': false,
  'toolkit.telemetry.newProfilePing.enabled': false,
  'toolkit.telemetry.shutdownPingSender.enabled': false,
  'toolkit.telemetry.updatePing.enabled': false,
  'toolkit.telemetry.bhrPing.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  // Honoured only with MOZ_DISABLE_NONLOCAL_CONNECTIONS set (see launchFirefox): release builds
  // ignore a changed remote settings server otherwise. This value is Firefox's own "no server".
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.update.enabled': false,
  'dom.push.enabled': false,
  'dom.push.connection.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'browser.region.update.enabled': false,
  'browser.region.network.url': '',
  'browser.search.geoip.url': '',
  'browser.topsites.contile.enabled': false,
  'browser.aboutwelcome.enabled': false,
  'browser.discovery.enabled': false,
  'identity.fxaccounts.enabled': false,
  'media.gmp-manager.url': '',
  'media.gmp-gmpopenh264.enabled': false,
  'network.trr.mode': 5,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
};

/**
 * A listener every non-loopback request is sent to (as the profile's HTTP and HTTPS proxy): it
 * answers nothing and notes who knocked, so a pref missed above shows as a failure, not as traffic.
 * Firefox never sends loopback addresses through a proxy, so the test server is reached directly.
 */
async function startSinkhole(): Promise<{ port: number; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.once('data', (d) => attempts.push(d.toString('latin1').split('\r\n')[0] ?? ''));
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    // No answer: a request line is recorded, then the connection is refused as a dead proxy would.
    setTimeout(() => s.destroy(), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface LaunchedFirefox {
  browser: Browser;
  /** The fresh profile directory; removed by close(). */
  profileDir: string;
  /** First lines of every request Firefox tried to send off this machine (should stay empty). */
  outbound(): string[];
  close(): Promise<void>;
}

/** Headless Firefox ESR driven over WebDriver BiDi, on a fresh temporary profile of its own. */
export async function launchFirefox(): Promise<LaunchedFirefox> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-firefox-profile-'));
  const sinkhole = await startSinkhole();
  const proxy = { 'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': sinkhole.port, 'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': sinkhole.port, 'network.proxy.no_proxies_on': '' };
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profileDir,
      extraPrefsFirefox: { ...QUIET_PREFS, ...proxy },
      defaultViewport: { width: 1280, height: 800 },
      // Firefox's test-harness switch: refuses connections off this machine, and is the condition
      // under which a release build lets the profile replace its remote settings server.
      env: { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' },
    });
  } catch (err) {
    await sinkhole.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    profileDir,
    outbound: () => [...sinkhole.attempts],
    close: async () => {
      await browser.close().catch(() => undefined);
      await sinkhole.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
