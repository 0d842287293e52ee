/**
 * The CSRF check of `requireUser`, also run for every unsafe request before its body is
 * validated: a cross-site form or fetch riding the session cookie is refused with csrf_failed
 * whatever it sends, instead of first learning from a 400 what the body should look like.
 * Only requests whose cookie names a live session are checked (a stale cookie on sign-in is
 * not a session), and bearer-token clients are exempt as in `requireUser` (browsers never attach
 * that header by themselves).
 *
 * The operators' console API (`/api/v1/ops/`) is skipped: a user's session grants nothing there,
 * and those routes carry their own defence (requireOperator: the SameSite=Strict console cookie
 * needs the x-rampart-ops header). Checking the user's token there only broke the console for an
 * operator who was also signed in to the wallet in the same browser.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Identity } from '../identity/index.ts';
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';
import { CSRF_HEADER, SESSION_COOKIE } from './auth.ts';

const OPERATOR_API_PREFIX = '/api/v1/ops/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function installCsrfGuard(app: FastifyInstance, identity: Pick<Identity, 'authenticate'>): void {
  app.addHook('preValidation', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.headers.authorization) return;
    if (request.url.startsWith(OPERATOR_API_PREFIX)) return;
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const session = await identity.authenticate(cookie);
    if (!session) return;
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
      throw new DomainError(COMMON_ERRORS.CSRF_FAILED);
    }
  });
}
