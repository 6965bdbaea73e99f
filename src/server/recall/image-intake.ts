import type { Logger } from 'pino';
import type { RecallParameters, RecallWarning, StoredRecallParameters } from '../../shared/recall.js';
import { AppError } from '../errors.js';
import { UrlRefusedError } from '../images/fetcher.js';
import type { ImageService } from '../images/service.js';

/** List fields whose entries may carry an image. */
const IMAGE_LISTS = ['control_layers', 'ip_adapters', 'reference_images'] as const;
/** URLs fetched at once within one recall. */
const FETCH_CONCURRENCY = 4;

interface EntryImage {
  image_name?: string | null;
  image_url?: string | null;
  image_base64?: string | null;
}

export interface IntakeResult {
  params: StoredRecallParameters;
  warnings: RecallWarning[];
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Whether a recall gives any image by URL or as base64, so that `takeInImages` has work to do. */
export function needsImageIntake(params: RecallParameters): boolean {
  return IMAGE_LISTS.some((field) => params[field]?.some((e: EntryImage) => e.image_url || e.image_base64) ?? false);
}

/**
 * Brings the images a recall gives by URL or as base64 into outputs/images, before anything is
 * stored, and answers the recall as it is stored: each such entry then names its image, keeping the
 * URL it came from. Bad base64 fails the request (400, 413: the client sent it); a refused or failed
 * URL is a warning like a missing image and the rest of the recall applies (issue 4).
 */
export async function takeInImages(params: RecallParameters, images: ImageService, log: Logger): Promise<IntakeResult> {
  if (!needsImageIntake(params)) return { params: params as StoredRecallParameters, warnings: [] };
  const entries: { field: (typeof IMAGE_LISTS)[number]; index: number; entry: EntryImage }[] = [];
  for (const field of IMAGE_LISTS) {
    params[field]?.forEach((entry, index) => entries.push({ field, index, entry }));
  }

  // Decode every base64 image before storing any, so bad text fails the request with nothing written.
  const decoded = new Map<EntryImage, Uint8Array>();
  for (const { field, index, entry } of entries) {
    if (entry.image_base64) decoded.set(entry, images.decodeBase64(entry.image_base64, ['body', field, index, 'image_base64']));
  }
  const names = new Map<EntryImage, string>();
  for (const { field, index, entry } of entries) {
    const bytes = decoded.get(entry);
    if (!bytes) continue;
    try {
      const info = await images.store(bytes);
      log.info(`Stored the base64 image of ${field}[${index}] as ${info.name} (${info.width}x${info.height})`);
      names.set(entry, info.name);
    } catch (err) {
      if (err instanceof AppError) throw new AppError(err.code, `${field}.${index}.image_base64: ${err.message}`);
      throw err;
    }
  }

  // Each distinct URL is fetched once per recall.
  const urls = [...new Set(entries.map((e) => e.entry.image_url).filter((u): u is string => Boolean(u)))];
  const fetched = new Map<string, { name: string } | { refused: string }>();
  await mapLimited(urls, FETCH_CONCURRENCY, async (url) => {
    try {
      const info = await images.storeFromUrl(url);
      log.info(`Fetched image ${url} into ${info.name} (${info.width}x${info.height})`);
      fetched.set(url, { name: info.name });
    } catch (err) {
      if (!(err instanceof UrlRefusedError)) throw err;
      log.warn(`Image URL refused: ${url}: ${err.message}`);
      fetched.set(url, { refused: err.message });
    }
  });

  const warnings: RecallWarning[] = [];
  const stored = { ...params } as Record<string, unknown>;
  for (const field of IMAGE_LISTS) {
    const list = params[field];
    if (!list) continue;
    stored[field] = list.map((entry: EntryImage, index) => {
      const { image_base64: _data, ...rest } = entry;
      if (names.has(entry)) return { ...rest, image_name: names.get(entry) };
      if (!entry.image_url) return rest;
      const result = fetched.get(entry.image_url)!;
      if ('name' in result) return { ...rest, image_name: result.name };
      warnings.push({
        field: `${field}.${index}.image_url`,
        code: 'IMAGE_FETCH_FAILED',
        message: `Image URL refused: ${entry.image_url}: ${result.refused}; skipping the image of ${field}[${index}]`,
      });
      return rest;
    });
  }
  return { params: stored as StoredRecallParameters, warnings };
}
