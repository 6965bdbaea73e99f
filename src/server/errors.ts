import type { ErrorCode, ValidationIssue } from '../shared/errors.js';

/** The catalogue: every error the API answers with, its status and the message a client sees. */
const CATALOGUE: Record<ErrorCode, { status: number; message: string }> = {
  RECALL_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  RECALL_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  RECALL_ERR_IMAGE_NOT_FOUND: { status: 404, message: 'Image not found' },
  RECALL_ERR_MODEL_NOT_FOUND: { status: 404, message: 'Model not found' },
  RECALL_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'Unsupported media type' },
  RECALL_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  RECALL_ERR_NOT_AN_IMAGE: { status: 400, message: 'The file is not a supported image' },
  RECALL_ERR_NO_METADATA: { status: 422, message: 'No generation metadata found in the image' },
  RECALL_ERR_METADATA_UNREADABLE: { status: 422, message: 'The image is damaged; its metadata cannot be read' },
  RECALL_ERR_URL_REFUSED: { status: 422, message: 'The image URL was refused' },
  RECALL_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  RECALL_ERR_FORBIDDEN: { status: 403, message: 'Not allowed' },
  RECALL_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  RECALL_ERR_STORAGE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; nothing was stored. Try again shortly' },
  RECALL_ERR_STORAGE_OUTCOME_UNKNOWN: {
    status: 503,
    message:
      'The connection to the database broke while the recall was being committed, and whether it was stored could not be checked. ' +
      'Read the queue (GET) before sending it again',
  },
  RECALL_ERR_INTERNAL: { status: 500, message: 'Internal server error' },
};

/** An error the API reports as is; anything else becomes a generic 500 with the detail in the log. */
export class AppError extends Error {
  readonly status: number;
  /** For validation errors: the FastAPI-style items naming each bad field. */
  readonly issues: ValidationIssue[] | undefined;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    options?: { cause?: unknown; issues?: ValidationIssue[] },
  ) {
    super(detail ?? CATALOGUE[code].message, options);
    this.name = 'AppError';
    this.status = CATALOGUE[code].status;
    this.issues = options?.issues;
  }
}

/** A 400 naming one field, for checks that happen after schema validation. */
export function invalidField(loc: (string | number)[], msg: string, type = 'value_error'): AppError {
  return new AppError('RECALL_ERR_VALIDATION', msg, { issues: [{ loc, msg, type }] });
}

export const statusOf = (code: ErrorCode): number => CATALOGUE[code].status;

/** The API's answer to a store that could not be reached: 503, saying whether the write may have happened. */
export function storageFailure(cause: Error & { outcome: 'not_stored' | 'unknown' }): AppError {
  return new AppError(cause.outcome === 'unknown' ? 'RECALL_ERR_STORAGE_OUTCOME_UNKNOWN' : 'RECALL_ERR_STORAGE_UNAVAILABLE', undefined, { cause });
}
