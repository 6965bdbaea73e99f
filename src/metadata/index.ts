import type { ImageMetadata } from '../shared/metadata.js';
import { interpretMetadata, type ParseOptions } from './parsers/index.js';
import { readImageMetadata } from './readers/index.js';

export { isMetadataReadError, MetadataReadError } from './errors.js';
export { interpretMetadata, type ParseOptions, type SchedulerMatch } from './parsers/index.js';
export { readImageMetadata, sniffImageFormat, type RawImageMetadata } from './readers/index.js';

/**
 * Reads an image's generation metadata and maps it to recall parameters (issue 4). Throws
 * MetadataReadError (and nothing else) when the bytes are not a readable PNG, JPEG or WebP; an image
 * without generation metadata answers `{status: 'none'}`.
 */
export async function parseImageMetadata(bytes: Uint8Array, options: ParseOptions = {}): Promise<ImageMetadata> {
  return interpretMetadata(await readImageMetadata(bytes), options);
}
