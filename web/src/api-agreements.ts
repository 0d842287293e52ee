/**
 * Agreements, family cards, authorised apps (docs/agreements.md) and the records and bills
 * (docs/records.md): readers that check every field once, and the calls the pages make.
 */
import { array, date, nullableDate, nullableString, number, record, request, string } from './api.ts';
import { wireMoney } from './api-payments.ts';
import type { WireMoney } from './money.ts';

export interface Agreement {
  readonly id: string;
  readonly merchantName: string;
  readonly purpose: string;
  readonly perDebitCap: WireMoney;
  readonly monthlyCap: WireMoney;
  readonly usedThisMonth: WireMoney;
  /** pending, active, cancelled, suspended or expired; text so a new status still shows. */
  readonly status: string;
  readonly requestExpiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly reviewedAt: Date | null;
}

export interface FamilyCard {
  readonly id: string;
  readonly role: 'owner' | 'member';
  readonly counterpartName: string;
  readonly counterpartPhone: string;
  readonly monthlyCap: WireMoney;
  readonly usedThisMonth: WireMoney;
  readonly status: string;
  readonly lastUsedAt: Date | null;
}

export interface FamilyCardPayment {
  readonly id: string;
  readonly merchantName: string;
  readonly amount: WireMoney;
  /** succeeded, in_review (held for the risk team until reviewDeadlineAt) or declined; text so a
   *  new status still shows. */
  readonly status: string;
  readonly reviewDeadlineAt: Date | null;
  readonly createdAt: Date;
}

export interface AuthorisedApp {
  readonly id: string;
  readonly appName: string;
  readonly merchantName: string;
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface RecordRow {
  readonly id: string;
  readonly transferId: string;
  readonly type: string;
  readonly status: string;
  readonly amount: WireMoney;
  readonly counterparty: string | null;
  readonly note: string | null;
  readonly createdAt: Date;
}

export interface BillCategory {
  readonly type: string;
  readonly count: number;
  readonly in: WireMoney;
  readonly out: WireMoney;
}

export interface Bill {
  readonly month: string;
  readonly categories: readonly BillCategory[];
  readonly truncated: boolean;
}

function agreement(value: unknown): Agreement {
  const o = record(value, 'agreement');
  return {
    id: string(o, 'id', 'agreement'),
    merchantName: string(record(o.merchant, 'agreement.merchant'), 'name', 'agreement.merchant'),
    purpose: string(o, 'purpose', 'agreement'),
    perDebitCap: wireMoney(o.perDebitCap, 'agreement.perDebitCap'),
    monthlyCap: wireMoney(o.monthlyCap, 'agreement.monthlyCap'),
    usedThisMonth: wireMoney(o.usedThisMonth, 'agreement.usedThisMonth'),
    status: string(o, 'status', 'agreement'),
    requestExpiresAt: date(o, 'requestExpiresAt', 'agreement'),
    lastUsedAt: nullableDate(o, 'lastUsedAt', 'agreement'),
    reviewedAt: nullableDate(o, 'reviewedAt', 'agreement'),
  };
}

function familyCard(value: unknown): FamilyCard {
  const o = record(value, 'card');
  const other = record(o.counterpart, 'card.counterpart');
  const role = string(o, 'role', 'card');
  return {
    id: string(o, 'id', 'card'),
    role: role === 'owner' ? 'owner' : 'member',
    counterpartName: string(other, 'maskedName', 'card.counterpart'),
    counterpartPhone: string(other, 'maskedPhone', 'card.counterpart'),
    monthlyCap: wireMoney(o.monthlyCap, 'card.monthlyCap'),
    usedThisMonth: wireMoney(o.usedThisMonth, 'card.usedThisMonth'),
    status: string(o, 'status', 'card'),
    lastUsedAt: nullableDate(o, 'lastUsedAt', 'card'),
  };
}

function familyPayment(value: unknown): FamilyCardPayment {
  const o = record(value, 'payment');
  return {
    id: string(o, 'id', 'payment'),
    merchantName: string(record(o.merchant, 'payment.merchant'), 'name', 'payment.merchant'),
    amount: wireMoney(o.amount, 'payment.amount'),
    status: string(o, 'status', 'payment'),
    reviewDeadlineAt: nullableDate(o, 'reviewDeadlineAt', 'payment'),
    createdAt: date(o, 'createdAt', 'payment'),
  };
}

function app(value: unknown): AuthorisedApp {
  const o = record(value, 'app');
  return {
    id: string(o, 'id', 'app'),
    appName: string(o, 'appName', 'app'),
    merchantName: string(record(o.merchant, 'app.merchant'), 'name', 'app.merchant'),
    scopes: array(o, 'scopes', 'app').filter((s): s is string => typeof s === 'string'),
    grantedAt: date(o, 'grantedAt', 'app'),
    lastUsedAt: nullableDate(o, 'lastUsedAt', 'app'),
  };
}

function recordRow(value: unknown): RecordRow {
  const o = record(value, 'record');
  return {
    id: string(o, 'id', 'record'),
    transferId: string(o, 'transferId', 'record'),
    type: string(o, 'type', 'record'),
    status: string(o, 'status', 'record'),
    amount: wireMoney(o.amount, 'record.amount'),
    counterparty: nullableString(o, 'counterparty', 'record'),
    note: nullableString(o, 'note', 'record'),
    createdAt: date(o, 'createdAt', 'record'),
  };
}

const enc = encodeURIComponent;

export async function fetchAgreements(signal?: AbortSignal): Promise<readonly Agreement[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/agreements', signal }), 'body');
  return array(body, 'agreements', 'body').map(agreement);
}

export async function fetchAgreement(id: string, signal?: AbortSignal): Promise<Agreement> {
  const body = record(
    await request({ method: 'GET', path: `/api/v1/me/agreements/${enc(id)}`, signal }),
    'body',
  );
  return agreement(body.agreement);
}

/** A merchant's signing link (alipay.user.agreement.page.sign): becomes the caller's pending agreement. */
export async function claimAgreementRequest(requestId: string): Promise<string> {
  const body = record(
    await request({ method: 'POST', path: `/api/v1/agreement-requests/${enc(requestId)}/claim`, body: {} }),
    'body',
  );
  return string(body, 'agreementId', 'body');
}

/** After signing or declining a merchant's link: its signed return_url, or null when it gave none. */
export async function agreementRequestReturnUrl(requestId: string): Promise<string | null> {
  const body = record(
    await request({ method: 'POST', path: `/api/v1/agreement-requests/${enc(requestId)}/return`, body: {} }),
    'return',
  );
  return nullableString(body, 'url', 'return');
}

export async function confirmAgreement(id: string, paymentPassword: string): Promise<Agreement> {
  return agreement(
    await request({
      method: 'POST',
      path: `/api/v1/me/agreements/${enc(id)}/confirm`,
      body: { paymentPassword },
    }),
  );
}

export async function cancelAgreement(id: string): Promise<Agreement> {
  return agreement(await request({ method: 'POST', path: `/api/v1/me/agreements/${enc(id)}/cancel` }));
}

/** "I looked at it and keep it": resets the check-up's 90-day review clock. */
export async function reviewAgreement(id: string): Promise<Agreement> {
  return agreement(await request({ method: 'POST', path: `/api/v1/me/agreements/${enc(id)}/review` }));
}

/** What is left of a family card's cap this calendar month. */
export function familyCardLeft(card: FamilyCard): WireMoney {
  const leftMinor = BigInt(card.monthlyCap.amountMinor) - BigInt(card.usedThisMonth.amountMinor);
  return { amountMinor: (leftMinor > 0n ? leftMinor : 0n).toString(), currency: card.monthlyCap.currency };
}

/** The cards the signed-in user holds and may pay with now (accepted, not cancelled or suspended). */
export async function fetchUsableFamilyCards(signal?: AbortSignal): Promise<readonly FamilyCard[]> {
  return (await fetchFamilyCards(signal)).filter((c) => c.role === 'member' && c.status === 'active');
}

export async function fetchFamilyCards(signal?: AbortSignal): Promise<readonly FamilyCard[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/family-cards', signal }), 'body');
  return array(body, 'cards', 'body').map(familyCard);
}

export async function offerFamilyCard(input: {
  memberPhone: string;
  monthlyCap: WireMoney;
  paymentPassword: string;
}): Promise<FamilyCard> {
  return familyCard(await request({ method: 'POST', path: '/api/v1/me/family-cards', body: input }));
}

export async function acceptFamilyCard(id: string): Promise<FamilyCard> {
  return familyCard(await request({ method: 'POST', path: `/api/v1/me/family-cards/${enc(id)}/accept` }));
}

export async function cancelFamilyCard(id: string): Promise<FamilyCard> {
  return familyCard(await request({ method: 'POST', path: `/api/v1/me/family-cards/${enc(id)}/cancel` }));
}

export async function fetchFamilyCardPayments(
  id: string,
  signal?: AbortSignal,
): Promise<readonly FamilyCardPayment[]> {
  const body = record(
    await request({ method: 'GET', path: `/api/v1/me/family-cards/${enc(id)}/payments`, signal }),
    'body',
  );
  return array(body, 'payments', 'body').map(familyPayment);
}

export async function payWithFamilyCard(
  id: string,
  input: { merchantId: string; amount: WireMoney; paymentPassword: string; clientRequestId: string },
): Promise<FamilyCardPayment> {
  return familyPayment(
    await request({ method: 'POST', path: `/api/v1/me/family-cards/${enc(id)}/payments`, body: input }),
  );
}

export async function fetchAuthorisedApps(signal?: AbortSignal): Promise<readonly AuthorisedApp[]> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/authorised-apps', signal }), 'body');
  return array(body, 'apps', 'body').map(app);
}

export async function revokeAuthorisedApp(id: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/v1/me/authorised-apps/${enc(id)}` });
}

/** Filters as the records API takes them (dates YYYY-MM-DD, amounts in minor units). */
export interface RecordFilters {
  readonly type?: string;
  readonly status?: string;
  readonly counterparty?: string;
  readonly from?: string;
  readonly to?: string;
  readonly minAmount?: string;
  readonly maxAmount?: string;
}

export function recordsQuery(filters: RecordFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) {
    if (typeof value === 'string' && value !== '') params.set(key, value);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export async function fetchRecords(
  filters: RecordFilters,
  before: string | null,
  signal?: AbortSignal,
): Promise<{ records: readonly RecordRow[]; nextBefore: string | null }> {
  const extra: Record<string, string> = { limit: '20' };
  if (before !== null) extra.before = before;
  const body = record(
    await request({ method: 'GET', path: `/api/v1/me/records${recordsQuery(filters, extra)}`, signal }),
    'body',
  );
  return {
    records: array(body, 'records', 'body').map(recordRow),
    nextBefore: nullableString(body, 'nextBefore', 'body'),
  };
}

export async function fetchBill(month: string, signal?: AbortSignal): Promise<Bill> {
  const body = record(
    await request({ method: 'GET', path: `/api/v1/me/bills/${enc(month)}`, signal }),
    'body',
  );
  return {
    month: string(body, 'month', 'bill'),
    truncated: body.truncated === true,
    categories: array(body, 'categories', 'bill').map((value, i) => {
      const o = record(value, `bill.categories[${i}]`);
      return {
        type: string(o, 'type', 'category'),
        count: number(o, 'count', 'category'),
        in: wireMoney(o.in, 'category.in'),
        out: wireMoney(o.out, 'category.out'),
      };
    }),
  };
}

export function billPdfUrl(month: string, locale: string): string {
  return `/api/v1/me/bills/${enc(month)}.pdf?lang=${locale === 'zh-CN' ? 'zh-CN' : 'en'}`;
}

export function recordsCsvUrl(filters: RecordFilters): string {
  return `/api/v1/me/records.csv${recordsQuery(filters)}`;
}
