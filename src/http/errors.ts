/**
 * The one place where errors become HTTP responses: `{ "error": { "code", "message" } }`.
 * DomainError → its own status and code; request validation → 400 validation_failed; body
 * problems → malformed_json / body_too_large / unsupported_media_type; anything else → 500 with
 * a masked message (the full error goes to the log, never to the client).
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Locale } from '../identity/index.ts';
import { COMMON_ERRORS, DomainError, type ErrorCode } from '../shared/index.ts';
import { localizedErrorMessage } from './error-messages.ts';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(error: ErrorCode, message?: string, details?: unknown): ErrorBody {
  return { error: { code: error.code, message: message ?? error.message, ...(details ? { details } : {}) } };
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: COMMON_ERRORS.MALFORMED_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: COMMON_ERRORS.MALFORMED_JSON,
  FST_ERR_CTP_BODY_TOO_LARGE: COMMON_ERRORS.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: COMMON_ERRORS.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: COMMON_ERRORS.VALIDATION_FAILED,
};

/** Issue 9: which language an error is told in (the user's setting, Accept-Language, English). */
export type ErrorLocaleOf = (request: FastifyRequest) => Promise<Locale>;

export function installErrorHandling(app: FastifyInstance, options: { localeOf?: ErrorLocaleOf } = {}): void {
  // Every coded answer leaves through here: its message is put in the caller's language.
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (reply.statusCode < 400 || !options.localeOf || !isErrorBody(payload)) return payload;
    let locale: Locale = 'en';
    try {
      locale = await options.localeOf(request);
    } catch (error) {
      request.log.warn({ err: error }, 'could not tell the error locale; answering in English');
    }
    const { code, message } = payload.error;
    return { error: { ...payload.error, message: localizedErrorMessage(code, locale, message) } };
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      if (error.status === 503) reply.header('retry-after', '1');
      return reply.status(error.status).send(errorBody(error, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ path: v.instancePath, message: v.message }));
      return reply.status(400).send(errorBody(COMMON_ERRORS.VALIDATION_FAILED, undefined, details));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.status(mapped.status).send(errorBody(mapped));
    if (error.statusCode === 429) return reply.status(429).send(errorBody(COMMON_ERRORS.RATE_LIMITED));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody(COMMON_ERRORS.VALIDATION_FAILED, error.message));
    }
    if (isStoreUnavailable(error)) {
      // The database restarted or is unreachable: nothing was acknowledged, retrying is safe
      // (every money-moving request carries an idempotency key).
      request.log.warn({ err: error }, 'store unavailable');
      return reply.status(503).header('retry-after', '1').send(errorBody(COMMON_ERRORS.UNAVAILABLE));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
  });
}

function isErrorBody(payload: unknown): payload is ErrorBody {
  if (typeof payload !== 'object' || payload === null || !('error' in payload)) return false;
  const inner = (payload as { error: unknown }).error;
  return (
    typeof inner === 'object' &&
    inner !== null &&
    typeof (inner as { code?: unknown }).code === 'string' &&
    typeof (inner as { message?: unknown }).message === 'string'
  );
}

/** PostgreSQL SQLSTATEs and socket errors meaning "the database is not there right now"
 *  (class 08 connection exceptions; 57P01–57P03 shutdown / cannot connect now), plus a
 *  transaction the database aborted as a deadlock victim or serialization failure (40P01,
 *  40001): it committed nothing, so the client's retry with the same key is safe. */
const STORE_UNAVAILABLE_CODES = new Set([
  '40001',
  '40P01',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code && STORE_UNAVAILABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}
