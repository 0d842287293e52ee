/** The credit line as its owner sees it, and the reads the use cases share. */
import type { Selectable } from 'kysely';
import type { Executor } from '../identity/index.ts';
import { assert, type Currency, isCurrency, type Money } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { currentPeriod } from './billing-calendar.ts';
import { BILLS_SHOWN_MAX } from './constants.ts';

export type BillRow = Selectable<Database['credit_bills']>;
export type BillStatus = 'open' | 'paid' | 'overdue';

export interface BillView {
  readonly id: string;
  /** YYYY-MM, the month billed. */
  readonly period: string;
  readonly amount: Money;
  readonly repaid: Money;
  readonly remaining: Money;
  readonly statementAt: Date;
  readonly dueAt: Date;
  /** Read live: an open bill past its due date is overdue even before runDue() marks it. */
  readonly status: BillStatus;
}

export interface CreditLineView {
  readonly limit: Money;
  /** What is owed now: spending not yet repaid, billed or not. */
  readonly used: Money;
  readonly available: Money;
  /** Owed on statements already made. */
  readonly billed: Money;
  /** Spent since the last statement (and not repaid yet): on the next bill. */
  readonly unbilled: Money;
  readonly overdue: boolean;
  /** The oldest bill still owed, else the latest bill, else null. */
  readonly currentBill: BillView | null;
  readonly nextStatementAt: Date;
  readonly bills: readonly BillView[];
}

export function currencyOf(value: string): Currency {
  const currency = value.trim();
  assert(isCurrency(currency), 'credit currency known');
  return currency;
}

/** Owed on a credit-line account: debits (spending, holds) beyond credits (repayments). */
export function usedOf(account: {
  debits_posted_minor: bigint;
  debits_pending_minor: bigint;
  credits_posted_minor: bigint;
}): bigint {
  const used = account.debits_posted_minor + account.debits_pending_minor - account.credits_posted_minor;
  // Repayments never exceed what is owed (checked under the line's lock), so this stays >= 0.
  assert(used >= 0n, 'a credit line is never in credit');
  return used;
}

export function billStatusAt(row: Pick<BillRow, 'status' | 'due_at'>, nowMs: number): BillStatus {
  if (row.status === 'open' && row.due_at.getTime() <= nowMs) return 'overdue';
  return row.status;
}

export function toBillView(row: BillRow, nowMs: number): BillView {
  const currency = currencyOf(row.currency);
  return {
    id: row.id,
    period: row.period,
    amount: { amountMinor: row.amount_minor, currency },
    repaid: { amountMinor: row.repaid_minor, currency },
    remaining: { amountMinor: row.amount_minor - row.repaid_minor, currency },
    statementAt: row.statement_at,
    dueAt: row.due_at,
    status: billStatusAt(row, nowMs),
  };
}

export async function loadCreditLineView(
  executor: Executor,
  input: { userId: string; nowMs: number },
): Promise<CreditLineView | null> {
  const line = await executor
    .selectFrom('credit_lines as l')
    .innerJoin('ledger_accounts as a', 'a.id', 'l.account_id')
    .select([
      'l.limit_minor',
      'l.currency',
      'a.debits_posted_minor',
      'a.debits_pending_minor',
      'a.credits_posted_minor',
    ])
    .where('l.user_id', '=', input.userId)
    .executeTakeFirst();
  if (!line) return null;
  const currency = currencyOf(line.currency);
  const bills = await executor
    .selectFrom('credit_bills')
    .selectAll()
    .where('user_id', '=', input.userId)
    .orderBy('period', 'desc')
    .limit(BILLS_SHOWN_MAX)
    .execute();
  const unpaid = await executor
    .selectFrom('credit_bills')
    .selectAll()
    .where('user_id', '=', input.userId)
    .where('status', '<>', 'paid')
    .orderBy('period', 'asc')
    .execute();
  const usedMinor = usedOf(line);
  const billedMinor = unpaid.reduce((sum, b) => sum + b.amount_minor - b.repaid_minor, 0n);
  const unbilledMinor = usedMinor > billedMinor ? usedMinor - billedMinor : 0n;
  const availableMinor = line.limit_minor > usedMinor ? line.limit_minor - usedMinor : 0n;
  const current = unpaid[0] ?? bills[0];
  const money = (amountMinor: bigint): Money => ({ amountMinor, currency });
  return {
    limit: money(line.limit_minor),
    used: money(usedMinor),
    available: money(availableMinor),
    billed: money(billedMinor),
    unbilled: money(unbilledMinor),
    overdue: unpaid.some((b) => billStatusAt(b, input.nowMs) === 'overdue'),
    currentBill: current ? toBillView(current, input.nowMs) : null,
    nextStatementAt: new Date(currentPeriod(input.nowMs).statementAtMs),
    bills: bills.map((b) => toBillView(b, input.nowMs)),
  };
}
