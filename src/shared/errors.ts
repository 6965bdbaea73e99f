import { z } from 'zod';

/** Error codes a client can branch on; the server's catalogue maps each to a status and message. */
export const ERROR_CODES = [
  'RECALL_ERR_VALIDATION',
  'RECALL_ERR_NOT_FOUND',
  'RECALL_ERR_IMAGE_NOT_FOUND',
  'RECALL_ERR_MODEL_NOT_FOUND',
  'RECALL_ERR_UNSUPPORTED_MEDIA',
  'RECALL_ERR_PAYLOAD_TOO_LARGE',
  'RECALL_ERR_NOT_AN_IMAGE',
  'RECALL_ERR_NO_METADATA',
  'RECALL_ERR_METADATA_UNREADABLE',
  'RECALL_ERR_URL_REFUSED',
  'RECALL_ERR_UNAUTHORIZED',
  'RECALL_ERR_FORBIDDEN',
  'RECALL_ERR_RATE_LIMITED',
  'RECALL_ERR_STORAGE_UNAVAILABLE',
  'RECALL_ERR_STORAGE_OUTCOME_UNKNOWN',
  'RECALL_ERR_INTERNAL',
] as const;
export const zErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof zErrorCode>;

/** FastAPI's validation-error item, the shape InvokeAI's clients already parse. */
export const zValidationIssue = z.object({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});
export type ValidationIssue = z.infer<typeof zValidationIssue>;

export const zValidationErrorBody = z.object({
  detail: z.array(zValidationIssue),
  code: z.literal('RECALL_ERR_VALIDATION'),
});

/** Any other error: FastAPI's `{detail: string}` plus our code. */
export const zErrorBody = z.object({
  detail: z.string(),
  code: zErrorCode,
});
export type ErrorBody = z.infer<typeof zErrorBody>;
