/**
 * The browser's client for Rampart's HTTP API. It authenticates with the HttpOnly session cookie
 * (never keeping the bearer token in script-reachable storage) and sends the double-submit CSRF
 * token from the readable `rampart_csrf` cookie on every unsafe request (OWASP CSRF Prevention
 * Cheat Sheet, "signed double-submit cookie"). Responses are checked here, once, so the pages
 * only ever see well-formed values.
 */
import type { WireMoney } from './money.ts';
import { parseAmountMinor } from './money.ts';

export interface User {
  readonly id: string;
  readonly phone: string;
  readonly displayName: string;
}

export interface WalletAccount {
  readonly accountId: string;
  readonly kind: string;
  readonly currency: string;
  readonly posted: WireMoney;
  readonly available: WireMoney;
}

export type Direction = 'in' | 'out';

export interface ActivityEntry {
  readonly id: string;
  readonly transferId: string;
  readonly code: string;
  readonly direction: Direction;
  readonly amount: WireMoney;
  /** `posted`, `pending` or `released`; kept as text so a new status shows rather than breaks. */
  readonly status: string;
  readonly createdAt: Date;
}

export interface ActivityPage {
  readonly entries: readonly ActivityEntry[];
  /** Pass as `before` to get the next (older) page; null when there is none. */
  readonly nextBefore: string | null;
}

export interface DemoLogin {
  readonly phone: string;
  readonly displayName: string;
  readonly password: string;
}

export type ApiErrorKind =
  /** The server answered with a coded error: show its message and code. */
  | 'server'
  /** No answer at all (offline, DNS, connection refused). */
  | 'network'
  /** An answer this client cannot read: a bug on one side or the other. */
  | 'response'
  /** The browser refused or the person cancelled (a passkey prompt dismissed, no WebAuthn). */
  | 'browser';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  /** HTTP status, 0 when there was no response. */
  readonly status: number;
  readonly code: string;
  /** The server's `error.details` (`retryAfterMs`, `attemptsLeft`, `lockedUntil`…), or null. */
  readonly details: JsonRecord | null;

  constructor(options: {
    kind: ApiErrorKind;
    status: number;
    code: string;
    message: string;
    details?: JsonRecord | null;
  }) {
    super(options.message);
    this.kind = options.kind;
    this.status = options.status;
    this.code = options.code;
    this.details = options.details ?? null;
  }
}

/** True when the server refused because the change needs a fresh step-up (403 step_up_required). */
export function isStepUpRequired(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'step_up_required';
}

/** The security lock wants a second factor beyond the payment password (docs/protection.md). */
export function isSecondFactorRequired(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'second_factor_required';
}

/** The risk engine challenged a security change (docs/risk.md, "Security changes"): a step-up
 *  with a second factor (not the payment password) in the last 5 minutes lets it through. */
export function isRiskSecondFactorRequired(error: unknown): boolean {
  return error instanceof ApiError && error.kind === 'server' && error.code === 'risk_second_factor_required';
}

/** The change needs the identity check: the login password plus a second factor, in a step-up
 *  (docs/identity.md, "The payment lock"); `details.acceptsPaymentPassword` says whether the
 *  current payment password would do instead. */
export function isIdentityCheckRequired(error: unknown): boolean {
  return error instanceof ApiError && error.kind === 'server' && error.code === 'identity_check_required';
}

/** True when the session is gone (401): the app shows the sign-in page. */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && error.code === 'unauthenticated';
}

export const CSRF_COOKIE = 'rampart_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** One page of activity; the server caps it too. */
export const ACTIVITY_PAGE_LIMIT = 20;

const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The app's current language, sent as Accept-Language so server messages match the page. */
let requestLocale: string | null = null;
export function setRequestLocale(locale: string): void {
  requestLocale = locale;
}

export function readCookie(cookieHeader: string, name: string): string | null {
  for (const pair of cookieHeader.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    const raw = pair.slice(at + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** One call to the API: JSON in and out, CSRF header on unsafe methods, coded errors thrown as
 *  ApiError. Resolves `undefined` for 204. */
export async function request({ method, path, body, signal }: RequestOptions): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (requestLocale !== null) headers['accept-language'] = requestLocale;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE_METHODS.has(method)) {
    const csrf = readCookie(document.cookie, CSRF_COOKIE);
    if (csrf !== null) headers[CSRF_HEADER] = csrf;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ kind: 'network', status: 0, code: 'network_error', message: String(error) });
  }
  if (response.status === 204) return undefined;
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) throw errorFromBody(response.status, json);
  if (json === undefined) throw badResponse(response.status, 'expected a JSON body');
  return json;
}

function errorFromBody(status: number, json: unknown): ApiError {
  if (isRecord(json) && isRecord(json.error)) {
    const { code, message, details } = json.error;
    if (typeof code === 'string') {
      return new ApiError({
        kind: 'server',
        status,
        code,
        message: typeof message === 'string' ? message : code,
        details: isRecord(details) ? details : null,
      });
    }
  }
  // A proxy's HTML error page or an empty 502: no code to show.
  return new ApiError({ kind: 'response', status, code: `http_${status}`, message: `HTTP ${status}` });
}

export function badResponse(status: number, detail: string): ApiError {
  return new ApiError({ kind: 'response', status, code: 'bad_response', message: detail });
}

// --- decoding: each reader throws a 'response' ApiError naming the field it could not read.

export type JsonRecord = { readonly [key: string]: unknown };

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, where: string): JsonRecord {
  if (!isRecord(value)) throw badResponse(200, `${where}: expected an object`);
  return value;
}

export function string(parent: JsonRecord, key: string, where: string): string {
  const value = parent[key];
  if (typeof value !== 'string') throw badResponse(200, `${where}.${key}: expected a string`);
  return value;
}

export function nullableString(parent: JsonRecord, key: string, where: string): string | null {
  const value = parent[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw badResponse(200, `${where}.${key}: expected a string or null`);
  return value;
}

export function number(parent: JsonRecord, key: string, where: string): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badResponse(200, `${where}.${key}: expected a number`);
  }
  return value;
}

export function boolean(parent: JsonRecord, key: string, where: string): boolean {
  const value = parent[key];
  if (typeof value !== 'boolean') throw badResponse(200, `${where}.${key}: expected true or false`);
  return value;
}

export function date(parent: JsonRecord, key: string, where: string): Date {
  const value = new Date(string(parent, key, where));
  if (Number.isNaN(value.getTime())) throw badResponse(200, `${where}.${key}: not a date`);
  return value;
}

export function nullableDate(parent: JsonRecord, key: string, where: string): Date | null {
  return nullableString(parent, key, where) === null ? null : date(parent, key, where);
}

export function array(parent: JsonRecord, key: string, where: string): readonly unknown[] {
  const value = parent[key];
  if (!Array.isArray(value)) throw badResponse(200, `${where}.${key}: expected an array`);
  return value;
}

function money(value: unknown, where: string): WireMoney {
  const object = record(value, where);
  const amountMinor = string(object, 'amountMinor', where);
  if (parseAmountMinor(amountMinor) === null) throw badResponse(200, `${where}.amountMinor: not an integer`);
  return { amountMinor, currency: string(object, 'currency', where) };
}

export function user(value: unknown): User {
  const object = record(value, 'user');
  return {
    id: string(object, 'id', 'user'),
    phone: string(object, 'phone', 'user'),
    displayName: string(object, 'displayName', 'user'),
  };
}

function account(value: unknown, index: number): WalletAccount {
  const where = `accounts[${index}]`;
  const object = record(value, where);
  return {
    accountId: string(object, 'accountId', where),
    kind: string(object, 'kind', where),
    currency: string(object, 'currency', where),
    posted: money(object.posted, `${where}.posted`),
    available: money(object.available, `${where}.available`),
  };
}

function entry(value: unknown, index: number): ActivityEntry {
  const where = `entries[${index}]`;
  const object = record(value, where);
  const direction = string(object, 'direction', where);
  if (direction !== 'in' && direction !== 'out') throw badResponse(200, `${where}.direction: ${direction}`);
  const createdAt = new Date(string(object, 'createdAt', where));
  if (Number.isNaN(createdAt.getTime())) throw badResponse(200, `${where}.createdAt: not a date`);
  return {
    id: string(object, 'id', where),
    transferId: string(object, 'transferId', where),
    code: string(object, 'code', where),
    direction,
    amount: money(object.amount, `${where}.amount`),
    status: string(object, 'status', where),
    createdAt,
  };
}

// --- endpoints

export async function signOut(): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/auth/sign-out' });
}

/** The signed-in user, or null when the session cookie is missing or expired. */
export async function fetchMe(signal?: AbortSignal): Promise<User | null> {
  try {
    const body = record(await request({ method: 'GET', path: '/api/v1/me', signal }), 'body');
    return user(body.user);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function fetchWallet(signal?: AbortSignal): Promise<readonly WalletAccount[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/wallet', signal }), 'body');
  return array(body, 'accounts', 'body').map(account);
}

export async function fetchActivity(options: {
  before: string | null;
  limit?: number;
  signal?: AbortSignal;
}): Promise<ActivityPage> {
  const query = new URLSearchParams({ limit: String(options.limit ?? ACTIVITY_PAGE_LIMIT) });
  if (options.before !== null) query.set('before', options.before);
  const body = record(
    await request({ method: 'GET', path: `/api/v1/wallet/activity?${query}`, signal: options.signal }),
    'body',
  );
  const nextBefore = body.nextBefore;
  if (nextBefore !== null && typeof nextBefore !== 'string') throw badResponse(200, 'body.nextBefore');
  return { entries: array(body, 'entries', 'body').map(entry), nextBefore };
}

/** Demo logins when the server runs with `--demo`; null otherwise (the endpoint is then 404). */
export async function fetchDemoLogins(signal?: AbortSignal): Promise<readonly DemoLogin[] | null> {
  try {
    const body = record(await request({ method: 'GET', path: '/api/v1/demo', signal }), 'body');
    if (body.demo !== true) return null;
    return array(body, 'users', 'body').map((value, index) => {
      const where = `users[${index}]`;
      const object = record(value, where);
      return {
        phone: string(object, 'phone', where),
        displayName: string(object, 'displayName', where),
        password: string(object, 'password', where),
      };
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
