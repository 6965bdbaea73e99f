import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ValidationIssue } from '../../shared/errors.js';
import { StorageUnavailableError } from '../db/store.js';
import { AppError, storageFailure } from '../errors.js';

/** Seconds a client should wait before retrying while the database is unreachable. */
const STORAGE_RETRY_AFTER_S = 5;

/** FastAPI's names for where a bad value sits. */
const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Pydantic-style error types for zod's issue codes, so FastAPI clients can branch on them. */
function issueType(code: string, params: Record<string, unknown>): string {
  switch (code) {
    case 'too_small':
      if (params.origin !== 'number') return 'too_short';
      return params.inclusive === false ? 'greater_than' : 'greater_than_equal';
    case 'too_big':
      if (params.origin !== 'number') return 'too_long';
      return params.inclusive === false ? 'less_than' : 'less_than_equal';
    case 'invalid_type':
      return `${String(params.expected)}_type`;
    case 'unrecognized_keys':
      return 'extra_forbidden';
    case 'invalid_value':
      return 'enum';
    case 'invalid_format':
      return 'string_pattern_mismatch';
    default:
      return 'value_error';
  }
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** Turns the type provider's validation errors into FastAPI's `detail` items: one per bad field. */
function validationIssues(err: FastifyError): ValidationIssue[] {
  const where = LOCATION[err.validationContext ?? 'body'] ?? 'body';
  const issues: ValidationIssue[] = [];
  for (const v of err.validation ?? []) {
    const params = (v.params ?? {}) as Record<string, unknown>;
    const base = [where, ...pathOf(v.instancePath)];
    if (v.keyword === 'unrecognized_keys' && Array.isArray(params.keys)) {
      for (const key of params.keys as string[]) {
        issues.push({ loc: [...base, key], msg: `Unknown field "${key}": extra inputs are not permitted`, type: 'extra_forbidden' });
      }
      continue;
    }
    issues.push({ loc: base, msg: v.message ?? 'invalid value', type: issueType(v.keyword, params) });
  }
  return issues;
}

/**
 * The one error handler: 400 with the field path and rule for bad input; the catalogue's status and a
 * clear message for known errors; a generic message at 500 with the detail only in the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((caught: FastifyError, req, reply) => {
    // A store error that no service mapped still means "database unreachable": 503, not 500.
    const err = caught instanceof StorageUnavailableError ? (storageFailure(caught) as unknown as FastifyError) : caught;
    if (hasZodFastifySchemaValidationErrors(err)) {
      const detail = validationIssues(err);
      req.log.debug({ detail }, 'rejected invalid request');
      return reply.code(400).send({ detail, code: 'RECALL_ERR_VALIDATION' });
    }
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err: err.cause ?? err }, err.message);
      if (err.code === 'RECALL_ERR_STORAGE_UNAVAILABLE') void reply.header('retry-after', String(STORAGE_RETRY_AFTER_S));
      if (err.issues) return reply.code(err.status).send({ detail: err.issues, code: err.code });
      return reply.code(err.status).send({ detail: err.message, code: err.code } satisfies ErrorBody);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError') {
      return reply.code(400).send({
        detail: [{ loc: ['body'], msg: `JSON decode error: ${err.message}`, type: 'json_invalid' }],
        code: 'RECALL_ERR_VALIDATION',
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.statusCode === 413) {
      return reply.code(413).send({ detail: 'The request body is too large', code: 'RECALL_ERR_PAYLOAD_TOO_LARGE' } satisfies ErrorBody);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
      return reply.code(415).send({ detail: `Unsupported media type: ${req.headers['content-type'] ?? 'none'}`, code: 'RECALL_ERR_UNSUPPORTED_MEDIA' } satisfies ErrorBody);
    }
    if (err.statusCode === 429) {
      return reply.code(429).send({ detail: err.message, code: 'RECALL_ERR_RATE_LIMITED' } satisfies ErrorBody);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ detail: err.message, code: err.statusCode === 404 ? 'RECALL_ERR_NOT_FOUND' : 'RECALL_ERR_VALIDATION' } satisfies ErrorBody);
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal server error', code: 'RECALL_ERR_INTERNAL' } satisfies ErrorBody);
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ detail: `Not Found: ${req.method} ${req.url.split('?')[0]}`, code: 'RECALL_ERR_NOT_FOUND' } satisfies ErrorBody),
  );
}
