/**
 * The credit line (docs/credit.md): limit, used, available, bills, and repayment from the wallet.
 * Spending on credit is a payment intent with channel "credit_line" (api-payments.ts).
 */
import { array, boolean, date, record, request, string } from './api.ts';
import { wireMoney } from './api-payments.ts';
import type { WireMoney } from './money.ts';

export interface CreditBill {
  readonly id: string;
  readonly period: string;
  readonly amount: WireMoney;
  readonly repaid: WireMoney;
  readonly remaining: WireMoney;
  readonly statementAt: Date;
  readonly dueAt: Date;
  /** open, paid or overdue; kept as text so a new status shows. */
  readonly status: string;
}

export interface CreditLine {
  readonly limit: WireMoney;
  readonly used: WireMoney;
  readonly available: WireMoney;
  readonly billed: WireMoney;
  readonly unbilled: WireMoney;
  readonly overdue: boolean;
  readonly currentBill: CreditBill | null;
  readonly nextStatementAt: Date;
  readonly bills: readonly CreditBill[];
}

function bill(value: unknown, where: string): CreditBill {
  const object = record(value, where);
  return {
    id: string(object, 'id', where),
    period: string(object, 'period', where),
    amount: wireMoney(object.amount, `${where}.amount`),
    repaid: wireMoney(object.repaid, `${where}.repaid`),
    remaining: wireMoney(object.remaining, `${where}.remaining`),
    statementAt: date(object, 'statementAt', where),
    dueAt: date(object, 'dueAt', where),
    status: string(object, 'status', where),
  };
}

function creditLine(value: unknown): CreditLine {
  const where = 'creditLine';
  const object = record(value, where);
  return {
    limit: wireMoney(object.limit, `${where}.limit`),
    used: wireMoney(object.used, `${where}.used`),
    available: wireMoney(object.available, `${where}.available`),
    billed: wireMoney(object.billed, `${where}.billed`),
    unbilled: wireMoney(object.unbilled, `${where}.unbilled`),
    overdue: boolean(object, 'overdue', where),
    currentBill: object.currentBill === null ? null : bill(object.currentBill, `${where}.currentBill`),
    nextStatementAt: date(object, 'nextStatementAt', where),
    bills: array(object, 'bills', where).map((b, i) => bill(b, `${where}.bills[${i}]`)),
  };
}

/** The signed-in user's credit line, or null when none was granted. */
export async function fetchCreditLine(signal?: AbortSignal): Promise<CreditLine | null> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/credit', signal }), 'body');
  return body.creditLine === null ? null : creditLine(body.creditLine);
}

export async function repayCredit(input: {
  amount: WireMoney;
  clientRequestId: string;
}): Promise<{ readonly transferId: string; readonly creditLine: CreditLine }> {
  const body = record(
    await request({ method: 'POST', path: '/api/v1/me/credit/repayments', body: input }),
    'body',
  );
  return { transferId: string(body, 'transferId', 'body'), creditLine: creditLine(body.creditLine) };
}
