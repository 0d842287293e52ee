/**
 * Payments (docs/payments.md): create an intent for one payee and amount, confirm it with the
 * payment password, a passkey or nothing (password-free) or cancel it, and the payer's own limits and
 * password-free settings. Raising a limit or turning password-free on answers 403
 * step_up_required; the pages retry those through the step-up dialog.
 */
import {
  array,
  badResponse,
  boolean,
  type JsonRecord,
  nullableString,
  record,
  request,
  string,
} from './api.ts';
import type { WireMoney } from './money.ts';
import { parseAmountMinor } from './money.ts';

export type Confirmation =
  | 'none'
  | 'payment_password'
  | 'passkey_or_payment_password'
  | 'payment_password_and_second_factor';
const CONFIRMATIONS: readonly Confirmation[] = [
  'none',
  'payment_password',
  'passkey_or_payment_password',
  'payment_password_and_second_factor',
];

export type IntentPayee =
  | { readonly kind: 'user'; readonly maskedName: string; readonly maskedPhone: string }
  | { readonly kind: 'merchant'; readonly merchantId: string; readonly name: string };

export interface PaymentIntent {
  readonly id: string;
  /** `awaiting_confirmation`, `succeeded`, `expired`, `in_review`, `declined` or `cancelled`; kept
   *  as text so a new status shows. */
  readonly status: string;
  readonly payee: IntentPayee;
  readonly amount: WireMoney;
  readonly note: string | null;
  readonly confirmation: Confirmation;
  readonly allowanceLeftToday: WireMoney;
  readonly transferId: string | null;
  /** Issue 9: a first payment to this payee; confirm needs the warning acknowledged. */
  readonly fraudWarning: boolean;
}

export interface ChannelLimits {
  readonly channel: string;
  readonly available: boolean;
  readonly perPayment: WireMoney;
  readonly perDay: WireMoney;
  readonly platformMaxPerPayment: WireMoney;
  readonly platformMaxPerDay: WireMoney;
  readonly spentToday: WireMoney;
  readonly allowanceLeftToday: WireMoney;
}

export interface PaymentLimits {
  readonly day: string;
  readonly channels: readonly ChannelLimits[];
}

export interface PasswordFree {
  readonly enabled: boolean;
  readonly perPaymentCap: WireMoney;
  readonly dailyCap: WireMoney;
  readonly ceiling: WireMoney;
  readonly usedToday: WireMoney;
  readonly leftToday: WireMoney;
}

export function wireMoney(value: unknown, where: string): WireMoney {
  const object = record(value, where);
  const amountMinor = string(object, 'amountMinor', where);
  if (parseAmountMinor(amountMinor) === null) throw badResponse(200, `${where}.amountMinor: not an integer`);
  return { amountMinor, currency: string(object, 'currency', where) };
}

function payee(value: unknown): IntentPayee {
  const object = record(value, 'payee');
  const kind = string(object, 'kind', 'payee');
  if (kind === 'user') {
    return {
      kind,
      maskedName: string(object, 'maskedName', 'payee'),
      maskedPhone: string(object, 'maskedPhone', 'payee'),
    };
  }
  if (kind === 'merchant') {
    return { kind, merchantId: string(object, 'merchantId', 'payee'), name: string(object, 'name', 'payee') };
  }
  throw badResponse(200, `payee.kind: ${kind}`);
}

export function intent(value: unknown): PaymentIntent {
  const object = record(value, 'intent');
  const confirmation = string(object, 'confirmation', 'intent');
  const known = CONFIRMATIONS.find((c) => c === confirmation);
  if (known === undefined) throw badResponse(200, `intent.confirmation: ${confirmation}`);
  return {
    id: string(object, 'id', 'intent'),
    status: string(object, 'status', 'intent'),
    payee: payee(object.payee),
    amount: wireMoney(object.amount, 'intent.amount'),
    note: nullableString(object, 'note', 'intent'),
    confirmation: known,
    allowanceLeftToday: wireMoney(object.allowanceLeftToday, 'intent.allowanceLeftToday'),
    transferId: nullableString(object, 'transferId', 'intent'),
    fraudWarning: object.fraudWarning === true,
  };
}

function channelLimits(value: unknown, index: number): ChannelLimits {
  const where = `channels[${index}]`;
  const object: JsonRecord = record(value, where);
  return {
    channel: string(object, 'channel', where),
    available: boolean(object, 'available', where),
    perPayment: wireMoney(object.perPayment, `${where}.perPayment`),
    perDay: wireMoney(object.perDay, `${where}.perDay`),
    platformMaxPerPayment: wireMoney(object.platformMaxPerPayment, `${where}.platformMaxPerPayment`),
    platformMaxPerDay: wireMoney(object.platformMaxPerDay, `${where}.platformMaxPerDay`),
    spentToday: wireMoney(object.spentToday, `${where}.spentToday`),
    allowanceLeftToday: wireMoney(object.allowanceLeftToday, `${where}.allowanceLeftToday`),
  };
}

function passwordFree(value: unknown): PasswordFree {
  const object = record(value, 'passwordFree');
  const where = 'passwordFree';
  return {
    enabled: boolean(object, 'enabled', where),
    perPaymentCap: wireMoney(object.perPaymentCap, `${where}.perPaymentCap`),
    dailyCap: wireMoney(object.dailyCap, `${where}.dailyCap`),
    ceiling: wireMoney(object.ceiling, `${where}.ceiling`),
    usedToday: wireMoney(object.usedToday, `${where}.usedToday`),
    leftToday: wireMoney(object.leftToday, `${where}.leftToday`),
  };
}

/** A fresh idempotency key per payment the person starts (docs/payments.md, "Idempotency"). */
export function newClientRequestId(): string {
  return crypto.randomUUID();
}

/** Where a payment's money comes from: the wallet balance or the credit line (docs/credit.md). */
export type PaymentChannel = 'balance' | 'credit_line';

export async function createPaymentIntent(input: {
  phone: string;
  amount: WireMoney;
  note: string;
  clientRequestId: string;
  channel?: PaymentChannel;
}): Promise<PaymentIntent> {
  const body: Record<string, unknown> = {
    payee: { phone: input.phone },
    amount: input.amount,
    channel: input.channel ?? 'balance',
    clientRequestId: input.clientRequestId,
  };
  if (input.note !== '') body.note = input.note;
  return intent(await request({ method: 'POST', path: '/api/v1/payments/intents', body }));
}

export async function paymentPasskeyOptions(
  intentId: string,
): Promise<{ readonly ceremonyId: string; readonly options: unknown }> {
  const body = record(
    await request({
      method: 'POST',
      path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}/passkey-options`,
    }),
    'body',
  );
  return { ceremonyId: string(body, 'ceremonyId', 'body'), options: body.options };
}

export type PaymentConfirmation =
  | { readonly paymentPassword: string }
  | { readonly paymentPassword: string; readonly smsCode: string }
  | {
      readonly paymentPassword: string;
      readonly passkey: { readonly ceremonyId: string; readonly response: unknown };
    }
  | { readonly passkey: { readonly ceremonyId: string; readonly response: unknown } }
  | Record<string, never>;

export async function confirmPaymentIntent(
  intentId: string,
  confirmation: PaymentConfirmation,
  options: { readonly warningAcknowledged?: boolean } = {},
): Promise<PaymentIntent> {
  return intent(
    await request({
      method: 'POST',
      path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}/confirm`,
      body: options.warningAcknowledged ? { ...confirmation, warningAcknowledged: true } : confirmation,
    }),
  );
}

/** One of the person's own payments, as it stands now. */
export async function fetchPaymentIntent(intentId: string): Promise<PaymentIntent> {
  return intent(
    await request({ method: 'GET', path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}` }),
  );
}

/**
 * Cancels a payment before it is confirmed: the server ends it `cancelled`, so it can never be
 * confirmed later. Answers the intent (the same again when repeated); `intent_not_cancellable`
 * (409, `details.status`) when it was paid, held, declined or expired meanwhile.
 */
export async function cancelPaymentIntent(intentId: string): Promise<PaymentIntent> {
  return intent(
    await request({
      method: 'POST',
      path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}/cancel`,
    }),
  );
}

export async function fetchPaymentLimits(signal?: AbortSignal): Promise<PaymentLimits> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/limits', signal }), 'body');
  return { day: string(body, 'day', 'body'), channels: array(body, 'channels', 'body').map(channelLimits) };
}

export async function setPaymentLimits(input: {
  channel: string;
  perPayment: WireMoney;
  perDay: WireMoney;
}): Promise<ChannelLimits> {
  return channelLimits(
    await request({
      method: 'PUT',
      path: `/api/v1/me/limits/${encodeURIComponent(input.channel)}`,
      body: { perPayment: input.perPayment, perDay: input.perDay },
    }),
    0,
  );
}

export async function fetchPasswordFree(signal?: AbortSignal): Promise<PasswordFree> {
  return passwordFree(await request({ method: 'GET', path: '/api/v1/me/password-free', signal }));
}

export async function setPasswordFree(input: {
  enabled: boolean;
  perPaymentCap?: WireMoney;
  dailyCap?: WireMoney;
}): Promise<PasswordFree> {
  return passwordFree(await request({ method: 'PUT', path: '/api/v1/me/password-free', body: input }));
}
