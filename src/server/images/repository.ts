import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { imageSize } from 'image-size';
import type sharpFn from 'sharp';
import { zImageName } from '../../shared/images.js';

/** sharp (libvips) adds tens of MB to the process: loaded for the first thumbnail or upload, not at start. */
let sharpLoading: Promise<typeof sharpFn> | null = null;
const loadSharp = () => (sharpLoading ??= import('sharp').then((m) => m.default));

/** Formats we accept and serve, by image-size's type name. */
const FORMATS: Record<string, { ext: string; mime: string }> = {
  png: { ext: 'png', mime: 'image/png' },
  jpg: { ext: 'jpg', mime: 'image/jpeg' },
  webp: { ext: 'webp', mime: 'image/webp' },
  gif: { ext: 'gif', mime: 'image/gif' },
};
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);
const THUMBNAIL_SIZE = 256;
/** How long a measured image is trusted before its file is checked again. */
const RECHECK_MS = 1000;
/**
 * Header windows tried in turn: PNG, GIF and WebP give their size in the first bytes, JPEG after
 * its EXIF and ICC segments, which can be large. Starting small keeps measuring any image cheap.
 */
const HEADER_WINDOWS = [4 * 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];

export interface ImageInfo {
  name: string;
  path: string;
  width: number;
  height: number;
  format: string;
  mime: string;
  size: number;
  mtimeMs: number;
  birthtimeMs: number;
}

export type ReadResult =
  | { status: 'read'; bytes: Buffer; size: number; mtimeMs: number }
  | { status: 'absent' }
  | { status: 'too_large'; size: number };

export class NotAnImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAnImageError';
  }
}

/** What identifies one version of a file: the same inode with the same size and modification time. */
const fileKey = (stat: fs.Stats): string => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;

/** Width, height and format from the header bytes only, reading more of the file only when needed. */
async function measureFile(handle: fsp.FileHandle, size: number): Promise<{ width: number; height: number; type: string }> {
  let lastError: unknown;
  for (const window of HEADER_WINDOWS) {
    const length = Math.min(window, size);
    const buf = new Uint8Array(length);
    await handle.read(buf, 0, length, 0);
    try {
      const r = imageSize(buf);
      if (r.width && r.height && r.type && FORMATS[r.type]) return { width: r.width, height: r.height, type: r.type };
      throw new NotAnImageError(`unsupported image type ${r.type ?? 'unknown'}`);
    } catch (err) {
      if (err instanceof NotAnImageError) throw err;
      lastError = err;
      if (length === size) break;
    }
  }
  throw new NotAnImageError(`cannot read image header: ${(lastError as Error)?.message ?? 'unknown'}`);
}

/**
 * The only code that touches outputs/images. Every name goes through `locate`, which refuses names
 * that are not bare file names and paths whose real location (after symlinks) is outside the folder.
 */
export class ImageRepository {
  private realDir: string | null = null;
  private readonly cache = new Map<string, { key: string; info: ImageInfo; checkedAt: number }>();

  constructor(
    readonly dir: string,
    readonly thumbnailDir: string,
  ) {}

  private async realImagesDir(): Promise<string> {
    this.realDir ??= await fsp.realpath(this.dir);
    return this.realDir;
  }

  /** The real path of an image, or null when the name is unsafe, absent, or resolves outside the folder. */
  async locate(name: string): Promise<string | null> {
    if (!zImageName.safeParse(name).success) return null;
    const dir = await this.realImagesDir();
    let real: string;
    try {
      real = await fsp.realpath(path.join(dir, name));
    } catch {
      return null;
    }
    if (path.dirname(real) !== dir) return null;
    return real;
  }

  /**
   * The cached facts of an image. Recall measures the same few images over and over, so a fact is
   * trusted for RECHECK_MS, then re-checked with one stat (which follows the name as `locate` did,
   * opening nothing) and dropped if the name now leads to another or a changed file. Whatever reads
   * the bytes opens the file afresh (see `open`), so a stale fact can never serve another file.
   */
  cachedInfo(name: string): ImageInfo | null {
    const cached = this.cache.get(name);
    if (!cached || !this.realDir) return null;
    const now = performance.now();
    if (now - cached.checkedAt < RECHECK_MS) return cached.info;
    const stat = fs.statSync(path.join(this.realDir, name), { throwIfNoEntry: false });
    if (!stat?.isFile() || fileKey(stat) !== cached.key) {
      this.cache.delete(name);
      return null;
    }
    cached.checkedAt = now;
    return cached.info;
  }

  /**
   * The bytes of an image, for serving: opened without following a symlink (the path is the real
   * one `locate` found), with the size of what was opened rather than what was cached.
   */
  async open(name: string): Promise<{ stream: Readable; size: number; mime: string } | null> {
    const info = await this.info(name);
    if (!info) return null;
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(info.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      this.cache.delete(name);
      return null;
    }
    const stat = await handle.stat();
    return { stream: handle.createReadStream(), size: stat.size, mime: info.mime };
  }

  /** Size and mtime of an image file, read now (never from the header cache); null when absent. */
  async stamp(name: string): Promise<{ size: number; mtimeMs: number } | null> {
    const real = await this.locate(name);
    if (!real) return null;
    try {
      const stat = await fsp.lstat(real);
      return stat.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs } : null;
    } catch {
      return null;
    }
  }

  /** Header facts about an image, or null when it cannot be found or read as an image. */
  async info(name: string): Promise<ImageInfo | null> {
    const hit = this.cachedInfo(name);
    if (hit) return hit;
    const real = await this.locate(name);
    if (!real) return null;
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const stat = await handle.stat();
      if (!stat.isFile()) return null;
      const key = fileKey(stat);
      const m = await measureFile(handle, stat.size);
      const fmt = FORMATS[m.type]!;
      const info: ImageInfo = {
        name,
        path: real,
        width: m.width,
        height: m.height,
        format: m.type === 'jpg' ? 'jpeg' : m.type,
        mime: fmt.mime,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        birthtimeMs: stat.birthtimeMs || stat.mtimeMs,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(name, { key, info, checkedAt: performance.now() });
      return info;
    } catch {
      return null;
    } finally {
      await handle?.close();
    }
  }

  /**
   * The whole file of an image, with the size and mtime of what was read (for caching by them).
   * `absent` when the name is unsafe or no such file is in the folder; `too_large` past `maxBytes`.
   * The file is opened without following a symlink swapped in after `locate` checked the path.
   */
  async readFile(name: string, maxBytes: number): Promise<ReadResult> {
    const real = await this.locate(name);
    if (!real) return { status: 'absent' };
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const stat = await handle.stat();
      if (!stat.isFile()) return { status: 'absent' };
      if (stat.size > maxBytes) return { status: 'too_large', size: stat.size };
      const bytes = await handle.readFile();
      return { status: 'read', bytes, size: stat.size, mtimeMs: stat.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ELOOP') return { status: 'absent' };
      throw err;
    } finally {
      await handle?.close();
    }
  }

  /** Image file names in the folder, newest first. */
  async list(): Promise<{ name: string; mtimeMs: number }[]> {
    const dir = await this.realImagesDir();
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    const files = entries.filter(
      (e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()) && zImageName.safeParse(e.name).success,
    );
    const stats = await Promise.all(
      files.map(async (e) => ({ name: e.name, mtimeMs: (await fsp.stat(path.join(dir, e.name))).mtimeMs })),
    );
    return stats.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
  }

  /**
   * Checks that the bytes are a real, decodable image, then stores them under a new unique name.
   * Decoding (to a thumbnail) is what proves the file is an image and not just a plausible header.
   */
  async save(bytes: Uint8Array): Promise<ImageInfo> {
    let header: ReturnType<typeof imageSize>;
    try {
      header = imageSize(bytes);
    } catch (err) {
      throw new NotAnImageError(`not a supported image: ${(err as Error).message}`);
    }
    const fmt = header.type ? FORMATS[header.type] : undefined;
    if (!fmt) throw new NotAnImageError(`unsupported image type ${header.type ?? 'unknown'} (png, jpeg, webp or gif)`);
    let thumbnail: Buffer;
    try {
      thumbnail = await this.renderThumbnail(bytes);
    } catch (err) {
      throw new NotAnImageError(`the image cannot be decoded: ${(err as Error).message}`);
    }
    const name = `${randomUUID()}.${fmt.ext}`;
    const dir = await this.realImagesDir();
    const tmp = path.join(dir, `.${name}.partial`);
    await fsp.writeFile(tmp, bytes, { flag: 'wx' });
    await fsp.rename(tmp, path.join(dir, name));
    await this.writeThumbnail(name, thumbnail).catch(() => undefined);
    const info = await this.info(name);
    if (!info) throw new NotAnImageError('the stored image cannot be read back');
    return info;
  }

  private async renderThumbnail(input: Uint8Array | string): Promise<Buffer> {
    const sharp = await loadSharp();
    return sharp(input, { failOn: 'error', animated: false })
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  }

  private thumbnailPath(name: string): string {
    return path.join(this.thumbnailDir, `${name}.webp`);
  }

  private async writeThumbnail(name: string, data: Buffer): Promise<void> {
    await fsp.mkdir(this.thumbnailDir, { recursive: true });
    const target = this.thumbnailPath(name);
    const tmp = `${target}.${process.pid}.partial`;
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, target);
  }

  /** A WebP thumbnail (at most 256 px), made once and cached beside InvokeAI's own thumbnails. */
  async thumbnail(name: string): Promise<Buffer | null> {
    const info = await this.info(name);
    if (!info) return null;
    const cached = this.thumbnailPath(name);
    try {
      const stat = await fsp.stat(cached);
      if (stat.mtimeMs >= info.mtimeMs) return await fsp.readFile(cached);
    } catch {
      // not made yet
    }
    // Read through a handle that does not follow symlinks, as `open` does, then decode the bytes.
    let bytes: Buffer;
    try {
      const handle = await fsp.open(info.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch {
      this.cache.delete(name);
      return null;
    }
    const data = await this.renderThumbnail(bytes);
    await this.writeThumbnail(name, data).catch(() => undefined);
    return data;
  }
}
