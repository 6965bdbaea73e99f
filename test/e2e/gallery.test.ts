import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeAgedFile, writeModelFile } from '../helpers/fixtures.js';
import { fillerPng, invokeAiMetadataWithLists, SCENES, svgJpeg, svgPng, withTextChunks } from '../helpers/gallery-images.js';
import { A1111_PARAMETERS } from '../helpers/generated-images.js';
import { makeTempRoot, REPO_ROOT, startServer, type ChildServer } from '../helpers/server.js';
import { chromiumAvailable, connection, eventually, imageLoaded, launchChromium, selectedText, unlabelledControls, within } from './browser.js';

/*
 * The gallery and image drop in headless Chromium against the real built server (issue 4, "The
 * command line and the UI"): images written by the test, listed with thumbnails; their metadata;
 * Recall and Remix through from_image, seen on the page through the normal socket path; a dropped
 * file recalled, and each way a drop can fail explained.
 */

const WEB_INDEX = path.join(REPO_ROOT, 'dist', 'web', 'index.html');
const SCREENSHOT = 'screenshot-gallery.png';
const SCREENSHOT_DIR = process.env.RECALL_UPDATE_SCREENSHOTS ? path.join(REPO_ROOT, 'docs') : path.join(REPO_ROOT, 'test-results');
/** Small enough that a test image can pass it; the server answers 413 past it. */
const UPLOAD_LIMIT = 256 * 1024;
const FILLERS = 44;

const hasChromium = chromiumAvailable();

let server: ChildServer;
let browser: Browser;
let context: BrowserContext | null = null;
let root: string | undefined;
let images: string;

const put = (name: string, bytes: Buffer, ageSeconds: number) => writeAgedFile(images, name, bytes, ageSeconds);

const LIGHTHOUSE = 'invoke-lighthouse.png';
const CAT = 'a1111-cat.png';
const MOUNTAINS = 'mountains.jpg';

beforeAll(async () => {
  if (!hasChromium) return;
  if (!fs.existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run \`npm run build\` first`);
  root = makeTempRoot('recall-gallery-e2e-');
  images = path.join(root, 'outputs', 'images');
  for (const [name, type, base] of [
    ['juggernaut', 'main', 'sdxl'],
    ['detail', 'lora', 'sdxl'],
    ['canny-sdxl', 'controlnet', 'sdxl'],
    ['ip-adapter-sdxl', 'ip_adapter', 'sdxl'],
    ['dreamshaper_8', 'main', 'sd-1'],
    ['detail-tweaker', 'lora', 'sd-1'],
  ] as const) {
    writeModelFile(root, { name, type, base });
  }
  const [lighthouse, cat, mountains, control, face] = await Promise.all([svgPng(SCENES.lighthouse), svgPng(SCENES.cat), svgJpeg(SCENES.mountains), fillerPng(3), fillerPng(7)]);
  put(LIGHTHOUSE, withTextChunks(lighthouse, { invokeai_metadata: JSON.stringify(invokeAiMetadataWithLists()) }), 10);
  put(CAT, withTextChunks(cat, { parameters: A1111_PARAMETERS }), 20);
  put(MOUNTAINS, mountains, 30);
  put('control.png', control, 40);
  put('face.png', face, 50);
  const fillers = await Promise.all(Array.from({ length: FILLERS }, (_, i) => fillerPng(i)));
  fillers.forEach((bytes, i) => put(`older-${String(i).padStart(2, '0')}.png`, bytes, 1000 + i));
  [server, browser] = await Promise.all([startServer({ root, args: ['--upload-limit', String(UPLOAD_LIMIT), '--no-hash'] }), launchChromium()]);
});

afterEach(async () => {
  await context?.close();
  context = null;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function openPage(queue: string): Promise<Page> {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/?queue=${queue}`);
  await eventually(async () => expect(await connection(page).textContent()).toContain('Live'), within(10_000));
  return page;
}

async function openGallery(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Gallery' }).click();
  await eventually(async () => expect(await options(page).count()).toBeGreaterThan(0), within(3000));
}

const value = (page: Page, label: string) => page.getByLabel(label, { exact: true }).inputValue();
const grid = (page: Page) => page.getByRole('listbox', { name: 'Images in outputs/images, newest first' });
const options = (page: Page) => grid(page).getByRole('option');
const option = (page: Page, name: string) => grid(page).getByRole('option', { name, exact: true });
const details = (page: Page) => page.getByRole('region', { name: 'Selected image' });
const notices = (page: Page) => page.getByRole('region', { name: 'Notices' });
const optionNames = (page: Page) => options(page).evaluateAll((els) => els.map((e) => e.textContent));

/** Dispatches a real drop of one file (built in the page from these bytes) on an element, as a browser does. */
async function dropFile(page: Page, file: { name: string; type: string; bytes: Buffer }, selector = '.column-center'): Promise<void> {
  await page.evaluate(
    ({ name, type, b64, selector }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], name, { type }));
      const target = document.querySelector(selector)!;
      for (const kind of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: data }));
    },
    { name: file.name, type: file.type, b64: file.bytes.toString('base64'), selector },
  );
}

describe.skipIf(!hasChromium)('gallery in Chromium', () => {
  it("lists outputs/images newest first with thumbnails, pages on, and shows the selected image's metadata", async () => {
    const page = await openPage('gallery-list');
    await openGallery(page);
    const names = await optionNames(page);
    expect(names.slice(0, 5)).toEqual([LIGHTHOUSE, CAT, MOUNTAINS, 'control.png', 'face.png']);
    expect(names).toHaveLength(40);
    for (const name of [LIGHTHOUSE, CAT, MOUNTAINS]) {
      await eventually(async () => expect(await imageLoaded(option(page, name).locator('img'))).toBe(true), within(3000));
    }
    await expect(page.getByRole('heading', { name: 'Gallery (49)' }).count()).resolves.toBe(1);

    // Scrolling to the end loads the next page.
    await page.locator('.gallery-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await eventually(async () => expect(await options(page).count()).toBe(49), within(3000));

    await option(page, LIGHTHOUSE).click();
    const d = details(page);
    await eventually(async () => expect(await d.textContent()).toContain('Written by InvokeAI 5.6.0'), within(2000));
    const text = (await d.textContent())!;
    for (const expected of [
      'a lighthouse at dusk, oil painting',
      'blurry',
      'Modeljuggernaut',
      'SchedulerDPM++ 2M Karras',
      'Steps30',
      'CFG scale6.5',
      'Seed1234567',
      'Size1024 × 768',
      'LoRAs (1)detail · weight 0.6',
      'Control layers (1)canny-sdxl · weight 0.7 · steps 0%–80% · balanced · control.png',
      'Reference images (1)ip-adapter-sdxl · weight 0.5 · steps 0%–100% · method style · face.png',
      'Not mapped to a recall setting',
    ]) {
      expect(text).toContain(expected);
    }
    expect(await imageLoaded(d.getByRole('img', { name: LIGHTHOUSE }))).toBe(true);

    // The arrow keys move the selection, and the metadata follows.
    await grid(page).press('ArrowRight');
    await eventually(async () => expect(await d.textContent()).toContain('Written by AUTOMATIC1111 v1.9.4'), within(2000));
    expect(await option(page, CAT).getAttribute('aria-selected')).toBe('true');
    await grid(page).press('ArrowRight');
    await eventually(async () => expect(await d.textContent()).toContain('No generation metadata in this image'), within(2000));
    expect(await page.getByRole('button', { name: 'Recall', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Remix', exact: true }).isDisabled()).toBe(true);

    // An image written after the list was read shows after Refresh, first.
    put('just-written.png', await fillerPng(99), 0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await eventually(async () => expect((await optionNames(page))[0]).toBe('just-written.png'), within(2000));

    fs.unlinkSync(path.join(images, 'just-written.png'));

    const controls = await unlabelledControls(page);
    expect(controls.unlabelled).toEqual([]);

    // Escape closes the drawer and gives focus back to its button.
    await grid(page).press('Escape');
    expect(await grid(page).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('gallery-toggle');
  });

  it('recalls an image within a second, and remixes one without changing the seed', async () => {
    const page = await openPage('gallery-recall');
    await openGallery(page);

    await option(page, CAT).click();
    const recallButton = page.getByRole('button', { name: 'Recall', exact: true });
    await eventually(async () => expect(await recallButton.isEnabled()).toBe(true), within(2000));
    let start = Date.now();
    await recallButton.click();
    await eventually(async () => {
      expect(await value(page, 'Positive prompt')).toBe('a cat wearing a tiny hat, studio light');
      expect(await value(page, 'Negative prompt')).toBe('ugly, lowres');
      expect([await value(page, 'Steps'), await value(page, 'CFG scale'), await value(page, 'Seed')]).toEqual(['25', '7', '987654']);
      expect([await value(page, 'Width'), await value(page, 'Height')]).toEqual(['512', '768']);
      expect(await selectedText(page.getByLabel('Main model', { exact: true }))).toBe('dreamshaper_8');
      expect(await selectedText(page.getByLabel('Scheduler', { exact: true }))).toBe('DPM++ 2M Karras');
      expect(await value(page, 'Weight of detail-tweaker')).toBe('0.8');
    }, start + 1000);
    await eventually(async () => expect(await notices(page).textContent()).toContain(`Recalled ${CAT} (AUTOMATIC1111 v1.9.4)`), within(1000));

    await option(page, LIGHTHOUSE).click();
    const remixButton = page.getByRole('button', { name: 'Remix', exact: true });
    await eventually(async () => expect(await details(page).textContent()).toContain('Written by InvokeAI'), within(2000));
    start = Date.now();
    await remixButton.click();
    await eventually(async () => {
      expect(await value(page, 'Positive prompt')).toBe('a lighthouse at dusk, oil painting');
      expect([await value(page, 'Steps'), await value(page, 'CFG scale')]).toEqual(['30', '6.5']);
      expect(await selectedText(page.getByLabel('Main model', { exact: true }))).toBe('juggernaut');
      expect(await value(page, 'Weight of detail')).toBe('0.6');
    }, start + 1000);
    expect(await value(page, 'Seed')).toBe('987654');
    await eventually(async () => expect(await notices(page).textContent()).toContain(`Remixed ${LIGHTHOUSE} (InvokeAI 5.6.0): everything but the seed`), within(1000));

    // A plain Recall of the same image does set its seed.
    start = Date.now();
    await recallButton.click();
    await eventually(async () => expect(await value(page, 'Seed')).toBe('1234567'), start + 1000);

    await eventually(async () => expect(await page.getByRole('status', { name: 'Save state' }).textContent()).toBe('Saved'), within(3000));
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, SCREENSHOT) });
  });

  it('recalls an image file dropped on the page, shows it in the gallery, and says why a drop failed', async () => {
    const page = await openPage('gallery-drop');
    await openGallery(page);
    const fox = withTextChunks(await svgPng(SCENES.fox), {
      parameters: 'a fox in the snow, morning light\nNegative prompt: city\nSteps: 22, Sampler: Euler a, CFG scale: 5.5, Seed: 555, Size: 768x512, Model: dreamshaper_8, Version: v1.10.1',
    });

    // While a file is dragged over the page, it says what a drop does.
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'x.png', { type: 'image/png' }));
      document.querySelector('.column-left')!.dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: data }));
    });
    expect(await page.locator('.drop-overlay').textContent()).toContain('Drop an image to recall it');

    const start = Date.now();
    await dropFile(page, { name: 'fox.png', type: 'image/png', bytes: fox });
    await eventually(async () => {
      expect(await value(page, 'Positive prompt')).toBe('a fox in the snow, morning light');
      expect([await value(page, 'Seed'), await value(page, 'Steps')]).toEqual(['555', '22']);
      expect(await selectedText(page.getByLabel('Scheduler', { exact: true }))).toBe('Euler Ancestral');
    }, start + 1500);
    expect(await page.locator('.drop-overlay').count()).toBe(0);
    await eventually(async () => {
      const text = await notices(page).textContent();
      expect(text).toContain('Recalled fox.png (AUTOMATIC1111 v1.10.1)');
      expect(text).toMatch(/Stored as [0-9a-f-]{36}\.png in outputs\/images/);
    }, within(1000));
    // The gallery reads outputs/images again: the upload is first, and selected.
    await eventually(async () => {
      const first = options(page).first();
      expect(await first.getAttribute('aria-selected')).toBe('true');
      expect(await first.textContent()).toMatch(/^[0-9a-f-]{36}\.png$/);
      expect(await details(page).textContent()).toContain('a fox in the snow, morning light');
    }, within(2000));

    const failures: [{ name: string; type: string; bytes: Buffer }, string][] = [
      [{ name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('just text') }, 'notes.txt is not an image'],
      [{ name: 'broken.png', type: 'image/png', bytes: Buffer.from('not really a PNG') }, 'broken.png is not an image Recall can read'],
      [{ name: 'no-metadata.png', type: 'image/png', bytes: await svgPng(SCENES.mountains) }, 'no-metadata.png has no generation metadata to recall'],
      [
        { name: 'huge.png', type: 'image/png', bytes: await sharp({ create: { width: 400, height: 400, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer() },
        'huge.png is too large to upload',
      ],
    ];
    for (const [file, message] of failures) {
      await dropFile(page, file);
      await eventually(async () => expect(await notices(page).textContent()).toContain(message), within(2000));
    }
    // None of them changed the page.
    expect(await value(page, 'Positive prompt')).toBe('a fox in the snow, morning light');
  });
});
