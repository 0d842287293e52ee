/**
 * The signed-in user's account security (`/api/v1/me/...`, docs/identity.md): overview, step-up,
 * passwords, phone and e-mail, TOTP, backup codes, passkeys, sessions, devices and activity.
 * Sensitive calls answer 403 `step_up_required` until POST /me/step-up succeeded within 5 minutes;
 * the pages retry them through the step-up dialog (step-up-dialog.tsx).
 */

import {
  array,
  badResponse,
  boolean,
  date,
  isRecord,
  nullableDate,
  nullableString,
  number,
  record,
  request,
  string,
} from './api.ts';
import type { Ceremony, Cooldown } from './api-auth.ts';
import { ceremony } from './api-auth.ts';

export interface SecurityOverview {
  readonly phone: string;
  readonly email: string | null;
  readonly hasPaymentPassword: boolean;
  readonly totp: boolean;
  readonly backupCodesLeft: number;
  readonly passkeys: number;
  readonly paymentLockedUntil: Date | null;
  /** Whether the lock in force may be lifted now with the identity check (false for a second lock
   *  within 24 hours, and when there is none). */
  readonly paymentLockLiftable: boolean;
  readonly frozen: boolean;
  /** Until when this session's step-up holds; null when there is none. */
  readonly stepUpUntil: Date | null;
}

export const STEP_UP_METHODS = ['payment_password', 'sms', 'totp', 'backup_code', 'passkey'] as const;
export type StepUpMethod = (typeof STEP_UP_METHODS)[number];

/** A step-up; `password` (the login password) beside a second factor makes it the identity check. */
export type StepUpAnswer =
  | { readonly method: 'payment_password'; readonly paymentPassword: string }
  | { readonly method: 'sms' | 'totp' | 'backup_code'; readonly code: string; readonly password?: string }
  | {
      readonly method: 'passkey';
      readonly ceremonyId: string;
      readonly response: unknown;
      readonly password?: string;
    };

export interface TotpEnrollment {
  readonly secret: string;
  readonly otpauthUrl: string;
  /** An SVG document from the server's QR encoder; shown through an <img>, never inlined. */
  readonly qrSvg: string;
}

export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly deviceType: string | null;
  readonly backedUp: boolean;
}

export interface SessionView {
  readonly id: string;
  readonly deviceName: string | null;
  readonly ip: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly userAgent: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly current: boolean;
}

export interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly browser: string | null;
  readonly os: string | null;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly lastIp: string | null;
  readonly lastCountry: string | null;
  readonly lastCity: string | null;
  readonly current: boolean;
}

export interface SecurityEvent {
  readonly id: string;
  /** Kept as text: a new event type shows its name rather than breaking the list. */
  readonly type: string;
  readonly ip: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly details: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface SecurityEventPage {
  readonly events: readonly SecurityEvent[];
  readonly nextBefore: string | null;
}

/** Security events per page. */
export const SECURITY_EVENTS_PAGE_LIMIT = 20;

function ok(value: unknown, key: string): void {
  const body = record(value, 'body');
  if (body[key] !== true) throw badResponse(200, `body.${key}: expected true`);
}

function cooldown(value: unknown): Cooldown {
  return { resendAfterMs: number(record(value, 'body'), 'resendAfterMs', 'body') };
}

export async function fetchSecurityOverview(signal?: AbortSignal): Promise<SecurityOverview> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/security', signal }), 'body');
  const where = 'body';
  return {
    phone: string(body, 'phone', where),
    email: nullableString(body, 'email', where),
    hasPaymentPassword: boolean(body, 'hasPaymentPassword', where),
    totp: boolean(body, 'totp', where),
    backupCodesLeft: number(body, 'backupCodesLeft', where),
    passkeys: number(body, 'passkeys', where),
    paymentLockedUntil: nullableDate(body, 'paymentLockedUntil', where),
    paymentLockLiftable: boolean(body, 'paymentLockLiftable', where),
    frozen: boolean(body, 'frozen', where),
    stepUpUntil: nullableDate(body, 'stepUpUntil', where),
  };
}

// --- step-up

export async function sendStepUpCode(): Promise<Cooldown> {
  return cooldown(await request({ method: 'POST', path: '/api/v1/me/step-up/send-code' }));
}

export async function stepUpPasskeyOptions(): Promise<Ceremony> {
  return ceremony(await request({ method: 'POST', path: '/api/v1/me/step-up/passkey-options' }));
}

export async function stepUp(answer: StepUpAnswer): Promise<Date> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/step-up', body: answer }), 'body');
  return date(body, 'stepUpUntil', 'body');
}

// --- passwords, phone, e-mail (each needs a fresh step-up)

export async function changePassword(newPassword: string): Promise<void> {
  ok(await request({ method: 'POST', path: '/api/v1/me/password', body: { newPassword } }), 'ok');
}

/** Lifts the payment lock early (after the identity check); false when no lock was in force. */
export async function unlockPayments(): Promise<boolean> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/payment-password/unlock' }), 'body');
  return boolean(body, 'unlocked', 'body');
}

export async function changePaymentPassword(newPaymentPassword: string): Promise<void> {
  ok(
    await request({ method: 'POST', path: '/api/v1/me/payment-password', body: { newPaymentPassword } }),
    'ok',
  );
}

export async function startPhoneChange(phone: string): Promise<Cooldown> {
  return cooldown(await request({ method: 'POST', path: '/api/v1/me/phone/start', body: { phone } }));
}

export async function confirmPhoneChange(input: { phone: string; code: string }): Promise<void> {
  ok(await request({ method: 'POST', path: '/api/v1/me/phone/confirm', body: input }), 'ok');
}

export async function startEmailChange(email: string): Promise<Cooldown> {
  return cooldown(await request({ method: 'POST', path: '/api/v1/me/email/start', body: { email } }));
}

export async function confirmEmailChange(input: { email: string; code: string }): Promise<void> {
  ok(await request({ method: 'POST', path: '/api/v1/me/email/confirm', body: input }), 'ok');
}

// --- second factors

export async function enrollTotp(): Promise<TotpEnrollment> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/totp/enroll' }), 'body');
  return {
    secret: string(body, 'secret', 'body'),
    otpauthUrl: string(body, 'otpauthUrl', 'body'),
    qrSvg: string(body, 'qrSvg', 'body'),
  };
}

export async function confirmTotp(code: string): Promise<void> {
  ok(await request({ method: 'POST', path: '/api/v1/me/totp/confirm', body: { code } }), 'enabled');
}

export async function disableTotp(): Promise<void> {
  await request({ method: 'DELETE', path: '/api/v1/me/totp' });
}

export async function generateBackupCodes(): Promise<readonly string[]> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/backup-codes' }), 'body');
  return array(body, 'codes', 'body').map((code, index) => {
    if (typeof code !== 'string') throw badResponse(200, `body.codes[${index}]: expected a string`);
    return code;
  });
}

function passkey(value: unknown, where: string): Passkey {
  const object = record(value, where);
  return {
    id: string(object, 'id', where),
    name: string(object, 'name', where),
    createdAt: date(object, 'createdAt', where),
    lastUsedAt: nullableDate(object, 'lastUsedAt', where),
    deviceType: nullableString(object, 'deviceType', where),
    backedUp: boolean(object, 'backedUp', where),
  };
}

export async function fetchPasskeys(signal?: AbortSignal): Promise<readonly Passkey[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/passkeys', signal }), 'body');
  return array(body, 'passkeys', 'body').map((value, index) => passkey(value, `passkeys[${index}]`));
}

/** Starts adding a passkey (step-up): registration options for the browser. */
export async function passkeyRegistrationOptions(): Promise<Ceremony> {
  return ceremony(await request({ method: 'POST', path: '/api/v1/me/passkeys/options' }));
}

export async function addPasskey(input: {
  ceremonyId: string;
  response: unknown;
  name: string;
}): Promise<Passkey> {
  return passkey(await request({ method: 'POST', path: '/api/v1/me/passkeys', body: input }), 'body');
}

export async function renamePasskey(id: string, name: string): Promise<Passkey> {
  return passkey(
    await request({ method: 'PATCH', path: `/api/v1/me/passkeys/${encodeURIComponent(id)}`, body: { name } }),
    'body',
  );
}

export async function removePasskey(id: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/v1/me/passkeys/${encodeURIComponent(id)}` });
}

// --- sessions and devices

export async function fetchSessions(signal?: AbortSignal): Promise<readonly SessionView[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/sessions', signal }), 'body');
  return array(body, 'sessions', 'body').map((value, index) => {
    const where = `sessions[${index}]`;
    const object = record(value, where);
    return {
      id: string(object, 'id', where),
      deviceName: nullableString(object, 'deviceName', where),
      ip: nullableString(object, 'ip', where),
      country: nullableString(object, 'country', where),
      city: nullableString(object, 'city', where),
      userAgent: nullableString(object, 'userAgent', where),
      createdAt: date(object, 'createdAt', where),
      lastSeenAt: date(object, 'lastSeenAt', where),
      current: boolean(object, 'current', where),
    };
  });
}

export async function endSession(id: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/v1/me/sessions/${encodeURIComponent(id)}` });
}

export async function endOtherSessions(): Promise<number> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/sessions/end-others' }), 'body');
  return number(body, 'ended', 'body');
}

export async function fetchDevices(signal?: AbortSignal): Promise<readonly DeviceView[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/devices', signal }), 'body');
  return array(body, 'devices', 'body').map((value, index) => {
    const where = `devices[${index}]`;
    const object = record(value, where);
    return {
      id: string(object, 'id', where),
      name: string(object, 'name', where),
      browser: nullableString(object, 'browser', where),
      os: nullableString(object, 'os', where),
      firstSeenAt: date(object, 'firstSeenAt', where),
      lastSeenAt: date(object, 'lastSeenAt', where),
      lastIp: nullableString(object, 'lastIp', where),
      lastCountry: nullableString(object, 'lastCountry', where),
      lastCity: nullableString(object, 'lastCity', where),
      current: boolean(object, 'current', where),
    };
  });
}

export async function renameDevice(id: string, name: string): Promise<void> {
  await request({ method: 'PATCH', path: `/api/v1/me/devices/${encodeURIComponent(id)}`, body: { name } });
}

export async function removeDevice(id: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/v1/me/devices/${encodeURIComponent(id)}` });
}

// --- activity

export async function fetchSecurityEvents(options: {
  before: string | null;
  signal?: AbortSignal;
}): Promise<SecurityEventPage> {
  const query = new URLSearchParams({ limit: String(SECURITY_EVENTS_PAGE_LIMIT) });
  if (options.before !== null) query.set('before', options.before);
  const body = record(
    await request({ method: 'GET', path: `/api/v1/me/security-events?${query}`, signal: options.signal }),
    'body',
  );
  const nextBefore = body.nextBefore;
  if (nextBefore !== null && typeof nextBefore !== 'string') throw badResponse(200, 'body.nextBefore');
  const events = array(body, 'events', 'body').map((value, index) => {
    const where = `events[${index}]`;
    const object = record(value, where);
    return {
      id: string(object, 'id', where),
      type: string(object, 'type', where),
      ip: nullableString(object, 'ip', where),
      country: nullableString(object, 'country', where),
      city: nullableString(object, 'city', where),
      details: isRecord(object.details) ? object.details : {},
      createdAt: date(object, 'createdAt', where),
    };
  });
  return { events, nextBefore };
}
