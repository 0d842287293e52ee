/**
 * Step one of a payment (issue 4 points 2, 5–7): the payer names a payee and an amount; Rampart
 * resolves the payee (a phone number to a user's wallet, or a merchant's settlement account),
 * checks the payer may pay, asks the risk hook, decides what confirmation the payment needs, and
 * records an intent that fixes amount and payee for 10 minutes. No money moves here.
 *
 * `clientRequestId` makes this idempotent per payer: the same id with the same request answers
 * the same intent; with a different request it is refused.
 */
import type { Transaction } from 'kysely';
import {
  IDENTITY_ERRORS,
  type Located,
  maskPhone,
  normalizePhone,
  noticeToAllChannels,
} from '../identity/index.ts';
import { balanceOf } from '../ledger/index.ts';
import { assert, DomainError, type Money, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { allowanceLeftTodayOf } from './allowance.ts';
import { type PaymentAuditInput, recordPaymentAudit } from './audit.ts';
import { settleInTransaction, settleIntent, tellMerchantSide } from './confirm-payment-intent.ts';
import {
  AVAILABLE_CHANNELS,
  FRAUD_WARNING_FIRST_PAYEE_MIN_MINOR,
  INTENT_TTL_MS,
  LIMITS_CURRENCY,
  type PaymentChannel,
} from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { limitExceededError, PAYMENT_ERRORS } from './errors.ts';
import { type IntentRow, type PaymentIntentView, toIntentView } from './intents.ts';
import { maskName } from './mask-name.ts';
import { enforcePayeeLookupBudget } from './payee-lookup-budget.ts';
import {
  allowanceLeftToday,
  type Confirmation,
  checkLimits,
  passwordFreeVerdict,
  paymentDayOf,
  requiredConfirmation,
} from './rules.ts';
import { loadPayerSettings } from './settings-store.ts';

export type PayeeInput = { readonly phone: string } | { readonly merchantId: string };

export interface CreatePaymentIntentInput {
  readonly payerId: string;
  readonly payee: PayeeInput;
  readonly amount: Money;
  readonly channel: PaymentChannel;
  readonly note: string | null;
  readonly clientRequestId: string;
  readonly origin: Located;
  /**
   * One-tap pay: when the payment needs no confirmation (password-free), settle it in the same
   * transaction that records the intent, so the answer is the receipt. Otherwise the intent
   * waits for its confirmation as usual.
   */
  readonly payNow?: boolean | undefined;
}

export interface CreatedIntent {
  readonly intent: PaymentIntentView;
  /** true when `clientRequestId` named an intent made earlier: nothing new was created. */
  readonly replayed: boolean;
}

type ResolvedPayee = {
  readonly ref: string;
  /** A user's masked name, or a merchant's verified name. */
  readonly name: string;
  readonly accountId: string;
} & (
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'merchant'; readonly merchantId: string }
);

export async function createPaymentIntent(
  ctx: PaymentsContext,
  input: CreatePaymentIntentInput,
): Promise<CreatedIntent> {
  const { db, clock } = ctx;
  const nowMs = clock.nowMs();
  const payeeRef = payeeRefOf(input.payee);

  const earlier = await findByClientRequestId(ctx, input);
  if (earlier) return replay(ctx, earlier, input, payeeRef, nowMs);

  try {
    return await createNew(ctx, input, payeeRef, nowMs);
  } catch (error) {
    // A declined payment was audited with the risk reasons already (they never reach the client).
    const audited = [PAYMENT_ERRORS.CLIENT_REQUEST_ID_REUSED.code, PAYMENT_ERRORS.PAYMENT_DECLINED.code];
    if (error instanceof DomainError && !audited.includes(error.code)) {
      await recordPaymentAudit(db, nowMs, {
        userId: input.payerId,
        type: 'intent_refused',
        ip: input.origin.ip,
        details: {
          code: error.code,
          payeeKind: 'phone' in input.payee ? 'user' : 'merchant',
          amountMinor: input.amount.amountMinor.toString(),
          currency: input.amount.currency,
          channel: input.channel,
          clientRequestId: input.clientRequestId,
        },
      });
    }
    throw error;
  }
}

async function createNew(
  ctx: PaymentsContext,
  input: CreatePaymentIntentInput,
  payeeRef: { kind: 'user' | 'merchant'; ref: string },
  nowMs: number,
): Promise<CreatedIntent> {
  const { db } = ctx;
  const day = paymentDayOf(nowMs);
  // Frozen or not, wrong payment passwords, limits, password-free settings and today's totals:
  // one round trip.
  const payer = await loadPayerSettings(db, { userId: input.payerId, day, channel: input.channel });
  if (payer.frozen) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
  if (!AVAILABLE_CHANNELS.includes(input.channel) || (input.channel === 'credit_line' && !ctx.creditLine)) {
    throw new DomainError(PAYMENT_ERRORS.CHANNEL_NOT_AVAILABLE);
  }
  // Wallets and limits are CNY; a payment in another currency has no account to come from.
  if (input.amount.currency !== LIMITS_CURRENCY) {
    throw new DomainError(PAYMENT_ERRORS.CURRENCY_MISMATCH, { expected: LIMITS_CURRENCY });
  }

  const payee = await resolvePayee(ctx, input, payeeRef, nowMs);
  const payerAccount = await ctx.wallet.openWallet(input.payerId, input.amount.currency);
  if (payerAccount.id === payee.accountId) throw new DomainError(PAYMENT_ERRORS.CANNOT_PAY_SELF);
  // The account the money leaves: the wallet, or the credit line (refused when overdue).
  const sourceAccountId =
    input.channel === 'credit_line' && ctx.creditLine
      ? (await ctx.creditLine.accountForSpending(db, { userId: input.payerId, nowMs })).accountId
      : payerAccount.id;

  // Early limit check, so the payer hears of it before confirming; confirm checks again, locked.
  const { limits, usage } = payer;
  const spentTodayMinor = usage.spentMinor[input.channel];
  const limitCheck = checkLimits({ amountMinor: input.amount.amountMinor, limits, spentTodayMinor });
  if (!limitCheck.ok) throw limitExceededError(limitCheck, input.amount.currency);

  const paidBefore = await hasPaidBefore(ctx, input.payerId, payee.accountId);
  const risk = await ctx.riskHook.assess({
    kind: 'payment',
    payerId: input.payerId,
    payee:
      payee.kind === 'user'
        ? { kind: 'user', userId: payee.userId, accountId: payee.accountId }
        : { kind: 'merchant', merchantId: payee.merchantId, accountId: payee.accountId },
    amount: input.amount,
    channel: input.channel,
    firstTimePayee: !paidBefore,
    balanceMinor: balanceOf(payerAccount).availableMinor,
    knownDevice: await ctx.identity.devices.isKnown(input.payerId, input.origin.deviceKey),
    // Scored before the password is entered: the failures since the last success stand as they are.
    failedPaymentPasswords: payer.failedPaymentPasswords,
    origin: {
      ip: input.origin.ip,
      deviceKey: input.origin.deviceKey,
      country: input.origin.location?.country ?? null,
    },
    nowMs,
  });
  if (risk.decision === 'deny') {
    // Refused, audited with the reasons (never shown to the payer), and the payer told at once on
    // every channel; on the strongest signals the account is frozen in the same transaction.
    await db.transaction().execute(async (trx) => {
      await recordPaymentAudit(trx, nowMs, {
        userId: input.payerId,
        type: 'intent_refused',
        ip: input.origin.ip,
        details: {
          code: PAYMENT_ERRORS.PAYMENT_DECLINED.code,
          payeeKind: payee.kind,
          payeeAccountId: payee.accountId,
          amountMinor: input.amount.amountMinor.toString(),
          currency: input.amount.currency,
          channel: input.channel,
          clientRequestId: input.clientRequestId,
          riskDecision: risk.decision,
          riskLevel: risk.level,
          riskReasons: risk.reasons,
          riskEventId: risk.eventId ?? null,
          frozen: risk.freeze === true,
        },
      });
      await noticeToAllChannels(trx, ctx, {
        userId: input.payerId,
        template: 'risk_declined',
        vars: { action: payee.kind === 'user' ? 'transfer' : 'payment', time: new Date(nowMs).toISOString() },
      });
      if (risk.freeze) {
        await ctx.identity.alerts.freeze(trx, {
          userId: input.payerId,
          reason: 'risk',
          origin: input.origin,
        });
      }
    });
    throw new DomainError(PAYMENT_ERRORS.PAYMENT_DECLINED);
  }

  // The security lock: a payee in its cooling period is refused here; a locked transfer, or any
  // payment in the night window, needs a second factor, so it is never password-free.
  const lock = ctx.guard
    ? await ctx.guard.checkIntent({
        payerId: input.payerId,
        payee: { kind: payee.kind, accountId: payee.accountId },
        paidBefore,
        nowMs,
      })
    : { secondFactorRequired: false };
  const verdict = passwordFreeVerdict({
    settings: payer.passwordFree,
    amountMinor: input.amount.amountMinor,
    passwordFreeUsedTodayMinor: usage.passwordFreeMinor,
    paidBefore,
    risk,
  });
  const passwordFree = verdict.applies && !lock.secondFactorRequired;
  // A challenged payment needs the payment password plus an SMS code or a passkey (issue 5).
  const confirmation: Confirmation =
    risk.decision === 'challenge'
      ? 'payment_password_and_second_factor'
      : requiredConfirmation({
          passwordFree,
          hasPasskey: !passwordFree && (await ctx.factors.passkeyCount(input.payerId)) > 0,
        });

  // Issue 9 point 3: the moment of risk is a first payment to someone, large or flagged.
  const fraudWarning =
    !paidBefore &&
    (input.amount.amountMinor >= FRAUD_WARNING_FIRST_PAYEE_MIN_MINOR || risk.decision === 'challenge');

  const intentId = newId('pi');
  const insertIntent = (trx: Transaction<Database>) =>
    trx
      .insertInto('payment_intents')
      .values({
        id: intentId,
        payer_id: input.payerId,
        client_request_id: input.clientRequestId,
        channel: input.channel,
        payee_kind: payee.kind,
        payee_ref: payee.ref,
        payee_user_id: payee.kind === 'user' ? payee.userId : null,
        payee_merchant_id: payee.kind === 'merchant' ? payee.merchantId : null,
        payee_name: payee.name,
        payer_account_id: sourceAccountId,
        payee_account_id: payee.accountId,
        amount_minor: input.amount.amountMinor,
        currency: input.amount.currency,
        note: input.note,
        confirmation,
        risk_decision: risk.decision,
        risk_level: risk.level,
        risk_reasons: JSON.stringify(risk.reasons),
        fraud_warning: fraudWarning,
        risk_event_id: risk.eventId ?? null,
        status: 'awaiting_confirmation',
        created_at: new Date(nowMs),
        expires_at: new Date(nowMs + INTENT_TTL_MS),
      })
      .onConflict((oc) => oc.columns(['payer_id', 'client_request_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  const createdAudit: PaymentAuditInput = {
    userId: input.payerId,
    intentId,
    type: 'intent_created',
    ip: input.origin.ip,
    details: {
      payeeKind: payee.kind,
      payeeAccountId: payee.accountId,
      amountMinor: input.amount.amountMinor.toString(),
      currency: input.amount.currency,
      channel: input.channel,
      confirmation,
      passwordFree: passwordFree ? 'applies' : verdict.applies ? 'security_lock' : verdict.reason,
      secondFactorRequired: lock.secondFactorRequired,
      riskDecision: risk.decision,
      riskLevel: risk.level,
      fraudWarning,
    },
  };

  if (input.payNow === true && confirmation === 'none') {
    // One-tap: the intent and its settlement commit together or not at all (a refusal leaves
    // no intent, only its audit entry). The security lock was asked above at this same instant
    // and wants no second factor, so its confirmation check would pass; the intent is this
    // transaction's own row, so no other confirmation can hold it.
    const settled = await settleInTransaction(ctx, async (trx) => {
      const row = await insertIntent(trx);
      if (!row) return undefined;
      return settleIntent(ctx, trx, {
        intent: row,
        confirmedBy: 'none',
        origin: input.origin,
        audit: [createdAudit],
      });
    });
    if (settled) {
      tellMerchantSide(ctx, settled.row);
      return {
        intent: toIntentView(settled.row, {
          nowMs: ctx.clock.nowMs(),
          allowanceLeftTodayMinor: settled.allowanceLeftTodayMinor,
        }),
        replayed: false,
      };
    }
  } else {
    const inserted = await db.transaction().execute(async (trx) => {
      const row = await insertIntent(trx);
      if (!row) return undefined;
      await recordPaymentAudit(trx, nowMs, createdAudit);
      if (risk.decision === 'challenge') {
        await noticeToAllChannels(trx, ctx, {
          userId: input.payerId,
          template: 'risk_challenge',
          vars: {
            action: payee.kind === 'user' ? 'transfer' : 'payment',
            time: new Date(nowMs).toISOString(),
          },
        });
      }
      return row;
    });
    if (inserted) {
      return {
        intent: toIntentView(inserted, {
          nowMs,
          allowanceLeftTodayMinor: allowanceLeftToday(limits, spentTodayMinor),
        }),
        replayed: false,
      };
    }
  }
  // A concurrent request with the same clientRequestId won the insert: answer its intent.
  const winner = await findByClientRequestId(ctx, input);
  assert(winner, 'the intent that won a clientRequestId conflict exists');
  return replay(ctx, winner, input, payeeRef, nowMs);
}

function payeeRefOf(payee: PayeeInput): { kind: 'user' | 'merchant'; ref: string } {
  if ('merchantId' in payee) return { kind: 'merchant', ref: payee.merchantId };
  const phone = normalizePhone(payee.phone);
  if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
  return { kind: 'user', ref: phone };
}

async function resolvePayee(
  ctx: PaymentsContext,
  input: CreatePaymentIntentInput,
  payeeRef: { kind: 'user' | 'merchant'; ref: string },
  nowMs: number,
): Promise<ResolvedPayee> {
  const { db } = ctx;
  if (payeeRef.kind === 'merchant') {
    const merchant = await db
      .selectFrom('merchants')
      .select(['id', 'name', 'settlement_account_id', 'currency'])
      .where('id', '=', payeeRef.ref)
      .executeTakeFirst();
    if (!merchant) throw new DomainError(PAYMENT_ERRORS.PAYEE_NOT_FOUND);
    if (merchant.currency.trim() !== input.amount.currency) {
      throw new DomainError(PAYMENT_ERRORS.CURRENCY_MISMATCH, { expected: merchant.currency.trim() });
    }
    return {
      kind: 'merchant',
      ref: merchant.id,
      merchantId: merchant.id,
      // A merchant's verified name is shown in full (issue 4 point 3).
      name: merchant.name,
      accountId: merchant.settlement_account_id,
    };
  }
  // Every look-up by phone counts against the payer's budget, found or not, so the masked-name
  // feature cannot be turned into a list of who is registered.
  await enforcePayeeLookupBudget(db, { payerId: input.payerId, nowMs });
  const user = await ctx.identity.findUserByPhone(payeeRef.ref);
  await recordPaymentAudit(db, nowMs, {
    userId: input.payerId,
    type: 'payee_lookup',
    ip: input.origin.ip,
    details: { phone: maskPhone(payeeRef.ref), found: user !== undefined },
  });
  if (!user) throw new DomainError(PAYMENT_ERRORS.PAYEE_NOT_FOUND);
  if (user.id === input.payerId) throw new DomainError(PAYMENT_ERRORS.CANNOT_PAY_SELF);
  const account = await ctx.wallet.openWallet(user.id, input.amount.currency);
  return {
    kind: 'user',
    ref: payeeRef.ref,
    userId: user.id,
    name: maskName(user.displayName),
    accountId: account.id,
  };
}

async function hasPaidBefore(
  ctx: PaymentsContext,
  payerId: string,
  payeeAccountId: string,
): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('payment_intents')
    .select('id')
    .where('payer_id', '=', payerId)
    .where('payee_account_id', '=', payeeAccountId)
    .where('status', '=', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function findByClientRequestId(
  ctx: PaymentsContext,
  input: CreatePaymentIntentInput,
): Promise<IntentRow | undefined> {
  return ctx.db
    .selectFrom('payment_intents')
    .selectAll()
    .where('payer_id', '=', input.payerId)
    .where('client_request_id', '=', input.clientRequestId)
    .executeTakeFirst();
}

async function replay(
  ctx: PaymentsContext,
  row: IntentRow,
  input: CreatePaymentIntentInput,
  payeeRef: { kind: 'user' | 'merchant'; ref: string },
  nowMs: number,
): Promise<CreatedIntent> {
  const same =
    row.payee_kind === payeeRef.kind &&
    row.payee_ref === payeeRef.ref &&
    row.amount_minor === input.amount.amountMinor &&
    row.currency.trim() === input.amount.currency &&
    row.channel === input.channel &&
    row.note === input.note;
  if (!same) throw new DomainError(PAYMENT_ERRORS.CLIENT_REQUEST_ID_REUSED, { intentId: row.id });
  const allowanceLeftTodayMinor = await allowanceLeftTodayOf(ctx.db, {
    userId: input.payerId,
    channel: row.channel,
    nowMs,
  });
  return { intent: toIntentView(row, { nowMs, allowanceLeftTodayMinor }), replayed: true };
}
