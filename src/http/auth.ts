/**
 * Who is calling. Web sessions ride in an HttpOnly cookie and must echo the CSRF token in a
 * header on unsafe methods (double submit, bound to the session row); API clients send
 * `Authorization: Bearer <token>` and need no CSRF token, since browsers never attach it by
 * themselves. Operators use a separate bearer token from configuration.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, Locale, RequestOrigin, SessionContext } from '../identity/index.ts';
import {
  BOOTSTRAP_OPERATOR,
  mayDo,
  type OperatorPermission,
  type OperatorPrincipal,
  RECOVERY_ERRORS,
} from '../recovery/index.ts';
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';

export const SESSION_COOKIE = 'rampart_session';
export const DEVICE_COOKIE = 'rampart_device';
export const DEVICE_HEADER = 'x-rampart-device';
export const CSRF_COOKIE = 'rampart_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER_PATTERN = /^Bearer ([A-Za-z0-9_\-.~+/]{16,512}=*)$/;

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionContext | null;
    operator: OperatorPrincipal | null;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? BEARER_PATTERN.exec(header)?.[1] : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** A preHandler that requires a signed-in user and sets `request.session`. */
export function requireUser(identity: Pick<Identity, 'authenticate'>) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const bearer = bearerToken(request);
    const cookie = request.cookies[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (!token) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
    const session = await identity.authenticate(token);
    if (!session) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
    if (!bearer && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrfToken)) {
        throw new DomainError(COMMON_ERRORS.CSRF_FAILED);
      }
    }
    request.session = session;
  };
}

/** The operators' console session cookie (SameSite=Strict, HttpOnly) and the header every
 *  unsafe request authenticated by that cookie must carry: a cross-site form cannot set a custom
 *  header, and a cross-site fetch with one needs a CORS preflight this server never grants. */
export const OPERATOR_COOKIE = 'rampart_ops';
export const OPERATOR_CSRF_HEADER = 'x-rampart-ops';

export interface OperatorAuthenticator {
  authenticate(token: string): Promise<OperatorPrincipal | undefined>;
}

/**
 * A preHandler for the operator API. Who: the configured static token (compared in constant
 * time) acts as the bootstrap supervisor (docs/recovery.md); otherwise an operator session
 * (bearer token or the console cookie) when `operators` is given. What: when `permission` is
 * given, the operator's role must grant it (ROLE_PERMISSIONS), else 403 operator_role. Sets
 * `request.operator`. With neither a token nor operator accounts configured the API does not
 * exist (404), as before.
 */
export function requireOperator(
  operatorToken: string | undefined,
  options: {
    operators?: OperatorAuthenticator | undefined;
    permission?: OperatorPermission | undefined;
  } = {},
) {
  return async (request: FastifyRequest): Promise<void> => {
    const bearer = bearerToken(request);
    if (!operatorToken && !options.operators) throw new DomainError(COMMON_ERRORS.NOT_FOUND);
    let principal: OperatorPrincipal | undefined;
    if (bearer && operatorToken && constantTimeEqual(bearer, operatorToken)) principal = BOOTSTRAP_OPERATOR;
    else if (options.operators) {
      const cookie = request.cookies[OPERATOR_COOKIE];
      const token = bearer ?? cookie;
      if (token) principal = await options.operators.authenticate(token);
      if (
        principal &&
        !bearer &&
        !SAFE_METHODS.has(request.method) &&
        request.headers[OPERATOR_CSRF_HEADER] !== '1'
      ) {
        throw new DomainError(COMMON_ERRORS.CSRF_FAILED);
      }
    }
    if (!principal) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
    if (options.permission && !mayDo(principal.role, options.permission)) {
      throw new DomainError(RECOVERY_ERRORS.OPERATOR_ROLE, {
        role: principal.role,
        needs: options.permission,
      });
    }
    request.operator = principal;
  };
}

export function operatorOf(request: FastifyRequest): OperatorPrincipal {
  if (!request.operator) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
  return request.operator;
}

export function sessionOf(request: FastifyRequest): SessionContext {
  if (!request.session) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
  return request.session;
}

/** Step-up re-authentication is fresh for this long (issue 3: "no older than 5 minutes"). */
export const STEP_UP_FRESH_MS = 5 * 60_000;

/**
 * A preHandler for sensitive changes (passwords, phone, e-mail, factors, limits): needs a
 * signed-in user who re-authenticated in this session within STEP_UP_FRESH_MS. Run after
 * `requireUser`.
 */
export function requireStepUp(nowMs: () => number) {
  return async (request: FastifyRequest): Promise<void> => {
    const session = sessionOf(request);
    const stepUpAtMs = session.stepUpAt?.getTime();
    if (stepUpAtMs === undefined || nowMs() - stepUpAtMs > STEP_UP_FRESH_MS) {
      throw new DomainError(COMMON_ERRORS.STEP_UP_REQUIRED);
    }
  };
}

/** zh-CN unless the client prefers English (Accept-Language). */
export function localeOf(request: FastifyRequest): Locale {
  const header = request.headers['accept-language'];
  if (typeof header !== 'string') return 'zh-CN';
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

/** Where a request comes from: IP, user agent, device key (cookie or header), language. */
export function originOf(request: FastifyRequest): RequestOrigin {
  const header = request.headers[DEVICE_HEADER];
  return {
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    deviceKey: request.cookies[DEVICE_COOKIE] ?? (typeof header === 'string' ? header : undefined),
    locale: localeOf(request),
  };
}
