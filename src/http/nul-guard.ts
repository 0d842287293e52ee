/**
 * Refuses any request whose body, query or path parameters carry a NUL character (U+0000) with
 * 400 validation_failed, before the route's schema or handler runs. PostgreSQL text cannot hold
 * U+0000 (it raises "invalid byte sequence" — a 500), PGlite accepts it, and no field of ours
 * means to carry one; the route fuzzer found sign-in and device/passkey renames answering 500 on
 * PostgreSQL. One guard covers every route, including the ones added later.
 */
import type { FastifyInstance } from 'fastify';
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';

/** Deeper than any schema of ours; deeper input is refused by the schemas anyway. */
const DEPTH_MAX = 32;

function carriesNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > DEPTH_MAX) return false;
  if (Array.isArray(value)) return value.some((item) => carriesNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || carriesNul(item, depth + 1));
}

export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (carriesNul(request.params, 0) || carriesNul(request.query, 0) || carriesNul(request.body, 0)) {
      throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED);
    }
  });
}
