/**
 * Step two of a payment: the payer confirms one intent, and its money moves in one ledger
 * transfer (`pay:<intentId>`), in the same database transaction that marks the intent succeeded.
 *
 * 1. The confirmation is checked first, outside any transaction: the payment password through
 *    identity (3 wrong → locked for 3 hours), or a passkey assertion whose ceremony was made for
 *    this intent's subject `pay:<intentId>:<amountMinor>:<currency>:<payeeAccountId>` (so an
 *    assertion for one payment cannot confirm another), or nothing for a password-free intent.
 * 2. Then one READ COMMITTED transaction locks, in this order, the intent row (FOR UPDATE: of
 *    concurrent confirmations of one intent exactly one gets past here while it is awaiting; the
 *    others then see it succeeded and answer the same receipt), the payer's user row (FOR SHARE:
 *    a freeze waits for this payment or this payment sees the freeze), the payer's usage row for
 *    today (FOR UPDATE: limits are checked against totals no other payment of the payer can
 *    change meanwhile), and the ledger's accounts (in id order, inside the ledger). Every
 *    transaction takes its locks in this order, so none can deadlock another.
 * 3. Refusals after step 1 change nothing: the ledger writes nothing for a rejected transfer,
 *    and the transaction rolls back. Each refusal is audited afterwards.
 */
import { sql, type Transaction } from 'kysely';
import { IDENTITY_ERRORS, type Located, noticeToAllChannels } from '../identity/index.ts';
import { rejectionError } from '../ledger/index.ts';
import { assert, COMMON_ERRORS, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { allowanceLeftTodayOf } from './allowance.ts';
import {
  type PaymentAuditInput,
  paymentAuditInsert,
  recordPaymentAudit,
  recordPaymentAudits,
} from './audit.ts';
import { CONFIRM_ATTEMPTS_MAX } from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { limitExceededError, PAYMENT_ERRORS } from './errors.ts';
import {
  currencyOf,
  type IntentRow,
  loadPayerIntent,
  type PaymentIntentView,
  toIntentView,
} from './intents.ts';
import { noticePaymentMade } from './payment-receipts.ts';
import { REVIEW_HOLD_LEDGER_GRACE_MS, reviewHoldTransferId } from './review.ts';
import {
  allowanceLeftToday,
  checkLimits,
  passwordFreeVerdict,
  paymentDayOf,
  paymentPasskeySubject,
  paymentTransferId,
  requiredConfirmation,
} from './rules.ts';
import { addUsage, lockPayerSettings, usageIncrement } from './settings-store.ts';

/** A confirmation waits at most this long for a row lock (another confirmation of the same
 *  payer, a freeze) before answering "busy, retry" instead of holding a connection. */
export const CONFIRM_LOCK_TIMEOUT_MS = 5_000;

export interface ConfirmPaymentIntentInput {
  readonly payerId: string;
  readonly intentId: string;
  readonly paymentPassword?: string | undefined;
  readonly passkey?: { readonly ceremonyId: string; readonly response: unknown } | undefined;
  readonly sessionId?: string | undefined;
  /** Issue 9: the payer ticked "I have read the warning" for an intent that carries one. */
  readonly warningAcknowledged?: boolean | undefined;
  /** A challenged payment (issue 5): the SMS code sent for this intent, with the payment password. */
  readonly smsCode?: string | undefined;
  readonly origin: Located;
}

export type ConfirmedBy =
  | 'none'
  | 'payment_password'
  | 'passkey'
  | 'payment_password_and_sms'
  | 'payment_password_and_passkey';

/** Postgres errors after which the whole confirmation transaction is simply tried again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const LOCK_NOT_AVAILABLE = '55P03';

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

export async function confirmPaymentIntent(
  ctx: PaymentsContext,
  input: ConfirmPaymentIntentInput,
): Promise<PaymentIntentView> {
  const { db, clock } = ctx;
  const nowMs = clock.nowMs();
  const intent = await loadPayerIntent(db, input);
  if (!intent) throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_FOUND);
  // Confirming a payment that went through (or into review) answers its receipt again: never a
  // second posting or hold.
  if (intent.status === 'succeeded' || intent.status === 'in_review' || intent.status === 'declined') {
    return receipt(ctx, intent, nowMs);
  }

  try {
    if (intent.status === 'cancelled') throw new DomainError(PAYMENT_ERRORS.INTENT_CANCELLED);
    await refuseIfExpired(ctx, intent, nowMs);
    await refuseIfFrozen(ctx, input.payerId);
    // The security lock first, so a confirmation it would refuse costs no password attempt.
    await ctx.guard?.checkConfirmation({
      payerId: input.payerId,
      payeeKind: intent.payee_kind,
      method: input.passkey ? 'passkey' : input.paymentPassword !== undefined ? 'payment_password' : 'none',
      sessionId: input.sessionId,
      nowMs,
    });
    // Before the password is checked: a refusal here costs the payer no password attempt.
    if (intent.fraud_warning && input.warningAcknowledged !== true) {
      throw new DomainError(PAYMENT_ERRORS.WARNING_NOT_ACKNOWLEDGED);
    }
    const confirmedBy = await checkConfirmation(ctx, intent, input);
    const settled = await settleInTransaction(ctx, async (trx) => {
      const locked = await trx
        .selectFrom('payment_intents')
        .selectAll()
        .where('id', '=', intent.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      // A concurrent confirmation committed first: its receipt is this one's answer.
      if (locked.status === 'succeeded' || locked.status === 'in_review' || locked.status === 'declined')
        return { row: locked, allowanceLeftTodayMinor: undefined };
      // The payer cancelled it meanwhile (cancel-payment-intent.ts takes this same lock).
      if (locked.status === 'cancelled') throw new DomainError(PAYMENT_ERRORS.INTENT_CANCELLED);
      return settleIntent(ctx, trx, { intent: locked, confirmedBy, origin: input.origin });
    });
    tellMerchantSide(ctx, settled.row);
    return settled.allowanceLeftTodayMinor === undefined
      ? await receipt(ctx, settled.row, clock.nowMs())
      : toIntentView(settled.row, {
          nowMs: clock.nowMs(),
          allowanceLeftTodayMinor: settled.allowanceLeftTodayMinor,
        });
  } catch (error) {
    if (error instanceof DomainError) {
      await recordPaymentAudit(db, clock.nowMs(), {
        userId: input.payerId,
        intentId: intent.id,
        type: 'confirm_refused',
        ip: input.origin.ip,
        details: {
          code: error.code,
          method: input.passkey
            ? 'passkey'
            : input.paymentPassword !== undefined
              ? 'payment_password'
              : 'none',
        },
      });
    }
    throw error;
  }
}

/** A settled intent and, when this transaction settled it, what is left today (computed from
 *  the totals the transaction locked, so the receipt needs no second read). */
export interface Settled {
  readonly row: IntentRow;
  readonly allowanceLeftTodayMinor: bigint | undefined;
}

/**
 * Runs `work` in one READ COMMITTED transaction whose row-lock waits end after
 * CONFIRM_LOCK_TIMEOUT_MS (503 `unavailable`), retried on deadlock or serialization failure.
 * Password-free having lapsed meanwhile is answered with what to present instead (the passkey
 * count is read only then, after the transaction, on the pool).
 */
export async function settleInTransaction<T>(
  ctx: PaymentsContext,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  try {
    return await withRetries(() =>
      ctx.db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          await sql`SET LOCAL lock_timeout = ${sql.lit(`${CONFIRM_LOCK_TIMEOUT_MS}ms`)}`.execute(trx);
          return work(trx);
        }),
    );
  } catch (error) {
    if (!(error instanceof PasswordFreeLapsed)) throw error;
    const hasPasskey = (await ctx.factors.passkeyCount(error.payerId)) > 0;
    throw new DomainError(PAYMENT_ERRORS.CONFIRMATION_REQUIRED, {
      confirmation: requiredConfirmation({ passwordFree: false, hasPasskey }),
      reason: error.reason,
    });
  }
}

/** Thrown inside the transaction (which rolls back), answered outside it. */
class PasswordFreeLapsed extends Error {
  constructor(
    readonly payerId: string,
    readonly reason: string,
  ) {
    super('password-free no longer applies');
  }
}

/** After the commit: a succeeded merchant payment wakes the merchant side (best effort). */
export function tellMerchantSide(
  ctx: PaymentsContext,
  row: { id: string; status: string; payee_kind: string; payee_merchant_id: string | null },
): void {
  if (row.status !== 'succeeded' || row.payee_kind !== 'merchant' || !row.payee_merchant_id) return;
  try {
    ctx.merchantPayments?.committed({ intentId: row.id, merchantId: row.payee_merchant_id });
  } catch {
    // The listener's failure never changes the payer's answer; its poller catches up.
  }
}

async function withRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const state = sqlState(error);
      if (state === LOCK_NOT_AVAILABLE) throw new DomainError(COMMON_ERRORS.UNAVAILABLE);
      if (attempt >= CONFIRM_ATTEMPTS_MAX || !RETRYABLE_SQLSTATES.has(state ?? '')) throw error;
    }
  }
}

async function refuseIfExpired(ctx: PaymentsContext, intent: IntentRow, nowMs: number): Promise<void> {
  if (intent.status === 'awaiting_confirmation' && nowMs < intent.expires_at.getTime()) return;
  // Recorded lazily, the first time anyone looks after the deadline.
  await ctx.db
    .updateTable('payment_intents')
    .set({ status: 'expired' })
    .where('id', '=', intent.id)
    .where('status', '=', 'awaiting_confirmation')
    .execute();
  throw new DomainError(PAYMENT_ERRORS.INTENT_EXPIRED);
}

async function refuseIfFrozen(ctx: PaymentsContext, payerId: string): Promise<void> {
  const payer = await ctx.db
    .selectFrom('users')
    .select('frozen_at')
    .where('id', '=', payerId)
    .executeTakeFirstOrThrow();
  if (payer.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
}

/** Checks what the payer presented; identity's codes (wrong_payment_password, payment_locked,
 *  passkey_subject_mismatch, …) pass through. */
async function checkConfirmation(
  ctx: PaymentsContext,
  intent: IntentRow,
  input: ConfirmPaymentIntentInput,
): Promise<ConfirmedBy> {
  if (intent.confirmation === 'payment_password_and_second_factor')
    return checkStepUpConfirmation(ctx, intent, input);
  // Both at once is for a challenged payment only; elsewhere it is a client mistake.
  if (input.paymentPassword !== undefined && input.passkey) {
    throw new DomainError(
      COMMON_ERRORS.VALIDATION_FAILED,
      undefined,
      'give the payment password or a passkey, not both',
    );
  }
  if (input.passkey) {
    await ctx.factors.verifyPasskey({
      ceremonyId: input.passkey.ceremonyId,
      response: input.passkey.response,
      expectedUserId: input.payerId,
      purpose: 'payment',
      subjectId: paymentPasskeySubject({
        id: intent.id,
        amountMinor: intent.amount_minor,
        currency: currencyOf(intent),
        payeeAccountId: intent.payee_account_id,
      }),
    });
    return 'passkey';
  }
  if (input.paymentPassword !== undefined) {
    await ctx.identity.security.verifyPaymentPassword(input.payerId, input.paymentPassword, input.origin);
    return 'payment_password';
  }
  if (intent.confirmation !== 'none') {
    throw new DomainError(PAYMENT_ERRORS.CONFIRMATION_REQUIRED, { confirmation: intent.confirmation });
  }
  return 'none';
}

/** The risk engine challenged this payment: the payment password, then an SMS code bound to
 *  this intent or a passkey assertion bound to its amount and payee. */
async function checkStepUpConfirmation(
  ctx: PaymentsContext,
  intent: IntentRow,
  input: ConfirmPaymentIntentInput,
): Promise<ConfirmedBy> {
  if (input.paymentPassword === undefined || (!input.passkey && input.smsCode === undefined)) {
    throw new DomainError(PAYMENT_ERRORS.CONFIRMATION_REQUIRED, { confirmation: intent.confirmation });
  }
  await ctx.identity.security.verifyPaymentPassword(input.payerId, input.paymentPassword, input.origin);
  if (input.passkey) {
    await ctx.factors.verifyPasskey({
      ceremonyId: input.passkey.ceremonyId,
      response: input.passkey.response,
      expectedUserId: input.payerId,
      purpose: 'payment',
      subjectId: paymentPasskeySubject({
        id: intent.id,
        amountMinor: intent.amount_minor,
        currency: currencyOf(intent),
        payeeAccountId: intent.payee_account_id,
      }),
    });
    return 'payment_password_and_passkey';
  }
  await ctx.identity.security.verifyPaymentCode({
    userId: input.payerId,
    subjectId: intent.id,
    code: input.smsCode ?? '',
  });
  return 'payment_password_and_sms';
}

/**
 * Settles an intent this transaction holds locked (FOR UPDATE, or inserted by it) while it is
 * awaiting confirmation: locks the payer's row and today's totals, re-checks limits and, for a
 * password-free confirmation, the password-free conditions, posts (or holds for review) one
 * ledger transfer, adds to today's totals, marks the intent and writes the audit entries
 * (`audit` first: one-tap pay passes its intent_created entry here) and the receipt notices.
 */
export async function settleIntent(
  ctx: PaymentsContext,
  trx: Transaction<Database>,
  input: {
    intent: IntentRow;
    confirmedBy: ConfirmedBy;
    origin: Located;
    audit?: readonly PaymentAuditInput[];
  },
): Promise<Settled & { readonly allowanceLeftTodayMinor: bigint }> {
  const { intent } = input;
  const nowMs = ctx.clock.nowMs();
  if (intent.status !== 'awaiting_confirmation' || nowMs >= intent.expires_at.getTime()) {
    throw new DomainError(PAYMENT_ERRORS.INTENT_EXPIRED);
  }
  const payer = await trx
    .selectFrom('users')
    .select(['frozen_at', 'display_name', 'locale'])
    .where('id', '=', intent.payer_id)
    .forShare()
    .executeTakeFirstOrThrow();
  if (payer.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);

  const currency = currencyOf(intent);
  const day = paymentDayOf(nowMs);
  const { usage, limits, passwordFree } = await lockPayerSettings(trx, {
    userId: intent.payer_id,
    day,
    channel: intent.channel,
  });
  const spentTodayMinor = usage.spentMinor[intent.channel];
  const limitCheck = checkLimits({ amountMinor: intent.amount_minor, limits, spentTodayMinor });
  if (!limitCheck.ok) throw limitExceededError(limitCheck, currency);

  if (input.confirmedBy === 'none') {
    // Settings or today's password-free total may have changed since the intent was made.
    const verdict = passwordFreeVerdict({
      settings: passwordFree,
      amountMinor: intent.amount_minor,
      passwordFreeUsedTodayMinor: usage.passwordFreeMinor,
      // A 'none' intent was to a payee paid before; that cannot become untrue.
      paidBefore: true,
      risk: { decision: intent.risk_decision, level: intent.risk_level },
    });
    if (!verdict.applies) throw new PasswordFreeLapsed(intent.payer_id, verdict.reason);
  }

  if (intent.channel === 'credit_line') {
    // A bill may have fallen overdue since the intent was made.
    assert(ctx.creditLine, 'a credit_line intent exists only with the credit port');
    const source = await ctx.creditLine.accountForSpending(trx, { userId: intent.payer_id, nowMs });
    assert(source.accountId === intent.payer_account_id, 'a credit intent debits the payer’s line');
  }

  const transferId = paymentTransferId(intent.id);
  // Issue 5: a payment the risk engine sent to review is held, not posted, until an operator
  // decides or the review deadline passes.
  const inReview = intent.risk_decision === 'review';
  const reviewDeadlineMs = nowMs + ctx.reviewDeadlineMs;
  const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
    {
      id: inReview ? reviewHoldTransferId(intent.id) : transferId,
      kind: inReview ? 'pending' : 'posted',
      code: intent.payee_kind === 'user' ? 'p2p' : 'merchant_pay',
      ...(inReview ? { timeoutMs: ctx.reviewDeadlineMs + REVIEW_HOLD_LEDGER_GRACE_MS } : {}),
      legs: [
        {
          debitAccountId: intent.payer_account_id,
          creditAccountId: intent.payee_account_id,
          amountMinor: intent.amount_minor,
          currency,
        },
      ],
    },
  ]);
  assert(result, 'one result for one transfer');
  if (result.status === 'rejected') {
    if (result.reason === 'exceeds_credits') throw new DomainError(PAYMENT_ERRORS.INSUFFICIENT_FUNDS);
    throw new DomainError(rejectionError(result.reason));
  }
  // The intent row is locked and awaiting, so no transfer with its id can exist yet.
  assert(result.status === 'created', 'a payment transfer is created once, under the intent lock');

  const increment = {
    userId: intent.payer_id,
    day,
    channel: intent.channel,
    amountMinor: intent.amount_minor,
    passwordFree: input.confirmedBy === 'none',
  };
  // This transaction holds today's totals locked, so they are now exactly spent + amount.
  const allowanceLeftTodayMinor = allowanceLeftToday(limits, spentTodayMinor + intent.amount_minor);
  if (inReview) {
    await addUsage(trx, increment);
    const held = await holdForReview(ctx, trx, {
      intent,
      confirmedBy: input.confirmedBy,
      origin: input.origin,
      audit: input.audit ?? [],
      nowMs,
      reviewDeadlineMs,
      day,
    });
    return { row: held, allowanceLeftTodayMinor };
  }
  // Today's totals, the intent and its audit entries in one statement (one round trip): the
  // CTEs write other tables than the UPDATE, so none needs to see another's effect.
  const updated = await trx
    .with('usage_added', () => usageIncrement(trx, increment))
    .with('audited', () =>
      paymentAuditInsert(trx, nowMs, [
        ...(input.audit ?? []),
        {
          userId: intent.payer_id,
          intentId: intent.id,
          type: 'intent_confirmed',
          ip: input.origin.ip,
          details: {
            transferId,
            confirmedBy: input.confirmedBy,
            amountMinor: intent.amount_minor.toString(),
            currency,
            channel: intent.channel,
            day,
            fraudWarningAcknowledged: intent.fraud_warning,
          },
        },
      ]),
    )
    .updateTable('payment_intents')
    .set({
      status: 'succeeded',
      transfer_id: transferId,
      confirmed_by: input.confirmedBy,
      confirmed_at: new Date(nowMs),
      ...(intent.fraud_warning ? { warning_acknowledged_at: new Date(nowMs) } : {}),
    })
    .where('id', '=', intent.id)
    .where('status', '=', 'awaiting_confirmation')
    .returningAll()
    .executeTakeFirst();
  assert(updated, 'the locked awaiting intent is updated');
  await noticePaymentMade(trx, ctx, { intent: updated, nowMs, payer });
  return { row: updated, allowanceLeftTodayMinor };
}

async function holdForReview(
  ctx: PaymentsContext,
  trx: Transaction<Database>,
  input: {
    intent: IntentRow;
    confirmedBy: ConfirmedBy;
    origin: Located;
    audit: readonly PaymentAuditInput[];
    nowMs: number;
    reviewDeadlineMs: number;
    day: string;
  },
): Promise<IntentRow> {
  const { intent, nowMs } = input;
  const currency = currencyOf(intent);
  const holdId = reviewHoldTransferId(intent.id);
  const updated = await trx
    .updateTable('payment_intents')
    .set({
      status: 'in_review',
      hold_transfer_id: holdId,
      review_deadline_at: new Date(input.reviewDeadlineMs),
      confirmed_by: input.confirmedBy,
    })
    .where('id', '=', intent.id)
    .where('status', '=', 'awaiting_confirmation')
    .returningAll()
    .executeTakeFirst();
  assert(updated, 'the locked awaiting intent is updated');
  await ctx.reviewQueue.held(trx, {
    intentId: intent.id,
    payerId: intent.payer_id,
    payeeKey:
      intent.payee_kind === 'user' ? `user:${intent.payee_user_id}` : `merchant:${intent.payee_merchant_id}`,
    amount: { amountMinor: intent.amount_minor, currency },
    reasons: intent.risk_reasons,
    riskEventId: intent.risk_event_id,
    deadlineAt: new Date(input.reviewDeadlineMs),
  });
  await noticeToAllChannels(trx, ctx, {
    userId: intent.payer_id,
    template: 'payment_held',
    vars: {
      amountMinor: intent.amount_minor.toString(),
      currency,
      until: new Date(input.reviewDeadlineMs).toISOString(),
    },
  });
  await recordPaymentAudits(trx, nowMs, [
    ...input.audit,
    {
      userId: intent.payer_id,
      intentId: intent.id,
      type: 'intent_held',
      ip: input.origin.ip,
      details: {
        holdTransferId: holdId,
        confirmedBy: input.confirmedBy,
        amountMinor: intent.amount_minor.toString(),
        currency,
        channel: intent.channel,
        day: input.day,
        reviewDeadlineAt: new Date(input.reviewDeadlineMs).toISOString(),
      },
    },
  ]);
  return updated;
}

async function receipt(ctx: PaymentsContext, row: IntentRow, nowMs: number): Promise<PaymentIntentView> {
  const allowanceLeftTodayMinor = await allowanceLeftTodayOf(ctx.db, {
    userId: row.payer_id,
    channel: row.channel,
    nowMs,
  });
  return toIntentView(row, { nowMs, allowanceLeftTodayMinor });
}
