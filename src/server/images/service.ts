import type { Readable } from 'node:stream';
import type { ImageList, ImageRecord, ImageRef } from '../../shared/images.js';
import { zImageMetadata, type ImageMetadataResponse } from '../../shared/metadata.js';
import { isMetadataReadError, parseImageMetadata } from '../../metadata/index.js';
import { AppError, invalidField } from '../errors.js';
import { Base64ImageError, decodeImageBase64 } from './base64.js';
import { UrlRefusedError, type ImageFetcher } from './fetcher.js';
import { NotAnImageError, type ImageInfo, type ImageRepository } from './repository.js';

export interface UploadOptions {
  image_category: ImageRecord['image_category'];
  is_intermediate: boolean;
  board_id?: string | undefined;
  session_id?: string | undefined;
}

/** Largest file whose metadata is read: far above any real image, it bounds the memory one request takes. */
export const METADATA_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Parsed metadata kept per image; a gallery page shows a few dozen, so this covers many pages. */
const METADATA_CACHE_ENTRIES = 500;

export interface ImageIntakeOptions {
  /** Fetches image URLs; without one, every URL is refused. */
  fetcher?: ImageFetcher;
  /** Largest image taken from base64 (the upload limit). */
  uploadLimit?: number;
}

/** Image rules: records in InvokeAI's shape, measurement for recall, safe upload, URLs and base64. */
export class ImageService {
  private readonly uploadLimit: number;
  /** Parsed metadata by image name, valid while the file keeps the same size and mtime; oldest use first. */
  private readonly metadataCache = new Map<string, { stamp: string; metadata: ImageMetadataResponse }>();
  constructor(
    private readonly repo: ImageRepository,
    private readonly intake: ImageIntakeOptions = {},
  ) {
    this.uploadLimit = intake.uploadLimit ?? 50 * 1024 * 1024;
  }

  /** The bytes of an image in outputs/images (for reading its metadata), through the repository's safe open. */
  async read(name: string): Promise<Uint8Array> {
    const read = await this.repo.readFile(name, this.uploadLimit);
    if (read.status === 'absent') throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${name}`);
    if (read.status === 'too_large') throw new AppError('RECALL_ERR_PAYLOAD_TOO_LARGE', `${name} is larger than the upload limit`);
    return read.bytes;
  }

  /** Stores bytes under a new unique name after checking they are a decodable image (400 otherwise). */
  async store(bytes: Uint8Array): Promise<ImageInfo> {
    try {
      return await this.repo.save(bytes);
    } catch (err) {
      if (err instanceof NotAnImageError) throw new AppError('RECALL_ERR_NOT_AN_IMAGE', err.message);
      throw err;
    }
  }

  /**
   * Decodes base64 (or a data: URL) from the request at `loc`: 400 for text that is not base64 or
   * not an image type, 413 past the upload limit.
   */
  decodeBase64(text: string, loc: (string | number)[]): Uint8Array {
    try {
      return decodeImageBase64(text, this.uploadLimit);
    } catch (err) {
      if (!(err instanceof Base64ImageError)) throw err;
      if (err.kind === 'too_large') throw new AppError('RECALL_ERR_PAYLOAD_TOO_LARGE', `${loc.join('.')}: ${err.message}`);
      throw invalidField(loc, `${loc.at(-1)} ${err.message}`);
    }
  }

  /** Fetches an image URL under the fetch policy; throws UrlRefusedError, never stores anything. */
  async fetch(url: string): Promise<Uint8Array> {
    if (!this.intake.fetcher) throw new UrlRefusedError('scheme', 'fetching image URLs is not enabled');
    return (await this.intake.fetcher.fetch(url)).bytes;
  }

  /** Fetches an image URL and stores it; a body that is not a decodable image is a refusal too. */
  async storeFromUrl(url: string): Promise<ImageInfo> {
    const bytes = await this.fetch(url);
    try {
      return await this.repo.save(bytes);
    } catch (err) {
      if (err instanceof NotAnImageError) throw new UrlRefusedError('not_an_image', err.message);
      throw err;
    }
  }

  /** `{image_name, width, height}` for a recall entry, or null when the image is missing or unreadable. */
  async measure(name: string): Promise<ImageRef | null> {
    const info = await this.repo.info(name);
    return info ? refOf(info) : null;
  }

  /**
   * What `measure` would answer from what is already known, without waiting: null when the image
   * was not measured, or its file changed since (re-checked as `measure` does, at most once a second).
   */
  measured(name: string): ImageRef | null {
    const info = this.repo.cachedInfo(name);
    return info ? refOf(info) : null;
  }

  /**
   * The generation metadata of an image in outputs/images (issue 4, the web UI's gallery): 404 when
   * there is no such image, 422 with the reason when its file cannot be read as a PNG, JPEG or WebP.
   */
  async metadata(name: string): Promise<ImageMetadataResponse> {
    // A fresh stat, not the header cache: an edited file must be read again at once.
    const now = await this.repo.stamp(name);
    const cached = this.metadataCache.get(name);
    if (now && cached?.stamp === stampOf(now.size, now.mtimeMs)) {
      this.metadataCache.delete(name);
      this.metadataCache.set(name, cached);
      return cached.metadata;
    }
    // Read even when `info` failed: a file whose header is broken is damaged (422), not missing (404).
    const file = await this.repo.readFile(name, METADATA_MAX_FILE_BYTES);
    if (file.status === 'absent') throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${name}`);
    if (file.status === 'too_large') {
      throw new AppError('RECALL_ERR_METADATA_UNREADABLE', `cannot read the metadata of ${name}: the file is too large (${file.size} bytes; at most ${METADATA_MAX_FILE_BYTES})`);
    }
    let read;
    try {
      read = await parseImageMetadata(file.bytes);
    } catch (err) {
      if (!isMetadataReadError(err)) throw err;
      throw new AppError('RECALL_ERR_METADATA_UNREADABLE', `cannot read the metadata of ${name}: ${err.message}`);
    }
    // The parsers keep to the recall schema; this fills list entries' defaults, as a recall would.
    const checked = zImageMetadata.safeParse(read);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new AppError('RECALL_ERR_METADATA_UNREADABLE', `the metadata of ${name} does not fit the recall schema: ${issue.path.join('.')}: ${issue.message}`);
    }
    const metadata = checked.data;
    this.metadataCache.set(name, { stamp: stampOf(file.size, file.mtimeMs), metadata });
    if (this.metadataCache.size > METADATA_CACHE_ENTRIES) this.metadataCache.delete(this.metadataCache.keys().next().value!);
    return metadata;
  }

  async record(name: string, extra: Partial<UploadOptions> = {}): Promise<ImageRecord> {
    const info = await this.repo.info(name);
    if (!info) throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${name}`);
    return toRecord(info, extra);
  }

  async list(offset: number, limit: number): Promise<ImageList> {
    const all = await this.repo.list();
    const page = all.slice(offset, offset + limit);
    const infos = await Promise.all(page.map((f) => this.repo.info(f.name)));
    return {
      items: infos.filter((i): i is ImageInfo => i !== null).map((i) => toRecord(i)),
      offset,
      limit,
      total: all.length,
    };
  }

  async upload(bytes: Uint8Array, options: UploadOptions): Promise<ImageRecord> {
    return toRecord(await this.store(bytes), options);
  }

  /** The image's bytes as a stream, with their size and type. */
  async file(name: string): Promise<{ stream: Readable; size: number; mime: string }> {
    const file = await this.repo.open(name);
    if (!file) throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${name}`);
    return file;
  }

  async thumbnail(name: string): Promise<Buffer> {
    const data = await this.repo.thumbnail(name);
    if (!data) throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${name}`);
    return data;
  }
}

const stampOf = (size: number, mtimeMs: number) => `${size}:${mtimeMs}`;

/** What a recall entry says about an image. */
export const refOf = (info: ImageInfo): ImageRef => ({ image_name: info.name, width: info.width, height: info.height });

function toRecord(info: ImageInfo, extra: Partial<UploadOptions> = {}): ImageRecord {
  const encoded = encodeURIComponent(info.name);
  return {
    image_name: info.name,
    image_url: `/api/v1/images/i/${encoded}/full`,
    thumbnail_url: `/api/v1/images/i/${encoded}/thumbnail`,
    image_origin: 'internal',
    image_category: extra.image_category ?? 'general',
    width: info.width,
    height: info.height,
    created_at: new Date(info.birthtimeMs).toISOString(),
    updated_at: new Date(info.mtimeMs).toISOString(),
    deleted_at: null,
    is_intermediate: extra.is_intermediate ?? false,
    session_id: extra.session_id ?? null,
    node_id: null,
    starred: false,
    has_workflow: false,
    board_id: extra.board_id ?? null,
    file_size: info.size,
    format: info.format,
  };
}
