import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFile, writeSpecFixtures } from '../helpers/fixtures.js';
import { SCENES, svgPng, withTextChunks } from '../helpers/gallery-images.js';
import { A1111_PARAMETERS } from '../helpers/generated-images.js';
import { postJson } from '../helpers/http.js';
import { makeTempRoot, REPO_ROOT, startServer, type ChildServer } from '../helpers/server.js';
import { SPEC_EXAMPLES } from '../helpers/spec-examples.js';
import { eventually, within } from './browser.js';
import { firefoxAvailable, launchFirefox, type LaunchedFirefox } from './firefox.js';
import { cardOf, control, layoutAt, readPage, scrollbarBrightness, typeInto } from './firefox-page.js';
import { paintSpecImages } from './painted-images.js';
import { startTcpProxy } from './tcp-proxy.js';

/*
 * The web UI in headless Firefox ESR (issue 3: "works in a current Chromium and Firefox"), driven
 * by puppeteer-core over WebDriver BiDi against the real built server: a clean load, the spec's
 * complete recall on the page within a second, a dropped socket, a reload, the gallery, the layout.
 */

const WEB_INDEX = path.join(REPO_ROOT, 'dist', 'web', 'index.html');
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results');
const CAT = 'a1111-cat.png';

const hasFirefox = firefoxAvailable();

let root: string;
let server: ChildServer;
let firefox: LaunchedFirefox;
let context: BrowserContext | null = null;

beforeAll(async () => {
  if (!hasFirefox) return;
  if (!fs.existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run \`npm run build\` first`);
  root = makeTempRoot('recall-firefox-e2e-');
  await writeSpecFixtures(root);
  await paintSpecImages(root);
  // What the AUTOMATIC1111 image of the gallery names, so its Recall resolves fully.
  writeModelFile(root, { name: 'dreamshaper_8', type: 'main', base: 'sd-1' });
  writeModelFile(root, { name: 'detail-tweaker', type: 'lora', base: 'sd-1' });
  fs.writeFileSync(path.join(root, 'outputs', 'images', CAT), withTextChunks(await svgPng(SCENES.cat), { parameters: A1111_PARAMETERS }));
  [server, firefox] = await Promise.all([startServer({ root }), launchFirefox()]);
});

/** Closes the test's browser context: the next page gets a fresh one (empty localStorage). */
async function freshContext(): Promise<void> {
  await context?.close();
  context = null;
}

afterEach(freshContext);

afterAll(async () => {
  await firefox?.close();
  await server?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions the page reported. */
  errors: string[];
}

async function openPage(queue: string, base = server.url): Promise<OpenPage> {
  context ??= await firefox.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/?queue=${queue}`);
  await live(page);
  return { page, errors };
}

const live = (page: Page, ms = 10_000) => eventually(async () => expect((await readPage(page)).connection).toBe('Live'), within(ms));
const recall = (queue: string, body: string | object) => postJson(`${server.url}/api/v1/recall/${queue}`, body);

/** What the page must show once the spec's complete configuration is applied. */
async function expectCompleteConfiguration(page: Page): Promise<void> {
  const view = await readPage(page);
  expect(view.fields).toMatchObject({
    'Positive prompt': 'masterpiece, detailed photo with specific style',
    'Negative prompt': 'blurry, low quality',
    'Main model': 'FLUX Schnell',
    Steps: '25',
    'CFG scale': '8',
    Seed: '42',
    Width: '1024',
    Height: '768',
    'Weight of add-detail-xl': '0.6',
    'Enable add-detail-xl': true,
  });
  expect(view.loras).toEqual(['add-detail-xl']);
  const layer = cardOf(view, 'ControlNet', 'controlnet-depth-sdxl-1.0');
  expect(layer.fields).toMatchObject({ Weight: '1', 'Begin step': '0', 'End step': '70', 'Control mode': 'Balanced' });
  expect(layer.images).toEqual([{ alt: 'depth_map.png', loaded: true }]);
  expect(view.canvas.label).toBe('Canvas 1024 × 768 with 1 visible layer');
  expect(view.canvas.layers).toEqual([{ alt: '', loaded: true }]);
  const ref = cardOf(view, 'IP Adapter', 'ip-adapter-plus-face_sd15');
  expect(ref.fields).toMatchObject({ Weight: '0.5', Method: 'Style only' });
  expect(ref.images).toEqual([{ alt: 'style_reference.png', loaded: true }]);
}

describe.skipIf(!hasFirefox)('web UI in Firefox ESR', () => {
  it('loads with no console errors and goes live', async () => {
    const { page, errors } = await openPage('ff-load');
    const version = await firefox.browser.version();
    expect(version).toMatch(/^firefox\/\d+/);
    await eventually(async () => expect(await page.$eval('button[title="Reload the model list"]', (b) => b.textContent)).toMatch(/^10 models/), within(3000));
    const view = await readPage(page);
    expect(view.lastRecall).toBe('No recall yet');
    expect(view.fields['Queue']).toBe('ff-load');
    expect(errors).toEqual([]);
  });

  it("shows the spec's complete configuration within a second of the POST", async () => {
    const q = 'ff-complete';
    const { page, errors } = await openPage(q);
    const start = Date.now();
    const res = await recall(q, SPEC_EXAMPLES.complete);
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([]);
    await eventually(() => expectCompleteConfiguration(page), start + 1000);
    const view = await readPage(page);
    expect(view.lastRecall).toBe('Recall #1');
    // "Live" shows once subscribed, before the first catch-up has answered: a POST in between is
    // applied by that catch-up (and its event then skipped), which is as good for the user.
    expect(view.notices).toMatch(/(Applied|Caught up to recall #1: applied) 8 parameters, 1 LoRA, 1 control layer, 1 IP adapter/);
    expect(errors).toEqual([]);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'firefox-complete-configuration.png') });
  });

  it('catches up on a recall sent while its socket was cut, once it reconnects', async () => {
    const q = 'ff-drop';
    const proxy = await startTcpProxy(server.url);
    try {
      const { page } = await openPage(q, proxy.url);
      await recall(q, { positive_prompt: 'before the drop' });
      await eventually(async () => expect((await readPage(page)).fields['Positive prompt']).toBe('before the drop'), within(1000));
      await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));

      proxy.cut();
      await eventually(async () => expect((await readPage(page)).connection).toMatch(/Offline|Connecting/), within(3000));
      expect((await recall(q, SPEC_EXAMPLES.complete)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await readPage(page)).fields['Positive prompt']).toBe('before the drop');

      proxy.restore();
      await eventually(async () => {
        expect((await readPage(page)).connection).toBe('Live');
        await expectCompleteConfiguration(page);
      }, within(10_000));
      expect((await readPage(page)).lastRecall).toBe('Recall #2');
      // Reconnected in place: the same document, not a reload.
      expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
    } finally {
      await freshContext();
      await proxy.close();
    }
  });

  it("keeps the user's own edits across a reload, and still applies later recalls", async () => {
    const q = 'ff-reload';
    const { page, errors } = await openPage(q);
    await recall(q, { positive_prompt: 'recalled prompt', steps: 20, loras: [{ model_name: 'add-detail-xl', weight: 0.8 }] });
    await eventually(async () => expect((await readPage(page)).fields['Positive prompt']).toBe('recalled prompt'), within(1000));

    await typeInto(page, 'Positive prompt', 'my own prompt, typed in Firefox');
    await typeInto(page, 'Steps', '33');
    await typeInto(page, 'Width', '1000');
    await page.keyboard.press('Enter');
    await (await control(page, 'Enable add-detail-xl')).click();
    await eventually(async () => expect((await readPage(page)).saveState).toBe('Saved'), within(3000));

    await page.reload();
    await live(page);
    await eventually(async () => {
      expect((await readPage(page)).fields).toMatchObject({ 'Positive prompt': 'my own prompt, typed in Firefox', Steps: '33', Width: '1000', 'Enable add-detail-xl': false });
    }, within(5000));

    await recall(q, { seed: 4242 });
    await eventually(async () => expect((await readPage(page)).fields['Seed']).toBe('4242'), within(1000));
    expect((await readPage(page)).fields['Positive prompt']).toBe('my own prompt, typed in Firefox');

    // An edit typed just before leaving is sent as the page unloads (a keepalive fetch on pagehide).
    await typeInto(page, 'Negative prompt', 'typed right before the reload');
    await page.reload();
    await live(page);
    await eventually(async () => expect((await readPage(page)).fields['Negative prompt']).toBe('typed right before the reload'), within(5000));
    expect(errors).toEqual([]);
  });

  it('lists an image with its thumbnail in the gallery, and Recall from it applies its parameters', async () => {
    const { page, errors } = await openPage('ff-gallery');
    await (await control(page, 'Gallery')).click();
    const option = `[role="listbox"][aria-label="Images in outputs/images, newest first"] [role="option"][title^="${CAT} "]`;
    const thumbLoaded = () => page.$eval(option, (el) => [...el.querySelectorAll('img')].map((img) => img.complete && img.naturalWidth > 0));
    await eventually(async () => expect(await thumbLoaded()).toEqual([true]), within(3000));
    expect(await page.$eval(option, (el) => el.textContent)).toBe(CAT);

    await page.click(option);
    await eventually(async () => expect(await page.$eval('[role="region"][aria-label="Selected image"]', (el) => el.textContent)).toContain('Written by AUTOMATIC1111 v1.9.4'), within(2000));
    const recallButton = await control(page, 'Recall');
    await eventually(async () => expect(await recallButton.evaluate((b) => (b as HTMLButtonElement).disabled)).toBe(false), within(2000));
    const start = Date.now();
    await recallButton.click();
    await eventually(async () => {
      const view = await readPage(page);
      expect(view.fields).toMatchObject({
        'Positive prompt': 'a cat wearing a tiny hat, studio light',
        'Negative prompt': 'ugly, lowres',
        Steps: '25',
        'CFG scale': '7',
        Seed: '987654',
        Width: '512',
        Height: '768',
        'Main model': 'dreamshaper_8',
        Scheduler: 'DPM++ 2M Karras',
        'Weight of detail-tweaker': '0.8',
      });
    }, start + 1000);
    await eventually(async () => expect((await readPage(page)).notices).toContain(`Recalled ${CAT} (AUTOMATIC1111 v1.9.4)`), within(1000));
    expect(errors).toEqual([]);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'firefox-gallery.png') });
  });

  it('fits 1280 × 800 with a full recall on the page: no sideways scrolling, every panel in view', async () => {
    expect((await recall('ff-layout', SPEC_EXAMPLES.complete)).status).toBe(200);
    const { page } = await openPage('ff-layout');
    await eventually(() => expectCompleteConfiguration(page), within(3000));
    const layout = await layoutAt(page);
    expect(layout.viewport).toEqual({ width: 1280, height: 800 });
    expect(layout.overflowX).toBe(false);
    expect(layout.overflowY).toBe(false);
    for (const [name, box] of Object.entries(layout.regions)) {
      expect(box, name).not.toBeNull();
      expect(box!.visible, name).toBe(true);
      expect(box!.left, name).toBeGreaterThanOrEqual(0);
      expect(box!.right, name).toBeLessThanOrEqual(1280);
      expect(box!.top, name).toBeLessThan(800);
      expect(box!.width, name).toBeGreaterThan(150);
      expect(box!.height, name).toBeGreaterThan(40);
    }
    // Three columns side by side, the canvas between the others.
    const { generation, canvas, loras } = layout.regions;
    expect(generation!.right).toBeLessThanOrEqual(canvas!.left);
    expect(canvas!.right).toBeLessThanOrEqual(loras!.left);
    // The columns scroll on their own; their scrollbars follow the dark theme rather than being
    // drawn as near-white bars (Firefox's default for a thin scrollbar here).
    for (const column of ['.column-left', '.column-center']) {
      const brightness = await scrollbarBrightness(page, column);
      if (brightness !== null) expect(brightness, column).toBeLessThan(160);
    }
  });

  it('sent nothing off this machine while the suite ran', () => {
    expect(firefox.outbound()).toEqual([]);
  });
});
