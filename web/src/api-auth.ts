/**
 * Signing up, signing in (password, second factor, passkey), the "this wasn't me" link and the
 * developer inbox (docs/identity.md). Every answer is checked here, so pages only see well-formed
 * values; WebAuthn options stay opaque JSON handed to @simplewebauthn/browser.
 */
import type { User } from './api.ts';
import {
  array,
  badResponse,
  date,
  isRecord,
  nullableString,
  number,
  record,
  request,
  string,
  user,
} from './api.ts';

export const SECOND_FACTOR_METHODS = ['sms', 'totp', 'backup_code', 'passkey'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/** Why the server asks for a second factor; an unknown reason is kept as text and shown as such. */
export type ChallengeReason =
  | 'new_device'
  | 'new_country'
  | 'impossible_travel'
  | 'two_factor_enabled'
  | string;

export interface SignInChallenge {
  readonly status: 'second_factor_required';
  readonly challengeId: string;
  readonly challengeToken: string;
  readonly reasons: readonly ChallengeReason[];
  readonly methods: readonly SecondFactorMethod[];
}

export type SignInOutcome = { readonly status: 'signed_in'; readonly user: User } | SignInChallenge;

/** A WebAuthn ceremony the server started: its id, and options for the browser (opaque here). */
export interface Ceremony {
  readonly ceremonyId: string;
  readonly options: unknown;
}

export interface Cooldown {
  /** The server refuses another send before this much time has passed. */
  readonly resendAfterMs: number;
}

export interface SignUpStarted extends Cooldown {
  readonly signUpId: string;
  readonly phone: string;
  readonly email: string | null;
  readonly expiresAt: Date;
}

export interface InboxMessage {
  readonly channel: 'sms' | 'email';
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly sentAt: Date;
}

function isMethod(value: unknown): value is SecondFactorMethod {
  return typeof value === 'string' && (SECOND_FACTOR_METHODS as readonly string[]).includes(value);
}

function signedIn(value: unknown): User {
  const body = record(value, 'body');
  if (body.status !== 'signed_in') throw badResponse(200, 'body.status: expected signed_in');
  return user(body.user);
}

function cooldown(value: unknown): Cooldown {
  return { resendAfterMs: number(record(value, 'body'), 'resendAfterMs', 'body') };
}

export function ceremony(value: unknown): Ceremony {
  const body = record(value, 'body');
  if (!isRecord(body.options)) throw badResponse(200, 'body.options: expected an object');
  return { ceremonyId: string(body, 'ceremonyId', 'body'), options: body.options };
}

export async function signIn(credentials: { phone: string; password: string }): Promise<SignInOutcome> {
  const body = record(
    await request({ method: 'POST', path: '/api/v1/auth/sign-in', body: credentials }),
    'body',
  );
  if (body.status === 'signed_in') return { status: 'signed_in', user: user(body.user) };
  if (body.status !== 'second_factor_required') throw badResponse(200, 'body.status: unknown');
  return {
    status: 'second_factor_required',
    challengeId: string(body, 'challengeId', 'body'),
    challengeToken: string(body, 'challengeToken', 'body'),
    reasons: array(body, 'reasons', 'body').filter((r): r is string => typeof r === 'string'),
    // A method this client does not know is left out rather than offered half-working.
    methods: array(body, 'methods', 'body').filter(isMethod),
  };
}

export async function sendSignInCode(challengeToken: string): Promise<Cooldown> {
  return cooldown(
    await request({ method: 'POST', path: '/api/v1/auth/sign-in/send-code', body: { challengeToken } }),
  );
}

export async function signInPasskeyOptions(challengeToken: string): Promise<Ceremony> {
  return ceremony(
    await request({ method: 'POST', path: '/api/v1/auth/sign-in/passkey-options', body: { challengeToken } }),
  );
}

export type ChallengeAnswer =
  | { readonly method: 'sms' | 'totp' | 'backup_code'; readonly code: string }
  | { readonly method: 'passkey'; readonly ceremonyId: string; readonly response: unknown };

export async function verifySignIn(challengeToken: string, answer: ChallengeAnswer): Promise<User> {
  return signedIn(
    await request({
      method: 'POST',
      path: '/api/v1/auth/sign-in/verify',
      body: { challengeToken, ...answer },
    }),
  );
}

/** Passwordless: options for any passkey of this site (discoverable credentials). */
export async function passkeySignInOptions(): Promise<Ceremony> {
  return ceremony(await request({ method: 'POST', path: '/api/v1/auth/passkey/options', body: {} }));
}

export async function passkeySignIn(input: { ceremonyId: string; response: unknown }): Promise<User> {
  return signedIn(await request({ method: 'POST', path: '/api/v1/auth/passkey/verify', body: input }));
}

export async function startSignUp(input: { phone: string; email?: string }): Promise<SignUpStarted> {
  const body = record(
    await request({ method: 'POST', path: '/api/v1/auth/sign-up/start', body: input }),
    'body',
  );
  return {
    signUpId: string(body, 'signUpId', 'body'),
    phone: string(body, 'phone', 'body'),
    email: nullableString(body, 'email', 'body'),
    expiresAt: date(body, 'expiresAt', 'body'),
    resendAfterMs: number(body, 'resendAfterMs', 'body'),
  };
}

export async function resendSignUpCode(input: {
  signUpId: string;
  channel: 'sms' | 'email';
}): Promise<Cooldown> {
  return cooldown(await request({ method: 'POST', path: '/api/v1/auth/sign-up/resend', body: input }));
}

export async function completeSignUp(input: {
  signUpId: string;
  phoneCode: string;
  emailCode?: string;
  displayName: string;
  password: string;
  paymentPassword: string;
  birthDate?: string;
}): Promise<User> {
  return signedIn(await request({ method: 'POST', path: '/api/v1/auth/sign-up/complete', body: input }));
}

/** "This wasn't me": freezes the account the alert link belongs to; no sign-in needed. */
export async function reportNotMe(token: string): Promise<void> {
  const body = record(
    await request({ method: 'POST', path: '/api/v1/alerts/not-me', body: { token } }),
    'body',
  );
  if (body.frozen !== true) throw badResponse(200, 'body.frozen: expected true');
}

/** Messages limit per address in the developer inbox panel: the latest few are what matter. */
export const DEV_INBOX_LIMIT = 5;

/** The developer inbox (demo/dev servers only): what the SMS and e-mail providers "sent" to `to`. */
export async function fetchDevInbox(to: string, signal?: AbortSignal): Promise<readonly InboxMessage[]> {
  const query = new URLSearchParams({ to, limit: String(DEV_INBOX_LIMIT) });
  const body = record(await request({ method: 'GET', path: `/api/v1/dev/inbox?${query}`, signal }), 'body');
  return array(body, 'messages', 'body').map((value, index) => {
    const where = `messages[${index}]`;
    const object = record(value, where);
    const channel = string(object, 'channel', where);
    if (channel !== 'sms' && channel !== 'email') throw badResponse(200, `${where}.channel: ${channel}`);
    return {
      channel,
      to: string(object, 'to', where),
      subject: nullableString(object, 'subject', where),
      text: string(object, 'text', where),
      sentAt: date(object, 'sentAt', where),
    };
  });
}
