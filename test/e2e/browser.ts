import fs from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded build); RECALL_CHROMIUM points elsewhere. */
export const CHROMIUM_PATH = process.env.RECALL_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the suite can run; outside CI a missing browser skips it with a notice, in CI it fails. */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`${message}: the browser suite cannot be skipped in CI`);
  console.warn(`[e2e] ${message}; skipping the browser suite`);
  return false;
}

/** Headless Chromium; Playwright gives it a fresh temporary profile of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Retries assertions until they pass or the deadline (ms since the epoch) passes; rethrows the last failure. */
export async function eventually(check: () => Promise<void>, deadline: number, interval = 20): Promise<void> {
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

export const within = (ms: number) => Date.now() + ms;

/** The visible text of a select's chosen option. */
export const selectedText = (select: Locator) => select.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');

/** Whether an <img> has loaded real pixels. */
export const imageLoaded = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);

/** A card (layer or reference image) by the text of its heading. */
export const card = (page: Page, ...texts: string[]) => {
  let loc = page.locator('section.card');
  for (const t of texts) loc = loc.filter({ has: page.locator('h3', { hasText: t }) });
  return loc;
};

export const connection = (page: Page) => page.getByRole('status', { name: 'Connection' });

/** How many form controls and buttons there are, and those without an accessible name (label, aria-label, aria-labelledby or text). */
export const unlabelledControls = (page: Page) =>
  page.evaluate(() => {
    const all = [...document.querySelectorAll('input, select, textarea, button')];
    const unlabelled = all
      .filter((el) => {
        const named = el.getAttribute('aria-label')?.trim() || el.getAttribute('aria-labelledby');
        if (named) return false;
        if (el instanceof HTMLButtonElement) return !el.textContent?.trim();
        return !(el as HTMLInputElement).labels?.length;
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return { total: all.length, unlabelled };
  });
