import type { Readable } from 'node:stream';
import type { ImageList, ImageRecord, ImageRef } from '../../shared/images.js';
import { AppError } from '../errors.js';
import { NotAnImageError, type ImageInfo, type ImageRepository } from './repository.js';

export interface UploadOptions {
  image_category: ImageRecord['image_category'];
  is_intermediate: boolean;
  board_id?: string | undefined;
  session_id?: string | undefined;
}

/** Image rules: records in InvokeAI's shape, measurement for recall, safe upload. */
export class ImageService {
  constructor(private readonly repo: ImageRepository) {}

  /** `{image_name, width, height}` for a recall entry, or null when the image is missing or unreadable. */
  async measure(name: string): Promise<ImageRef | null> {
    const info = await this.repo.info(name);
    return info ? { image_name: info.name, width: info.width, height: info.height } : null;
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
    try {
      const info = await this.repo.save(bytes);
      return toRecord(info, options);
    } catch (err) {
      if (err instanceof NotAnImageError) throw new AppError('RECALL_ERR_NOT_AN_IMAGE', err.message);
      throw err;
    }
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
