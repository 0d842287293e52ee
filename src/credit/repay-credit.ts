/**
 * Repaying the credit line from the wallet balance (issue 4 point 4), in full or in part: one
 * ledger transfer `repay:<repaymentId>` from the wallet to the credit account, in the same READ
 * COMMITTED transaction that records the repayment and applies it to the bills, oldest first
 * (what is left over reduces spending not billed yet).
 *
 * The credit line's row is locked first, so repayments of one user run one at a time: two
 * concurrent repayments of everything owed cannot both pass the "not more than owed" check, and
 * a replay of the same clientRequestId finds the first one's row and answers it.
 */
import { sql, type Transaction } from 'kysely';
import { assert, COMMON_ERRORS, DomainError, type Money, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { recordCreditAudit } from './audit.ts';
import { BILLS_UNPAID_MAX, CREDIT_CURRENCY, REPAY_LOCK_TIMEOUT_MS } from './constants.ts';
import type { CreditContext } from './context.ts';
import { type CreditLineView, loadCreditLineView, usedOf } from './credit-line-view.ts';
import { CREDIT_ERRORS } from './errors.ts';

export interface RepaymentView {
  readonly id: string;
  readonly amount: Money;
  readonly transferId: string;
  readonly createdAt: Date;
  readonly creditLine: CreditLineView;
}

const LOCK_NOT_AVAILABLE = '55P03';

export async function repayCredit(
  ctx: CreditContext,
  input: { userId: string; amount: Money; clientRequestId: string },
): Promise<{ repayment: RepaymentView; created: boolean }> {
  const { db, clock } = ctx;
  if (input.amount.currency !== CREDIT_CURRENCY || input.amount.amountMinor <= 0n) {
    throw new DomainError(CREDIT_ERRORS.INVALID_AMOUNT);
  }
  const wallet = await ctx.wallet.openWallet(input.userId, CREDIT_CURRENCY);
  let outcome: { id: string; transferId: string; amountMinor: bigint; createdAt: Date; created: boolean };
  try {
    outcome = await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        await sql`SET LOCAL lock_timeout = ${sql.lit(`${REPAY_LOCK_TIMEOUT_MS}ms`)}`.execute(trx);
        const line = await trx
          .selectFrom('credit_lines')
          .select(['account_id'])
          .where('user_id', '=', input.userId)
          .forUpdate()
          .executeTakeFirst();
        if (!line) throw new DomainError(CREDIT_ERRORS.NO_CREDIT_LINE);

        const earlier = await trx
          .selectFrom('credit_repayments')
          .selectAll()
          .where('user_id', '=', input.userId)
          .where('client_request_id', '=', input.clientRequestId)
          .executeTakeFirst();
        if (earlier) {
          if (earlier.amount_minor !== input.amount.amountMinor) {
            throw new DomainError(CREDIT_ERRORS.CLIENT_REQUEST_ID_REUSED);
          }
          return {
            id: earlier.id,
            transferId: earlier.transfer_id,
            amountMinor: earlier.amount_minor,
            createdAt: earlier.created_at,
            created: false,
          };
        }

        const account = await trx
          .selectFrom('ledger_accounts')
          .select(['debits_posted_minor', 'debits_pending_minor', 'credits_posted_minor'])
          .where('id', '=', line.account_id)
          .executeTakeFirstOrThrow();
        // Only posted spending can be repaid; a pending hold on the line is not owed yet.
        const owedMinor = usedOf({ ...account, debits_pending_minor: 0n });
        if (input.amount.amountMinor > owedMinor) {
          throw new DomainError(CREDIT_ERRORS.REPAY_EXCEEDS_OWED, {
            owed: { amountMinor: owedMinor.toString(), currency: CREDIT_CURRENCY },
          });
        }

        const id = newId('crp');
        const transferId = `repay:${id}`;
        const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
          {
            id: transferId,
            kind: 'posted',
            code: 'credit_repay',
            legs: [
              {
                debitAccountId: wallet.id,
                creditAccountId: line.account_id,
                amountMinor: input.amount.amountMinor,
                currency: CREDIT_CURRENCY,
              },
            ],
          },
        ]);
        assert(result, 'one result for one transfer');
        if (result.status === 'rejected') {
          if (result.reason === 'exceeds_credits') throw new DomainError(CREDIT_ERRORS.INSUFFICIENT_BALANCE);
          throw new DomainError(CREDIT_ERRORS.INVALID_AMOUNT, { reason: result.reason });
        }
        assert(result.status === 'created', 'a repayment id is new, so its transfer is too');
        const nowMs = clock.nowMs();
        await trx
          .insertInto('credit_repayments')
          .values({
            id,
            user_id: input.userId,
            client_request_id: input.clientRequestId,
            amount_minor: input.amount.amountMinor,
            currency: CREDIT_CURRENCY,
            transfer_id: transferId,
            created_at: new Date(nowMs),
          })
          .execute();
        await applyToBills(trx, { userId: input.userId, amountMinor: input.amount.amountMinor, nowMs });
        await recordCreditAudit(trx, {
          userId: input.userId,
          type: 'repaid',
          details: {
            repaymentId: id,
            transferId,
            amountMinor: input.amount.amountMinor.toString(),
            currency: CREDIT_CURRENCY,
            owedBeforeMinor: owedMinor.toString(),
          },
          nowMs,
        });
        return {
          id,
          transferId,
          amountMinor: input.amount.amountMinor,
          createdAt: new Date(nowMs),
          created: true,
        };
      });
  } catch (error) {
    if (sqlState(error) === LOCK_NOT_AVAILABLE) throw new DomainError(COMMON_ERRORS.UNAVAILABLE);
    throw error;
  }
  const creditLine = await loadCreditLineView(db, { userId: input.userId, nowMs: clock.nowMs() });
  assert(creditLine, 'a repaid line exists');
  return {
    repayment: {
      id: outcome.id,
      amount: { amountMinor: outcome.amountMinor, currency: CREDIT_CURRENCY },
      transferId: outcome.transferId,
      createdAt: outcome.createdAt,
      creditLine,
    },
    created: outcome.created,
  };
}

/** Oldest bill first; a bill repaid in full is paid (and no longer blocks spending). */
async function applyToBills(
  trx: Transaction<Database>,
  input: { userId: string; amountMinor: bigint; nowMs: number },
): Promise<void> {
  const unpaid = await trx
    .selectFrom('credit_bills')
    .select(['id', 'amount_minor', 'repaid_minor'])
    .where('user_id', '=', input.userId)
    .where('status', '<>', 'paid')
    .orderBy('period', 'asc')
    .limit(BILLS_UNPAID_MAX)
    .execute();
  let leftMinor = input.amountMinor;
  for (const bill of unpaid) {
    if (leftMinor === 0n) break;
    const owedMinor = bill.amount_minor - bill.repaid_minor;
    let appliedMinor = owedMinor; // bigint: no Math.min
    if (leftMinor < appliedMinor) appliedMinor = leftMinor;
    leftMinor -= appliedMinor;
    const paid = appliedMinor === owedMinor;
    await trx
      .updateTable('credit_bills')
      .set({
        repaid_minor: bill.repaid_minor + appliedMinor,
        ...(paid ? { status: 'paid' as const, paid_at: new Date(input.nowMs) } : {}),
      })
      .where('id', '=', bill.id)
      .execute();
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
