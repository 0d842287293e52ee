/**
 * Issue 7's API for people (not operators): emergency freeze, "my account was stolen" with its
 * activity and claim, the signed-out recovery flows, manual recovery and its cancel link.
 * Responses are checked here so pages only see well-formed values.
 */
import { ApiError, badResponse, type JsonRecord, nullableString, record, request, string } from './api.ts';

export type RecoveryKind = 'freeze' | 'unfreeze' | 'forgot-login' | 'forgot-payment';

export interface ActivityItem {
  readonly kind: 'money_out' | 'sign_in';
  readonly id: string;
  readonly code: string;
  readonly amountMinor: string | null;
  readonly currency: string | null;
  readonly where: string | null;
  readonly at: Date;
}

export interface StolenReport {
  readonly reportToken: string;
  readonly grantsSuspended: number;
  readonly activity: readonly ActivityItem[];
}

export interface ClaimSummary {
  readonly id: string;
  readonly status: string;
}

export interface Methods {
  readonly totp: boolean;
  readonly passkey: boolean;
  readonly backupCode: boolean;
  readonly idCheck: boolean;
  readonly operatorApproved: boolean;
}

export type Factor =
  | { readonly method: 'totp' | 'backup_code'; readonly code: string }
  | { readonly method: 'passkey'; readonly ceremonyId: string; readonly response: unknown }
  | { readonly method: 'id_check'; readonly realName: string; readonly idNumber: string };

function bool(parent: JsonRecord, key: string): boolean {
  const value = parent[key];
  if (typeof value !== 'boolean') throw badResponse(200, `${key}: expected a boolean`);
  return value;
}

function activity(value: unknown): ActivityItem {
  const item = record(value, 'activity[]');
  const kind = string(item, 'kind', 'activity[]');
  if (kind !== 'money_out' && kind !== 'sign_in') throw badResponse(200, 'activity[].kind');
  return {
    kind,
    id: string(item, 'id', 'activity[]'),
    code: string(item, 'code', 'activity[]'),
    amountMinor: nullableString(item, 'amountMinor', 'activity[]'),
    currency: nullableString(item, 'currency', 'activity[]'),
    where: nullableString(item, 'where', 'activity[]'),
    at: new Date(string(item, 'at', 'activity[]')),
  };
}

export async function freezeMyAccount(): Promise<void> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/freeze' }), 'body');
  if (body.frozen !== true) throw badResponse(200, 'body.frozen');
}

export async function reportStolen(suspectedSince: Date): Promise<StolenReport> {
  const body = record(
    await request({
      method: 'POST',
      path: '/api/v1/me/stolen',
      body: { suspectedSince: suspectedSince.toISOString() },
    }),
    'body',
  );
  const list = body.activity;
  if (!Array.isArray(list)) throw badResponse(200, 'body.activity');
  const grants = body.grantsSuspended;
  return {
    reportToken: string(body, 'reportToken', 'body'),
    grantsSuspended: typeof grants === 'number' ? grants : 0,
    activity: list.map(activity),
  };
}

export async function claimStolen(input: {
  reportToken: string;
  transferIds: readonly string[];
  credentialsShared: boolean;
  statement: string;
}): Promise<ClaimSummary> {
  const body = record(
    await request({ method: 'POST', path: '/api/v1/recovery/stolen/claim', body: input }),
    'body',
  );
  return { id: string(body, 'id', 'body'), status: string(body, 'status', 'body') };
}

export async function startRecovery(
  kind: RecoveryKind,
  phone: string,
): Promise<{ attemptToken: string; humanCheck: string | null }> {
  const body = record(
    await request({ method: 'POST', path: `/api/v1/recovery/${kind}/start`, body: { phone } }),
    'body',
  );
  return {
    attemptToken: string(body, 'attemptToken', 'body'),
    humanCheck: nullableString(body, 'humanCheck', 'body'),
  };
}

export async function verifyRecoveryCode(
  kind: RecoveryKind,
  attemptToken: string,
  code: string,
): Promise<Methods> {
  const body = record(
    await request({
      method: 'POST',
      path: `/api/v1/recovery/${kind}/verify-code`,
      body: { attemptToken, code },
    }),
    'body',
  );
  return {
    totp: bool(body, 'totp'),
    passkey: bool(body, 'passkey'),
    backupCode: bool(body, 'backupCode'),
    idCheck: bool(body, 'idCheck'),
    operatorApproved: bool(body, 'operatorApproved'),
  };
}

/** WebAuthn options for the passkey factor of an attempt whose SMS code was verified. */
export async function recoveryPasskeyOptions(
  kind: RecoveryKind,
  attemptToken: string,
): Promise<{ ceremonyId: string; options: unknown }> {
  const body = record(
    await request({
      method: 'POST',
      path: `/api/v1/recovery/${kind}/passkey-options`,
      body: { attemptToken },
    }),
    'body',
  );
  return { ceremonyId: string(body, 'ceremonyId', 'body'), options: body.options };
}

export async function resetLoginPassword(input: {
  attemptToken: string;
  factor?: Factor;
  newPassword: string;
}): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/forgot-login/reset', body: input });
}

export async function resetPaymentPassword(input: {
  attemptToken: string;
  realName: string;
  idNumber: string;
  humanAnswer: string;
  newPaymentPassword: string;
}): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/forgot-payment/reset', body: input });
}

export async function completeUnfreeze(input: {
  attemptToken: string;
  realName?: string;
  idNumber?: string;
  factor?: Factor;
  newPassword: string;
  newPaymentPassword: string;
}): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/unfreeze/complete', body: input });
}

export async function sendManualNewPhoneCode(newPhone: string): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/manual/new-phone-code', body: { newPhone } });
}

/** Multipart: fields and the chosen files; the browser sets the boundary. */
export async function submitManualRecovery(form: FormData): Promise<string> {
  const response = await fetch('/api/v1/recovery/manual', {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
  });
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = record(record(json, 'body').error, 'body.error');
    throw new ApiError({
      kind: 'server',
      status: response.status,
      code: string(error, 'code', 'error'),
      message: string(error, 'message', 'error'),
    });
  }
  return string(record(json, 'body'), 'statusToken', 'body');
}

export async function cancelManualRecovery(token: string): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/manual/cancel', body: { token } });
}

/** Freeze without the phone: the same answer whether or not the details matched. */
export async function freezeById(input: {
  phone: string;
  realName: string;
  idNumber: string;
}): Promise<void> {
  await request({ method: 'POST', path: '/api/v1/recovery/freeze/by-id', body: input });
}
