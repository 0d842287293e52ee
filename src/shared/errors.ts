/**
 * Coded errors for business cases that stop a request. Each module declares its codes in a
 * table (`{ CODE: { code, message, status } }`); the HTTP edge turns `DomainError` into
 * `{ "error": { "code", "message" } }` with the code's status. Unknown errors become 500.
 */
export interface ErrorCode {
  /** Stable, machine-readable, snake_case: clients branch on it. */
  readonly code: string;
  /** Human text in English; never includes secrets or whether an account exists. */
  readonly message: string;
  /** The HTTP status this code maps to. */
  readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 423 | 429 | 503;
}

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: string;
  readonly status: ErrorCode['status'];
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(error: ErrorCode, details?: Record<string, unknown>, message?: string) {
    super(message ?? error.message);
    this.code = error.code;
    this.status = error.status;
    this.details = details;
  }
}

export function defineErrors<T extends Record<string, ErrorCode>>(table: T): Readonly<T> {
  return Object.freeze(table);
}

/** Codes every module may use. */
export const COMMON_ERRORS = defineErrors({
  VALIDATION_FAILED: { code: 'validation_failed', message: 'The request is not valid.', status: 400 },
  MALFORMED_JSON: { code: 'malformed_json', message: 'The request body is not valid JSON.', status: 400 },
  BODY_TOO_LARGE: { code: 'body_too_large', message: 'The request body is too large.', status: 413 },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'The request body must be application/json.',
    status: 415,
  },
  NOT_FOUND: { code: 'not_found', message: 'Not found.', status: 404 },
  UNAUTHENTICATED: { code: 'unauthenticated', message: 'Sign in first.', status: 401 },
  FORBIDDEN: { code: 'forbidden', message: 'You may not do that.', status: 403 },
  CSRF_FAILED: {
    code: 'csrf_failed',
    message: 'The request lacks a valid CSRF token; reload the page and try again.',
    status: 403,
  },
  STEP_UP_REQUIRED: {
    code: 'step_up_required',
    message: 'Confirm it is you first: verify again within the last 5 minutes.',
    status: 403,
  },
  RATE_LIMITED: { code: 'rate_limited', message: 'Too many requests; try again later.', status: 429 },
  UNAVAILABLE: { code: 'unavailable', message: 'The service is busy; retry shortly.', status: 503 },
});
