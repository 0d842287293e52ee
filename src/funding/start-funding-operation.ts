/**
 * Starting a top-up (bank → wallet) or a withdrawal (wallet → bank): one transaction writes the
 * pending ledger hold and the operation row; then the bank connector is asked. settleDue() posts
 * or voids the hold when the bank's answer is due, so nothing depends on this process staying up.
 */
import type { Located } from '../identity/index.ts';
import { IDENTITY_ERRORS, noticeToAllChannels } from '../identity/index.ts';
import { balanceOf } from '../ledger/index.ts';
import { chargeWithdrawalUsage } from '../payments/index.ts';
import { DomainError, type Money, newId } from '../shared/index.ts';
import { assessWithdrawal, type WithdrawalVerdict } from './assess-withdrawal.ts';
import { FUNDING_CURRENCY, FUNDING_HOLD_TIMEOUT_MS } from './constants.ts';
import type { FundingContext } from './context.ts';
import { FUNDING_ERRORS } from './errors.ts';
import { type FundingKind, type FundingOperationView, toOperationView } from './operations.ts';
import { submitToBank } from './settle-due.ts';

export interface StartFundingInput {
  readonly userId: string;
  readonly kind: FundingKind;
  readonly cardId: string;
  readonly amount: Money;
  readonly clientRequestId: string;
  /** Withdrawals only: checked before anything is written. */
  readonly paymentPassword?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly origin: Located;
}

export async function startFundingOperation(
  ctx: FundingContext,
  input: StartFundingInput,
): Promise<{ operation: FundingOperationView; created: boolean }> {
  if (input.amount.currency !== FUNDING_CURRENCY) throw new DomainError(FUNDING_ERRORS.CURRENCY_MISMATCH);
  if (input.amount.amountMinor <= 0n) throw new DomainError(FUNDING_ERRORS.INVALID_AMOUNT);

  // Idempotency first: a replay answers the first operation without asking for anything again.
  const existing = await ctx.db
    .selectFrom('funding_operations')
    .selectAll()
    .where('user_id', '=', input.userId)
    .where('client_request_id', '=', input.clientRequestId)
    .executeTakeFirst();
  if (existing) return { operation: await replay(ctx, existing.id, input), created: false };

  const card = await ctx.db
    .selectFrom('funding_cards')
    .select(['id', 'token', 'last4'])
    .where('id', '=', input.cardId)
    .where('user_id', '=', input.userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!card) throw new DomainError(FUNDING_ERRORS.CARD_NOT_FOUND);
  const cardId = card.id;

  let failuresCleared = 0;
  if (input.kind === 'withdrawal') {
    await refuseFrozen(ctx, input.userId);
    // The security lock first, so a withdrawal it refuses costs no password attempt.
    await ctx.lock?.checkWithdrawal({ userId: input.userId, sessionId: input.sessionId });
    // Identity counts wrong attempts and locks payments after 3 (docs/payments.md); the ones this
    // entry cleared go to the risk engine with the withdrawal (someone may have been guessing).
    ({ failuresCleared } = await ctx.identity.security.verifyPaymentPassword(
      input.userId,
      input.paymentPassword ?? '',
      input.origin,
    ));
    await checkBankCardLimits(ctx, input.userId, input.amount.amountMinor);
  }

  const wallet = await ctx.wallet.openWallet(input.userId, FUNDING_CURRENCY);
  const bank = await ctx.ledger.systemAccount('external_funding', FUNDING_CURRENCY);
  const operationId = newId('fop');
  const holdTransferId = `fund:${operationId}`;
  const nowMs = ctx.clock.nowMs();
  // Issue 5: scored before the hold; a refusal throws here and nothing is written.
  const verdict: WithdrawalVerdict =
    input.kind === 'withdrawal'
      ? await assessWithdrawal(ctx, {
          userId: input.userId,
          operationId,
          amount: input.amount,
          card: { id: card.id, token: card.token },
          balanceMinor: balanceOf(wallet).availableMinor,
          sessionId: input.sessionId,
          origin: input.origin,
          failedPaymentPasswords: failuresCleared,
          nowMs,
        })
      : { held: false, riskEventId: null };
  const [debitAccountId, creditAccountId] =
    input.kind === 'withdrawal' ? [wallet.id, bank.id] : [bank.id, wallet.id];

  let row: Awaited<ReturnType<typeof insertOperation>>;
  try {
    row = await insertOperation();
  } catch (error) {
    // A concurrent request with the same clientRequestId won the unique index: answer its operation.
    if (sqlState(error) === '23505')
      return { operation: await replay(ctx, undefined, input), created: false };
    throw error;
  }

  async function insertOperation() {
    return ctx.db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        if (input.kind === 'withdrawal') {
          // A concurrent freeze either waits for this withdrawal or is seen by it.
          const user = await trx
            .selectFrom('users')
            .select('frozen_at')
            .where('id', '=', input.userId)
            .forShare()
            .executeTakeFirstOrThrow();
          if (user.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
          // The withdrawal is charged to the bank_card channel's daily usage under that row's lock
          // (the check above was a fast refusal; this one cannot be raced). Rolled back with a refusal.
          const charge = await chargeWithdrawalUsage(trx, {
            userId: input.userId,
            amountMinor: input.amount.amountMinor,
            nowMs,
          });
          if (!charge.ok) {
            throw new DomainError(FUNDING_ERRORS.LIMIT_EXCEEDED, {
              exceeded: charge.exceeded,
              allowanceLeftToday: {
                amountMinor: charge.allowanceLeftTodayMinor.toString(),
                currency: FUNDING_CURRENCY,
              },
            });
          }
        }
        const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
          {
            id: holdTransferId,
            kind: 'pending',
            code: input.kind === 'withdrawal' ? 'withdrawal' : 'top_up',
            // A held withdrawal waits for the review before the bank's own time starts.
            timeoutMs: verdict.held
              ? verdict.deadlineAt.getTime() - nowMs + FUNDING_HOLD_TIMEOUT_MS
              : FUNDING_HOLD_TIMEOUT_MS,
            legs: [
              {
                debitAccountId,
                creditAccountId,
                amountMinor: input.amount.amountMinor,
                currency: input.amount.currency,
              },
            ],
          },
        ]);
        if (result?.status === 'rejected') {
          if (result.reason === 'exceeds_credits') throw new DomainError(FUNDING_ERRORS.INSUFFICIENT_FUNDS);
          throw new DomainError(FUNDING_ERRORS.INVALID_AMOUNT, { reason: result.reason });
        }
        const inserted = await trx
          .insertInto('funding_operations')
          .values({
            id: operationId,
            user_id: input.userId,
            client_request_id: input.clientRequestId,
            kind: input.kind,
            card_id: cardId,
            wallet_account_id: wallet.id,
            amount_minor: input.amount.amountMinor,
            currency: input.amount.currency,
            hold_transfer_id: holdTransferId,
            status: 'pending',
            // Held for review: settleDue leaves it alone until an operator approves it.
            next_check_at: verdict.held ? verdict.deadlineAt : new Date(nowMs),
            created_at: new Date(nowMs),
            review_deadline_at: verdict.held ? verdict.deadlineAt : null,
            risk_event_id: verdict.riskEventId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (verdict.held && ctx.risk) {
          // The case opens in the hold's transaction: a held withdrawal always has its case.
          await ctx.risk.reviewQueue.held(trx, {
            operationId,
            userId: input.userId,
            amount: input.amount,
            reasons: verdict.reasons,
            riskEventId: verdict.riskEventId,
            deadlineAt: verdict.deadlineAt,
          });
          await noticeToAllChannels(
            trx,
            { notifier: ctx.risk.notifier },
            {
              userId: input.userId,
              template: 'withdrawal_held',
              vars: {
                amountMinor: input.amount.amountMinor.toString(),
                currency: input.amount.currency,
                until: verdict.deadlineAt.toISOString(),
              },
            },
          );
        }
        return inserted;
      });
  }

  // Ask the bank now; if it cannot be reached, settleDue() asks again (the row is due already).
  // A withdrawal held for review goes to the bank only once an operator approves it.
  if (!verdict.held) await submitToBank(ctx, row.id).catch(() => undefined);
  const view = await ctx.db
    .selectFrom('funding_operations')
    .selectAll()
    .where('id', '=', row.id)
    .executeTakeFirstOrThrow();
  return { operation: toOperationView(view, card.last4), created: true };
}

async function replay(
  ctx: FundingContext,
  operationId: string | undefined,
  input: StartFundingInput,
): Promise<FundingOperationView> {
  const row = await ctx.db
    .selectFrom('funding_operations as o')
    .innerJoin('funding_cards as c', 'c.id', 'o.card_id')
    .selectAll('o')
    .select('c.last4')
    .where('o.user_id', '=', input.userId)
    .where('o.client_request_id', '=', input.clientRequestId)
    .$if(operationId !== undefined, (q) => q.where('o.id', '=', operationId ?? ''))
    .executeTakeFirstOrThrow();
  const same =
    row.kind === input.kind &&
    row.card_id === input.cardId &&
    row.amount_minor === input.amount.amountMinor &&
    row.currency === input.amount.currency;
  if (!same) throw new DomainError(FUNDING_ERRORS.CLIENT_REQUEST_ID_REUSED);
  return toOperationView(row, row.last4);
}

async function refuseFrozen(ctx: FundingContext, userId: string): Promise<void> {
  const user = await ctx.db
    .selectFrom('users')
    .select('frozen_at')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  if (user.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
}

/**
 * A fast refusal before the hold, from the payments module's bank_card limits (docs/payments.md):
 * per payment, and today's allowance, whose usage already counts today's withdrawals (they are
 * charged to it by chargeWithdrawalUsage). The binding check is the one in the hold's transaction.
 */
async function checkBankCardLimits(ctx: FundingContext, userId: string, amountMinor: bigint): Promise<void> {
  const limits = await ctx.payments.getLimits(userId);
  const channel = limits.channels.find((c) => c.channel === 'bank_card');
  if (!channel) return;
  const left = channel.allowanceLeftToday.amountMinor;
  const allowanceLeftToday = { amountMinor: String(left > 0n ? left : 0n), currency: FUNDING_CURRENCY };
  if (amountMinor > channel.perPayment.amountMinor) {
    throw new DomainError(FUNDING_ERRORS.LIMIT_EXCEEDED, { exceeded: 'per_payment', allowanceLeftToday });
  }
  if (amountMinor > left) {
    throw new DomainError(FUNDING_ERRORS.LIMIT_EXCEEDED, { exceeded: 'per_day', allowanceLeftToday });
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
