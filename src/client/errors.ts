import type { ErrorCode, ValidationIssue } from '../shared/errors.js';

/** The server answered with an error: its HTTP status, Recall's error code, and its `detail`. */
export class RecallApiError extends Error {
  constructor(
    readonly status: number,
    /** Recall's code (`RECALL_ERR_...`); undefined when the server is InvokeAI or says nothing. */
    readonly code: ErrorCode | undefined,
    /** FastAPI's `detail`: a message, or one item per bad field. */
    readonly detail: string | ValidationIssue[],
    readonly body: unknown,
  ) {
    super(`${status}: ${RecallApiError.describe(detail)}`);
    this.name = 'RecallApiError';
  }

  /** One line for people: the message, or each bad field as `path: rule`. */
  static describe(detail: string | ValidationIssue[]): string {
    if (typeof detail === 'string') return detail;
    return detail.map((i) => `${i.loc.filter((p) => p !== 'body').join('.') || 'body'}: ${i.msg}`).join('; ');
  }

  static async fromResponse(res: Response): Promise<RecallApiError> {
    const text = await res.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as { detail?: unknown; code?: unknown };
    const detail = typeof b.detail === 'string' || Array.isArray(b.detail) ? (b.detail as string | ValidationIssue[]) : text || res.statusText;
    return new RecallApiError(res.status, typeof b.code === 'string' ? (b.code as ErrorCode) : undefined, detail, body);
  }
}

/** The server could not be reached, or did not answer in time. */
export class RecallConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecallConnectionError';
  }
}
