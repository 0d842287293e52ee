/**
 * What an agreement debit and a family-card payment share: the Beijing month a cap counts in,
 * the lock timeout and retry around their transaction, the frozen check, the risk hook, and the
 * one ledger transfer that moves (or, held for review, reserves) the money.
 */
import { sql, type Transaction } from 'kysely';
import { IDENTITY_ERRORS } from '../identity/index.ts';
import { rejectionError } from '../ledger/index.ts';
import type { RiskAssessment } from '../payments/index.ts';
import { assert, COMMON_ERRORS, type Currency, DomainError, isCurrency } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { LOCK_TIMEOUT_MS, MONTH_UTC_OFFSET_MS } from './constants.ts';
import type { AgreementsContext } from './context.ts';
import { AGREEMENT_ERRORS } from './errors.ts';

/** `YYYY-MM` of the Beijing-time month containing `nowMs`. */
export function monthOf(nowMs: number): string {
  const local = new Date(nowMs + MONTH_UTC_OFFSET_MS);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function currencyOf(row: { currency: string }): Currency {
  const currency = row.currency.trim();
  assert(isCurrency(currency), 'stored currency known');
  return currency;
}

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const LOCK_NOT_AVAILABLE = '55P03';
/** Deadlocks should not happen (one lock order everywhere); retried this often if they do. */
const ATTEMPTS_MAX = 3;

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** One READ COMMITTED transaction with a lock timeout; 503 instead of waiting forever. */
export async function inMoneyTransaction<T>(
  ctx: AgreementsContext,
  run: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          await sql`SET LOCAL lock_timeout = ${sql.lit(`${LOCK_TIMEOUT_MS}ms`)}`.execute(trx);
          return run(trx);
        });
    } catch (error) {
      const state = sqlState(error);
      if (state === LOCK_NOT_AVAILABLE) throw new DomainError(COMMON_ERRORS.UNAVAILABLE);
      if (attempt >= ATTEMPTS_MAX || !RETRYABLE_SQLSTATES.has(state ?? '')) throw error;
    }
  }
}

/** The payer's user row FOR SHARE: a concurrent freeze waits for this payment or is seen by it. */
export async function refuseIfFrozen(trx: Transaction<Database>, userId: string): Promise<void> {
  const user = await trx
    .selectFrom('users')
    .select('frozen_at')
    .where('id', '=', userId)
    .forShare()
    .executeTakeFirstOrThrow();
  if (user.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
}

/**
 * The risk hook's answer on a debit or a family-card payment, as for a wallet payment (the owner
 * of the money is the payer). What each decision does is the caller's: a debit has nobody present
 * to step up, a family-card payment has its member (docs/agreements.md, "Risk decisions"). The
 * engine records the decision (`risk_decisions`) under `eventId`, which the audit rows carry.
 */
export async function assessRisk(
  ctx: AgreementsContext,
  input: {
    payerId: string;
    merchantId: string;
    merchantAccountId: string;
    amountMinor: bigint;
    currency: Currency;
    ip: string;
  },
): Promise<RiskAssessment> {
  return ctx.riskHook.assess({
    kind: 'payment',
    payerId: input.payerId,
    payee: { kind: 'merchant', merchantId: input.merchantId, accountId: input.merchantAccountId },
    amount: { amountMinor: input.amountMinor, currency: input.currency },
    channel: 'balance',
    firstTimePayee: false,
    origin: { ip: input.ip, deviceKey: undefined, country: null },
    nowMs: ctx.clock.nowMs(),
  });
}

/** An assessment as audit details: the decision, the engine's event id and the reasons (recorded,
 *  never shown to the user or the merchant). */
export function riskAuditDetails(
  risk: RiskAssessment | undefined,
): Record<string, string | number | boolean | null> {
  if (!risk) return {};
  return {
    riskDecision: risk.decision,
    riskEventId: risk.eventId ?? null,
    riskReasons: risk.reasons.join(',').slice(0, 200),
  };
}

/**
 * One transfer wallet → merchant: posted, or (`holdTimeoutMs`) a pending hold that a review posts
 * or voids later. `exceeds_credits` becomes insufficient_funds.
 */
export async function postToMerchant(
  ctx: AgreementsContext,
  trx: Transaction<Database>,
  input: {
    transferId: string;
    code: string;
    debitAccountId: string;
    creditAccountId: string;
    amountMinor: bigint;
    currency: Currency;
    holdTimeoutMs?: number | undefined;
  },
): Promise<void> {
  const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
    {
      id: input.transferId,
      ...(input.holdTimeoutMs === undefined
        ? { kind: 'posted' as const }
        : { kind: 'pending' as const, timeoutMs: input.holdTimeoutMs }),
      code: input.code,
      legs: [
        {
          debitAccountId: input.debitAccountId,
          creditAccountId: input.creditAccountId,
          amountMinor: input.amountMinor,
          currency: input.currency,
        },
      ],
    },
  ]);
  assert(result, 'one result for one transfer');
  if (result.status === 'rejected') {
    if (result.reason === 'exceeds_credits') throw new DomainError(AGREEMENT_ERRORS.INSUFFICIENT_FUNDS);
    throw new DomainError(rejectionError(result.reason));
  }
  // The transfer id is new (a fresh random id under the parent row's lock).
  assert(result.status === 'created', 'a debit transfer is created once');
}

export async function loadMerchant(
  ctx: AgreementsContext,
  merchantId: string,
): Promise<{ id: string; name: string; settlementAccountId: string; currency: Currency }> {
  const row = await ctx.db
    .selectFrom('merchants')
    .select(['id', 'name', 'settlement_account_id', 'currency'])
    .where('id', '=', merchantId)
    .executeTakeFirst();
  if (!row) throw new DomainError(AGREEMENT_ERRORS.MERCHANT_NOT_FOUND);
  return {
    id: row.id,
    name: row.name,
    settlementAccountId: row.settlement_account_id,
    currency: currencyOf(row),
  };
}
