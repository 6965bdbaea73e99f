import type { ElementHandle, Page } from 'puppeteer-core';
import sharp from 'sharp';

/*
 * What the Firefox suite reads from and does to the page. puppeteer has no getByLabel, so controls
 * are found by their accessible name (aria-label, aria-labelledby or <label>) in the page itself,
 * the same names the Chromium suite uses; one evaluate reads the whole page at once, which keeps
 * the WebDriver BiDi round trips few.
 */

export interface ImageView {
  alt: string;
  /** Loaded with real pixels: complete and naturalWidth > 0. */
  loaded: boolean;
}

export interface CardView {
  /** The heading's text, e.g. "ControlNet controlnet-depth-sdxl-1.0 recalled". */
  title: string;
  fields: Record<string, string | boolean>;
  images: ImageView[];
}

export interface PageView {
  connection: string;
  lastRecall: string;
  saveState: string;
  notices: string;
  /** Controls outside the layer and reference image cards, by accessible name. */
  fields: Record<string, string | boolean>;
  cards: CardView[];
  loras: string[];
  canvas: { label: string; layers: ImageView[] };
}

/** Reads the page. Select values are their chosen option's text; checkboxes are booleans. */
export function readPage(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    const nameOf = (el: Element): string => {
      const aria = el.getAttribute('aria-label');
      if (aria) return aria;
      const by = el.getAttribute('aria-labelledby');
      if (by) return text(document.getElementById(by));
      return text((el as HTMLInputElement).labels?.[0]);
    };
    const valueOf = (el: Element): string | boolean => {
      if (el instanceof HTMLSelectElement) return text(el.selectedOptions[0]);
      if (el instanceof HTMLInputElement && el.type === 'checkbox') return el.checked;
      return (el as HTMLInputElement).value;
    };
    const fieldsIn = (root: ParentNode, skip: (el: Element) => boolean) => {
      const out: Record<string, string | boolean> = {};
      for (const el of root.querySelectorAll('input, select, textarea')) if (!skip(el)) out[nameOf(el)] = valueOf(el);
      return out;
    };
    const image = (img: HTMLImageElement) => ({ alt: img.alt, loaded: img.complete && img.naturalWidth > 0 });
    const stage = document.querySelector('.stage');
    return {
      connection: text(document.querySelector('[role="status"][aria-label="Connection"]')),
      lastRecall: text(document.querySelector('[aria-label="Last recall"]')),
      saveState: text(document.querySelector('[role="status"][aria-label="Save state"]')),
      notices: text(document.querySelector('[aria-label="Notices"]')),
      fields: fieldsIn(document, (el) => el.closest('section.card') !== null),
      cards: [...document.querySelectorAll('section.card')].map((card) => ({
        title: text(card.querySelector('h3')),
        fields: fieldsIn(card, () => false),
        images: [...card.querySelectorAll('img')].map(image),
      })),
      loras: [...document.querySelectorAll('.lora-row .lora-name')].map(text),
      canvas: { label: stage?.getAttribute('aria-label') ?? '', layers: [...(stage?.querySelectorAll('img') ?? [])].map(image) },
    };
  });
}

/** The one card whose heading contains every text given; throws if there is not exactly one. */
export function cardOf(view: PageView, ...texts: string[]): CardView {
  const found = view.cards.filter((c) => texts.every((t) => c.title.includes(t)));
  if (found.length !== 1) throw new Error(`expected one card with ${texts.join(' + ')}, found ${found.length}: ${view.cards.map((c) => c.title).join(' | ')}`);
  return found[0]!;
}

/** A form control or button by its exact accessible name. */
export async function control(page: Page, name: string): Promise<ElementHandle<Element>> {
  const handle = await page.evaluateHandle((name) => {
    const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    return (
      [...document.querySelectorAll('input, select, textarea, button')].find((el) => {
        const aria = el.getAttribute('aria-label');
        if (aria) return aria === name;
        const by = el.getAttribute('aria-labelledby');
        if (by) return text(document.getElementById(by)) === name;
        const label = (el as HTMLInputElement).labels?.[0];
        return label ? text(label) === name : el instanceof HTMLButtonElement && text(el) === name;
      }) ?? null
    );
  }, name);
  const el = handle.asElement();
  if (!el) throw new Error(`no control named "${name}" on the page`);
  return el as ElementHandle<Element>;
}

/** Replaces a field's text as a user does: click into it, select all, type. */
export async function typeInto(page: Page, name: string, value: string): Promise<void> {
  const el = await control(page, name);
  await el.click();
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.type(value);
}

/** Whether the document scrolls sideways, and each main region's box in the viewport. */
export function layoutAt(page: Page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const box = (selector: string) => {
      const el = document.querySelector(selector);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height, visible: el.checkVisibility() };
    };
    return {
      viewport: { width: innerWidth, height: innerHeight },
      overflowX: doc.scrollWidth > doc.clientWidth,
      overflowY: doc.scrollHeight > doc.clientHeight,
      regions: {
        topBar: box('.top-bar'),
        generation: box('.generation-panel'),
        canvas: box('.canvas-panel'),
        stage: box('.stage'),
        loras: box('.loras-panel'),
        refImages: box('.ref-images-panel'),
      },
    };
  });
}

/**
 * The brightest pixel (0–255, highest channel) of the classic scrollbar beside a scrolling element,
 * from a real screenshot; null when the element has no scrollbar taking space (overlay scrollbars).
 * Only its top 400 px, where the thumb of an unscrolled element is and no notice covers it.
 */
export async function scrollbarBrightness(page: Page, selector: string): Promise<number | null> {
  const strip = await page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const left = r.left + el.clientLeft + el.clientWidth;
    const right = r.right - parseFloat(getComputedStyle(el).borderRightWidth);
    return { left: Math.ceil(left), width: Math.floor(right - left), top: Math.ceil(r.top + el.clientTop), height: Math.floor(Math.min(el.clientHeight, 400)) };
  });
  if (strip.width < 2 || strip.height < 2) return null;
  const png = await page.screenshot({ type: 'png' });
  const { data, info } = await sharp(png).extract(strip).raw().toBuffer({ resolveWithObject: true });
  let max = 0;
  for (let i = 0; i < data.length; i += info.channels) max = Math.max(max, data[i]!, data[i + 1]!, data[i + 2]!);
  return max;
}
