import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeAgedFile, writeSpecFixtures } from '../helpers/fixtures.js';
import { postJson } from '../helpers/http.js';
import { makeTempRoot, REPO_ROOT, startServer, type ChildServer } from '../helpers/server.js';
import { SPEC_EXAMPLES } from '../helpers/spec-examples.js';
import { card, chromiumAvailable, connection, eventually, imageLoaded, launchChromium, within } from './browser.js';
import { paintSpecImages } from './painted-images.js';

/*
 * The web UI in headless Chromium against the real built server with access control on
 * (docs/web-ui.md, "When the server needs a token"): the token prompt, live updates and images
 * through the token, a remembered token across a reload, and a queue the token may not use.
 */

const WEB_INDEX = path.join(REPO_ROOT, 'dist', 'web', 'index.html');
const TOKEN = 'e2e-shared-token-0123456789abcdef';
const ALICE = 'e2e-alice-token-0123456789abcdef';
const NO_TOKEN_MESSAGE = 'The token is not valid';

const hasChromium = chromiumAvailable();

let shared: ChildServer;
let perQueue: ChildServer;
/** Many small images, for the gallery's lazy thumbnails. */
let manyImages: ChildServer;
const MANY = 40;
let browser: Browser;
let context: BrowserContext | null = null;

beforeAll(async () => {
  if (!hasChromium) return;
  if (!fs.existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run \`npm run build\` first`);
  const root = makeTempRoot('recall-web-auth-e2e-');
  await writeSpecFixtures(root);
  await paintSpecImages(root);
  const tokensRoot = makeTempRoot('recall-web-tokens-e2e-');
  const tokensFile = path.join(tokensRoot, 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ [ALICE]: { name: 'alice', queues: ['a'] } }));
  const manyRoot = makeTempRoot('recall-web-many-e2e-');
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } }).png().toBuffer();
  fs.mkdirSync(path.join(manyRoot, 'outputs', 'images'), { recursive: true });
  // many-00 newest, so it heads the gallery and many-39 ends it.
  for (let i = 0; i < MANY; i++) writeAgedFile(path.join(manyRoot, 'outputs', 'images'), `many-${String(i).padStart(2, '0')}.png`, png, i * 60);
  [shared, perQueue, manyImages, browser] = await Promise.all([
    startServer({ root, args: ['--auth-token', TOKEN, '--no-hash'] }),
    startServer({ root: tokensRoot, args: ['--tokens-file', tokensFile, '--no-hash'] }),
    startServer({ root: manyRoot, args: ['--auth-token', TOKEN, '--no-hash'] }),
    launchChromium(),
  ]);
});

afterEach(async () => {
  await context?.close();
  context = null;
});

afterAll(async () => {
  await browser?.close();
  await shared?.close();
  const tokensRoot = perQueue?.root;
  await perQueue?.close();
  if (tokensRoot) fs.rmSync(tokensRoot, { recursive: true, force: true });
  const manyRoot = manyImages?.root;
  await manyImages?.close();
  if (manyRoot) fs.rmSync(manyRoot, { recursive: true, force: true });
  if (shared?.root) fs.rmSync(shared.root, { recursive: true, force: true });
});

/** Every request the page makes: its URL and whether it carried the token. */
type Seen = { url: string; authorization: string | undefined }[];

async function openPage(base: string, queue: string): Promise<{ page: Page; seen: Seen }> {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const seen: Seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), authorization: r.headers()['authorization'] }));
  await page.goto(`${base}/?queue=${queue}`);
  return { page, seen };
}

const tokenDialog = (page: Page) => page.getByRole('dialog', { name: 'This server needs an access token' });

/** Types a token into the prompt and presses Connect. */
async function enterToken(page: Page, token: string, remember: boolean): Promise<void> {
  const dialog = tokenDialog(page);
  await dialog.getByLabel('Access token', { exact: true }).fill(token);
  await dialog.getByLabel('Remember on this device').setChecked(remember);
  await dialog.getByRole('button', { name: 'Connect' }).click();
}

const live = (page: Page) => eventually(async () => expect(await connection(page).textContent()).toContain('Live'), within(10_000));
const value = (page: Page, label: string) => page.getByLabel(label, { exact: true }).inputValue();

describe.skipIf(!hasChromium)('web UI with access tokens, in Chromium', () => {
  it('asks for the token, refuses a wrong one, then shows recalls and images, and remembers the token across a reload', async () => {
    const { page, seen } = await openPage(shared.url, 'default');
    const dialog = tokenDialog(page);
    // The prompt opens on whichever refusal comes first (the socket's or the model list's 401); the
    // connection status follows the socket's, so both are waited for.
    await eventually(async () => {
      expect(await dialog.isVisible()).toBe(true);
      expect(await connection(page).textContent()).toContain('Needs a token');
    }, within(5000));

    await enterToken(page, 'not-the-token-0123456789', true);
    await eventually(async () => expect(await dialog.getByRole('alert').textContent()).toBe(NO_TOKEN_MESSAGE), within(3000));
    expect(await dialog.isVisible()).toBe(true);

    await enterToken(page, TOKEN, true);
    await eventually(async () => expect(await dialog.isVisible()).toBe(false), within(3000));
    await live(page);

    // A curl-like POST with the token shows on the page within a second.
    const start = Date.now();
    expect((await postJson(`${shared.url}/api/v1/recall/default`, { positive_prompt: 'seen through the token' }, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    await eventually(async () => expect(await value(page, 'Positive prompt')).toBe('seen through the token'), start + 1000);

    // Images of a recalled control layer render although an <img src> cannot send the token.
    expect((await postJson(`${shared.url}/api/v1/recall/default`, SPEC_EXAMPLES.controlLayers, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const layerImage = card(page, 'ControlNet', 'controlnet-canny-sdxl-1.0').getByRole('img', { name: 'my_control_image.png' });
    await eventually(async () => expect(await imageLoaded(layerImage)).toBe(true), within(3000));
    expect(await layerImage.getAttribute('src')).toMatch(/^blob:/);
    const stageLayer = page.locator('.stage img.stage-layer');
    await eventually(async () => expect(await imageLoaded(stageLayer.first())).toBe(true), within(3000));

    // So do the gallery's thumbnails.
    await page.getByRole('button', { name: 'Gallery' }).click();
    const thumb = page.getByRole('option', { name: 'my_control_image.png', exact: true }).locator('img');
    await eventually(async () => expect(await imageLoaded(thumb)).toBe(true), within(3000));

    const api = seen.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
    expect(api.some((r) => new URL(r.url).pathname.endsWith('/my_control_image.png/full') && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(seen.every((r) => !r.url.includes(TOKEN))).toBe(true);

    // Remembered: a reload, and a new tab (which has a sessionStorage of its own), connect without asking.
    await page.reload();
    await live(page);
    expect(await tokenDialog(page).isVisible()).toBe(false);
    expect(await value(page, 'Positive prompt')).toBe('seen through the token');
    const { page: tab } = await openPage(shared.url, 'default');
    await live(tab);
    expect(await tokenDialog(tab).isVisible()).toBe(false);
    await tab.close();

    // The top bar's Token button changes or forgets it; forgetting asks again.
    await page.getByRole('button', { name: 'Token' }).click();
    const change = page.getByRole('dialog', { name: 'Change the access token' });
    await change.getByRole('button', { name: 'Forget token' }).click();
    await eventually(async () => expect(await tokenDialog(page).isVisible()).toBe(true), within(5000));
    expect(await page.getByRole('button', { name: 'Token' }).count()).toBe(0);
  });

  it("shows the server's message, not the prompt, when the token may not use the queue asked for", async () => {
    const { page } = await openPage(perQueue.url, 'a');
    await eventually(async () => expect(await tokenDialog(page).isVisible()).toBe(true), within(5000));
    await enterToken(page, ALICE, false);
    await live(page);

    await page.getByLabel('Queue', { exact: true }).fill('b');
    await page.getByRole('button', { name: 'Switch' }).click();
    const notices = page.getByRole('region', { name: 'Notices' });
    await eventually(async () => expect(await notices.textContent()).toContain('The token of "alice" may not use queue "b" (its queues: a)'), within(3000));
    expect(await tokenDialog(page).isVisible()).toBe(false);
    expect(await connection(page).textContent()).toContain('Live');
    expect(new URL(page.url()).searchParams.get('queue')).toBe('a');

    // Not remembered: a new tab asks again.
    const { page: tab } = await openPage(perQueue.url, 'a');
    await eventually(async () => expect(await tokenDialog(tab).isVisible()).toBe(true), within(5000));
  });
  it('fetches gallery thumbnails with the token only as they are scrolled near', async () => {
    const { page, seen } = await openPage(manyImages.url, 'default');
    await eventually(async () => expect(await tokenDialog(page).isVisible()).toBe(true), within(5000));
    await enterToken(page, TOKEN, false);
    await live(page);
    await page.getByRole('button', { name: 'Gallery' }).click();
    const thumbnails = () => seen.filter((r) => new URL(r.url).pathname.endsWith('/thumbnail'));
    const first = page.getByRole('option', { name: 'many-00.png', exact: true }).locator('img');
    await eventually(async () => expect(await imageLoaded(first)).toBe(true), within(5000));
    await page.waitForTimeout(300);
    // The drawer shows a few rows; the rest of the page of 40 waits below.
    const early = thumbnails().length;
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(MANY);
    expect(thumbnails().every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const last = page.getByRole('option', { name: `many-${MANY - 1}.png`, exact: true });
    await last.scrollIntoViewIfNeeded();
    await eventually(async () => expect(await imageLoaded(last.locator('img'))).toBe(true), within(5000));
    expect(thumbnails().length).toBeGreaterThan(early);
  });
});
