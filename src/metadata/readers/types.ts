import type { ImageFormat } from '../../shared/metadata.js';

/** What a container reader hands on besides its text entries: an EXIF (TIFF) block and an XMP packet. */
export interface ContainerMetadata {
  tiff: Uint8Array | null;
  xmp: string | null;
}

/** Output of the readers: dimensions and every text entry, keyed as the tools name them. */
export interface RawImageMetadata {
  format: ImageFormat;
  width: number;
  height: number;
  entries: Record<string, string>;
}
