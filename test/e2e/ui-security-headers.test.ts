import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../helpers/fixtures.js';
import { closeAndRemove, makeTempRoot, startApp, type InProcessServer } from '../helpers/server.js';

/*
 * The UI's Content Security Policy in real Chromium: a page served by Recall may run its own
 * script, call its API, open its socket and show blob: and data: images, and nothing else.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}; CI must install it`);
  console.warn(`Chromium is missing at ${CHROMIUM}: skipping the CSP test in a real browser`);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>Recall</title>
<script type="module" src="/app.js"></script>
<script>window.inlineScriptRan = true;</script>`;

const APP = `
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.effectiveDirective));
const loads = (src) => new Promise((resolve) => { const i = new Image(); i.onload = () => resolve(true); i.onerror = () => resolve(false); i.src = src; });
const version = await (await fetch('/api/v1/app/version')).json();
const socketOpened = await new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/ws/socket.io/?EIO=4&transport=websocket');
  ws.onopen = () => { ws.close(); resolve(true); };
  ws.onerror = () => resolve(false);
});
const bytes = await (await fetch('/api/v1/images/i/cat.png/full')).blob();
const blobShown = await loads(URL.createObjectURL(bytes));
const dataShown = await loads('data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==');
const foreignShown = await loads('http://127.0.0.1:1/elsewhere.png');
window.result = { version: version.version, socketOpened, blobShown, dataShown, foreignShown };
`;

describe.skipIf(!HAVE_CHROMIUM)('the UI in Chromium under its Content Security Policy', () => {
  let srv: InProcessServer;
  let browser: Browser;
  beforeAll(async () => {
    const root = makeTempRoot();
    await writeImage(root, 'cat.png', 32, 32);
    const web = path.join(root, 'web');
    fs.mkdirSync(web);
    fs.writeFileSync(path.join(web, 'index.html'), PAGE);
    fs.writeFileSync(path.join(web, 'app.js'), APP);
    srv = await startApp({ root, settings: { webDir: web } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await closeAndRemove(srv);
  });

  it('runs its own script, reaches its API and socket, shows blob: and data: images, and blocks the rest', async () => {
    const page = await browser.newPage();
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as any).result !== undefined, undefined, { timeout: 15_000 });
    const { result, inline, violations } = await page.evaluate(() => ({
      result: (window as any).result,
      inline: (window as any).inlineScriptRan ?? false,
      violations: (window as any).violations as string[],
    }));
    expect(result).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), socketOpened: true, blobShown: true, dataShown: true, foreignShown: false });
    expect(inline).toBe(false);
    expect(violations).toEqual(['img-src']);
    await page.close();
  });
});
