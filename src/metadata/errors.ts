import type { MetadataReadErrorCode } from '../shared/metadata.js';

/** The one error the readers throw: the file could not be read, and why (issue 4, "Reading"). */
export class MetadataReadError extends Error {
  override readonly name = 'MetadataReadError';
  constructor(
    readonly code: MetadataReadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isMetadataReadError = (e: unknown): e is MetadataReadError => e instanceof MetadataReadError;
