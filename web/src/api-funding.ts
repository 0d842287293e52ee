/**
 * Funding sources and QR codes (docs/funding.md, docs/qr.md): linked bank cards, top-ups and
 * withdrawals whose outcome the bank gives later (the page polls the operation), the signed-in
 * person's collect-money code, and resolving or paying a pasted code. Paying answers a payment
 * intent, confirmed like a transfer.
 */
import { array, nullableString, record, request, string } from './api.ts';
import { intent, type PaymentChannel, type PaymentIntent, wireMoney } from './api-payments.ts';
import type { WireMoney } from './money.ts';

export interface Card {
  readonly id: string;
  readonly masked: string;
  readonly last4: string;
  readonly brand: string;
  readonly bank: string | null;
}

export interface FundingOperation {
  readonly id: string;
  readonly kind: string;
  /** `pending`, `succeeded` or `failed`; kept as text so a new status shows. */
  readonly status: string;
  readonly cardMasked: string;
  readonly amount: WireMoney;
  readonly failureReason: string | null;
  /** A withdrawal the risk engine held for review: not sent to the bank until approved. */
  readonly inReviewUntil: string | null;
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function card(value: unknown): Card {
  const object = record(value, 'card');
  return {
    id: string(object, 'id', 'card'),
    masked: string(object, 'masked', 'card'),
    last4: string(object, 'last4', 'card'),
    brand: optionalText(object.brand) ?? '',
    bank: optionalText(object.bank),
  };
}

function operation(value: unknown): FundingOperation {
  const object = record(value, 'operation');
  const cardObject = record(object.card, 'operation.card');
  return {
    id: string(object, 'id', 'operation'),
    kind: string(object, 'kind', 'operation'),
    status: string(object, 'status', 'operation'),
    cardMasked: string(cardObject, 'masked', 'operation.card'),
    amount: wireMoney(object.amount, 'operation.amount'),
    failureReason: nullableString(object, 'failureReason', 'operation'),
    // Issue 5: a withdrawal held for a risk review (absent from older servers: not in review).
    inReviewUntil: typeof object.inReviewUntil === 'string' ? object.inReviewUntil : null,
  };
}

export async function fetchCards(signal?: AbortSignal): Promise<readonly Card[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/cards', signal }), 'body');
  return array(body, 'cards', 'body').map(card);
}

export async function linkCard(cardNumber: string): Promise<Card> {
  return card(await request({ method: 'POST', path: '/api/v1/me/cards', body: { cardNumber } }));
}

export async function removeCard(cardId: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/v1/me/cards/${encodeURIComponent(cardId)}` });
}

export async function startTopUp(input: {
  cardId: string;
  amount: WireMoney;
  clientRequestId: string;
}): Promise<FundingOperation> {
  return operation(await request({ method: 'POST', path: '/api/v1/funding/top-ups', body: input }));
}

export async function startWithdrawal(input: {
  cardId: string;
  amount: WireMoney;
  paymentPassword: string;
  clientRequestId: string;
}): Promise<FundingOperation> {
  return operation(await request({ method: 'POST', path: '/api/v1/funding/withdrawals', body: input }));
}

export async function fetchFundingOperation(id: string, signal?: AbortSignal): Promise<FundingOperation> {
  return operation(
    await request({ method: 'GET', path: `/api/v1/funding/operations/${encodeURIComponent(id)}`, signal }),
  );
}

export interface CollectCode {
  readonly code: string;
  readonly svg: string;
  readonly expiresAt: string;
}

export async function fetchCollectCode(signal?: AbortSignal): Promise<CollectCode> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/collect-qr', signal }), 'body');
  return {
    code: string(body, 'code', 'body'),
    svg: string(body, 'svg', 'body'),
    expiresAt: string(body, 'expiresAt', 'body'),
  };
}

export interface ResolvedCode {
  /** A merchant's own code, a person's collect code, or one merchant order. */
  readonly codeKind: 'merchant' | 'collect' | 'order';
  /** A merchant's verified name, or a person's masked name. */
  readonly payeeName: string;
  readonly merchant: boolean;
  /** The merchant's id (a family card pays it by id), null for a person. */
  readonly merchantId: string | null;
  readonly amount: WireMoney | null;
  /** Issue 9: for a merchant, whether Rampart checked the name, and whether it is new. */
  readonly verified: boolean;
  readonly isNew: boolean;
}

export async function resolveCode(code: string): Promise<ResolvedCode> {
  const body = record(await request({ method: 'POST', path: '/api/v1/qr/resolve', body: { code } }), 'body');
  const payee = record(body.payee, 'payee');
  const merchant = string(payee, 'kind', 'payee') === 'merchant';
  const codeKind = string(body, 'codeKind', 'body');
  return {
    codeKind: codeKind === 'merchant' || codeKind === 'order' ? codeKind : 'collect',
    payeeName: merchant ? string(payee, 'name', 'payee') : string(payee, 'maskedName', 'payee'),
    merchant,
    merchantId: merchant ? string(payee, 'merchantId', 'payee') : null,
    amount: body.amount === null || body.amount === undefined ? null : wireMoney(body.amount, 'amount'),
    verified: merchant && payee.verified === true,
    isNew: merchant && payee.isNew === true,
  };
}

export async function payByCode(input: {
  code: string;
  amount: WireMoney | null;
  clientRequestId: string;
  /** The balance unless the payer chose the credit line. */
  channel?: PaymentChannel;
}): Promise<PaymentIntent> {
  const body: Record<string, unknown> = {
    code: input.code,
    clientRequestId: input.clientRequestId,
    channel: input.channel ?? 'balance',
  };
  if (input.amount !== null) body.amount = input.amount;
  return intent(await request({ method: 'POST', path: '/api/v1/qr/pay', body }));
}

/** The SVG as a data: URL for an <img>, UTF-8 safe. */
export function svgDataUrl(svg: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}
