/**
 * Auto-debit agreements (issue 4 point 9, issue 6 point 6): a merchant asks (`requestAgreement`,
 * pending), the user reads a plain statement of what the merchant may take and signs with the
 * payment password (`confirmAgreement`, active), the merchant debits within the caps (`debit`),
 * the user cancels in one step (`cancelAgreement`), and the stolen-account flow suspends all
 * (`suspendAll`). docs/agreements.md explains the choices.
 *
 * A debit and a cancel both take the agreement row's lock, so they are serialised: a debit either
 * commits before the cancel (and is a normal, earlier debit) or sees the agreement cancelled and
 * is refused. A trigger refuses any UPDATE that would take a cancelled agreement out of
 * 'cancelled', so no later code path can revive one.
 *
 * A debit is merchant-initiated: nobody is there to answer a risk challenge. So only the risk
 * engine's allow debits; challenge and review stop it (`agreement_debit_stopped`), deny declines
 * it (`payment_declined`); either way the user is told on every channel what was stopped and what
 * to do. docs/agreements.md, "Risk decisions".
 */
import { type Selectable, sql } from 'kysely';
import type { Located } from '../identity/index.ts';
import type { RiskAssessment } from '../payments/index.ts';
import { type Currency, DomainError, type Money, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { recordAgreementAudit } from './audit.ts';
import {
  AGREEMENT_MONTHLY_CAP_MAX_MINOR,
  AGREEMENT_PER_DEBIT_CAP_MAX_MINOR,
  AGREEMENT_REQUEST_TTL_MS,
  AGREEMENTS_CURRENCY,
  AGREEMENTS_PER_USER_MAX,
} from './constants.ts';
import type { AgreementsContext } from './context.ts';
import { AGREEMENT_ERRORS } from './errors.ts';
import { newestPage, onlyView, usedInMonth } from './listing.ts';
import {
  assessRisk,
  currencyOf,
  inMoneyTransaction,
  loadMerchant,
  monthOf,
  postToMerchant,
  refuseIfFrozen,
  riskAuditDetails,
} from './money-move.ts';
import { noticeAgreementDebited, noticeAgreementDebitStopped, noticeAgreementSigned } from './notices.ts';

type AgreementRow = Selectable<Database['agreements']>;
type DebitRow = Selectable<Database['agreement_debits']>;

export type AgreementStatus = 'pending' | 'active' | 'cancelled' | 'suspended' | 'expired';

export interface AgreementView {
  readonly id: string;
  readonly merchant: { readonly id: string; readonly name: string };
  readonly externalAgreementNo: string;
  readonly purpose: string;
  readonly perDebitCap: Money;
  readonly monthlyCap: Money;
  /** Debited so far in the current Beijing month. */
  readonly usedThisMonth: Money;
  readonly status: AgreementStatus;
  readonly createdAt: Date;
  readonly requestExpiresAt: Date;
  readonly signedAt: Date | null;
  readonly cancelledAt: Date | null;
  readonly suspendedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly reviewedAt: Date | null;
}

/** The merchant's view also names the user (the open API's alipay_user_id / buyer_id). */
export type MerchantAgreementView = AgreementView & { readonly userId: string };

export interface AgreementDebitView {
  readonly id: string;
  readonly agreementId: string;
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly transferId: string;
  readonly createdAt: Date;
}

export interface RequestAgreementInput {
  readonly merchantId: string;
  readonly userId: string;
  readonly purpose: string;
  readonly perDebitCapMinor: bigint;
  readonly monthlyCapMinor: bigint;
  readonly currency: Currency;
  /** The merchant's own number for this agreement; the idempotency key of the request. */
  readonly externalAgreementNo: string;
}

export interface DebitInput {
  readonly agreementId: string;
  /** The calling merchant: an agreement of another merchant is as unknown as a missing one. */
  readonly merchantId: string;
  readonly amount: Money;
  /** The merchant's key for this debit (per agreement): a retry never debits twice. */
  readonly idempotencyKey: string;
  /** The merchant server's address, for the risk hook. */
  readonly ip?: string | undefined;
}

function statusAt(row: AgreementRow, nowMs: number): AgreementStatus {
  if (row.status === 'pending' && nowMs >= row.request_expires_at.getTime()) return 'expired';
  return row.status;
}

async function toViews(ctx: AgreementsContext, rows: AgreementRow[]): Promise<AgreementView[]> {
  const nowMs = ctx.clock.nowMs();
  const merchantIds = [...new Set(rows.map((r) => r.merchant_id))];
  const merchants =
    merchantIds.length === 0
      ? []
      : await ctx.db.selectFrom('merchants').select(['id', 'name']).where('id', 'in', merchantIds).execute();
  const names = new Map(merchants.map((m) => [m.id, m.name]));
  const used = await usedInMonth(
    ctx.db,
    { table: 'agreement_debits', key: 'agreement_id' },
    { ids: rows.map((r) => r.id), month: monthOf(nowMs) },
  );
  return rows.map((row) => {
    const currency = currencyOf(row);
    return {
      id: row.id,
      merchant: { id: row.merchant_id, name: names.get(row.merchant_id) ?? row.merchant_id },
      externalAgreementNo: row.external_agreement_no,
      purpose: row.purpose,
      perDebitCap: { amountMinor: row.per_debit_cap_minor, currency },
      monthlyCap: { amountMinor: row.monthly_cap_minor, currency },
      usedThisMonth: { amountMinor: used.get(row.id) ?? 0n, currency },
      status: statusAt(row, nowMs),
      createdAt: row.created_at,
      requestExpiresAt: row.request_expires_at,
      signedAt: row.signed_at,
      cancelledAt: row.cancelled_at,
      suspendedAt: row.suspended_at,
      lastUsedAt: row.last_used_at,
      reviewedAt: row.reviewed_at,
    };
  });
}

function toView(ctx: AgreementsContext, row: AgreementRow): Promise<AgreementView> {
  return onlyView(toViews(ctx, [row]), AGREEMENT_ERRORS.AGREEMENT_NOT_FOUND);
}

function debitView(row: DebitRow): AgreementDebitView {
  return {
    id: row.id,
    agreementId: row.agreement_id,
    idempotencyKey: row.idempotency_key,
    amount: { amountMinor: row.amount_minor, currency: currencyOf(row) },
    transferId: row.transfer_id,
    createdAt: row.created_at,
  };
}

async function loadOwn(ctx: AgreementsContext, userId: string, agreementId: string): Promise<AgreementRow> {
  const row = await ctx.db
    .selectFrom('agreements')
    .selectAll()
    .where('id', '=', agreementId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  // Another user's agreement is as unknown as a missing one: no oracle.
  if (!row) throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_FOUND);
  return row;
}

function statusError(status: AgreementStatus): DomainError {
  switch (status) {
    case 'cancelled':
      return new DomainError(AGREEMENT_ERRORS.AGREEMENT_CANCELLED);
    case 'suspended':
      return new DomainError(AGREEMENT_ERRORS.AGREEMENT_SUSPENDED);
    case 'expired':
      return new DomainError(AGREEMENT_ERRORS.AGREEMENT_REQUEST_EXPIRED);
    default:
      return new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_ACTIVE);
  }
}

/** Pure: caps are positive, per-debit ≤ monthly, both within the maxima. */
export function capsValid(input: { perDebitCapMinor: bigint; monthlyCapMinor: bigint }): boolean {
  return (
    input.perDebitCapMinor > 0n &&
    input.perDebitCapMinor <= input.monthlyCapMinor &&
    input.perDebitCapMinor <= AGREEMENT_PER_DEBIT_CAP_MAX_MINOR &&
    input.monthlyCapMinor <= AGREEMENT_MONTHLY_CAP_MAX_MINOR
  );
}

/** Pure: may `amountMinor` be debited now, given the caps and this month's debits so far? */
export function debitWithinCaps(input: {
  amountMinor: bigint;
  perDebitCapMinor: bigint;
  monthlyCapMinor: bigint;
  usedThisMonthMinor: bigint;
}): { ok: true } | { ok: false; exceeded: 'per_debit' | 'monthly'; leftThisMonthMinor: bigint } {
  const left = input.monthlyCapMinor - input.usedThisMonthMinor;
  const leftThisMonthMinor = left > 0n ? left : 0n;
  if (input.amountMinor > input.perDebitCapMinor)
    return { ok: false, exceeded: 'per_debit', leftThisMonthMinor };
  if (input.amountMinor > leftThisMonthMinor) return { ok: false, exceeded: 'monthly', leftThisMonthMinor };
  return { ok: true };
}

export async function requestAgreement(
  ctx: AgreementsContext,
  input: RequestAgreementInput,
): Promise<{ agreement: AgreementView; created: boolean }> {
  const purpose = input.purpose.trim();
  if (purpose.length === 0) throw new DomainError(AGREEMENT_ERRORS.INVALID_CAPS, { field: 'purpose' });
  if (!capsValid(input)) throw new DomainError(AGREEMENT_ERRORS.INVALID_CAPS);
  if (input.currency !== AGREEMENTS_CURRENCY) throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
  const merchant = await loadMerchant(ctx, input.merchantId);
  if (merchant.currency !== input.currency) throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
  const user = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user) throw new DomainError(AGREEMENT_ERRORS.USER_NOT_FOUND);

  const existing = await ctx.db
    .selectFrom('agreements')
    .selectAll()
    .where('merchant_id', '=', input.merchantId)
    .where('external_agreement_no', '=', input.externalAgreementNo)
    .executeTakeFirst();
  if (existing) return { agreement: await toView(ctx, sameTerms(existing, input, purpose)), created: false };

  const count = await ctx.db
    .selectFrom('agreements')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', input.userId)
    .where('status', '<>', 'cancelled')
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= AGREEMENTS_PER_USER_MAX) throw new DomainError(AGREEMENT_ERRORS.TOO_MANY);

  const nowMs = ctx.clock.nowMs();
  const row = await ctx.db
    .insertInto('agreements')
    .values({
      id: newId('agr'),
      user_id: input.userId,
      merchant_id: input.merchantId,
      external_agreement_no: input.externalAgreementNo,
      purpose,
      per_debit_cap_minor: input.perDebitCapMinor,
      monthly_cap_minor: input.monthlyCapMinor,
      currency: input.currency,
      status: 'pending',
      created_at: new Date(nowMs),
      request_expires_at: new Date(nowMs + AGREEMENT_REQUEST_TTL_MS),
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'external_agreement_no']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (row) {
    await recordAgreementAudit(ctx.db, nowMs, {
      userId: row.user_id,
      subjectId: row.id,
      type: 'agreement_requested',
      details: {
        merchantId: row.merchant_id,
        perDebitCapMinor: row.per_debit_cap_minor.toString(),
        monthlyCapMinor: row.monthly_cap_minor.toString(),
        currency: input.currency,
      },
    });
    return { agreement: await toView(ctx, row), created: true };
  }
  // A concurrent request with the same number won the insert: answer as a replay.
  const winner = await ctx.db
    .selectFrom('agreements')
    .selectAll()
    .where('merchant_id', '=', input.merchantId)
    .where('external_agreement_no', '=', input.externalAgreementNo)
    .executeTakeFirstOrThrow();
  return { agreement: await toView(ctx, sameTerms(winner, input, purpose)), created: false };
}

function sameTerms(row: AgreementRow, input: RequestAgreementInput, purpose: string): AgreementRow {
  const same =
    row.user_id === input.userId &&
    row.purpose === purpose &&
    row.per_debit_cap_minor === input.perDebitCapMinor &&
    row.monthly_cap_minor === input.monthlyCapMinor &&
    currencyOf(row) === input.currency;
  if (!same) throw new DomainError(AGREEMENT_ERRORS.EXTERNAL_AGREEMENT_NO_REUSED);
  return row;
}

export async function getAgreement(
  ctx: AgreementsContext,
  input: { userId: string; agreementId: string },
): Promise<AgreementView> {
  return toView(ctx, await loadOwn(ctx, input.userId, input.agreementId));
}

/** What the merchant may read of its own agreement (the open API's query). */
export async function getMerchantAgreement(
  ctx: AgreementsContext,
  input: { merchantId: string; agreementId?: string | undefined; externalAgreementNo?: string | undefined },
): Promise<MerchantAgreementView> {
  let query = ctx.db.selectFrom('agreements').selectAll().where('merchant_id', '=', input.merchantId);
  if (input.agreementId !== undefined) query = query.where('id', '=', input.agreementId);
  else if (input.externalAgreementNo !== undefined)
    query = query.where('external_agreement_no', '=', input.externalAgreementNo);
  else throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_FOUND);
  const row = await query.executeTakeFirst();
  if (!row) throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_FOUND);
  return { ...(await toView(ctx, row)), userId: row.user_id };
}

/** A debit of the merchant's agreement by its idempotency key, or undefined (the open API's
 *  recovery after a crash between the debit and the trade's settlement). */
export async function getMerchantDebit(
  ctx: AgreementsContext,
  input: { merchantId: string; agreementId: string; idempotencyKey: string },
): Promise<(AgreementDebitView & { payerAccountId: string }) | undefined> {
  const row = await ctx.db
    .selectFrom('agreement_debits as d')
    .innerJoin('agreements as a', 'a.id', 'd.agreement_id')
    .selectAll('d')
    .select('a.user_id')
    .where('d.agreement_id', '=', input.agreementId)
    .where('a.merchant_id', '=', input.merchantId)
    .where('d.idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirst();
  if (!row) return undefined;
  const payer = await ctx.wallet.openWallet(row.user_id, currencyOf(row));
  return { ...debitView(row), payerAccountId: payer.id };
}

export async function listAgreements(ctx: AgreementsContext, userId: string): Promise<AgreementView[]> {
  const rows = await newestPage(ctx.db.selectFrom('agreements').selectAll().where('user_id', '=', userId), {
    createdAt: 'created_at',
    id: 'id',
  }).execute();
  return toViews(ctx, rows);
}

export async function confirmAgreement(
  ctx: AgreementsContext,
  input: { userId: string; agreementId: string; paymentPassword: string; origin: Located },
): Promise<AgreementView> {
  const row = await loadOwn(ctx, input.userId, input.agreementId);
  const status = statusAt(row, ctx.clock.nowMs());
  if (status === 'active') return toView(ctx, row);
  if (status === 'expired') throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_REQUEST_EXPIRED);
  if (status !== 'pending') throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_PENDING);
  // Identity's codes (wrong_payment_password with attemptsLeft, payment_locked) pass through.
  await ctx.identity.security.verifyPaymentPassword(input.userId, input.paymentPassword, input.origin);
  const signed = await ctx.db.transaction().execute(async (trx) => {
    await refuseIfFrozen(trx, input.userId);
    const nowMs = ctx.clock.nowMs();
    const updated = await trx
      .updateTable('agreements')
      .set({ status: 'active', signed_at: new Date(nowMs), reviewed_at: new Date(nowMs) })
      .where('id', '=', row.id)
      .where('user_id', '=', input.userId)
      .where('status', '=', 'pending')
      .where('request_expires_at', '>', new Date(nowMs))
      .returningAll()
      .executeTakeFirst();
    if (updated) {
      await recordAgreementAudit(trx, nowMs, {
        userId: input.userId,
        subjectId: row.id,
        type: 'agreement_signed',
        ip: input.origin.ip,
      });
      const merchant = await trx
        .selectFrom('merchants')
        .select('name')
        .where('id', '=', updated.merchant_id)
        .executeTakeFirstOrThrow();
      await noticeAgreementSigned(ctx, trx, {
        userId: input.userId,
        merchantName: merchant.name,
        monthlyCap: { amountMinor: updated.monthly_cap_minor, currency: currencyOf(updated) },
        nowMs,
      });
      await ctx.changes?.changed(trx, {
        kind: 'signed',
        agreementId: updated.id,
        merchantId: updated.merchant_id,
        userId: input.userId,
        by: 'user',
        atMs: nowMs,
      });
    }
    return updated;
  });
  if (signed) return toView(ctx, signed);
  // Cancelled, signed or expired meanwhile: say which.
  const now = await loadOwn(ctx, input.userId, input.agreementId);
  const nowStatus = statusAt(now, ctx.clock.nowMs());
  if (nowStatus === 'active') return toView(ctx, now);
  throw nowStatus === 'expired'
    ? new DomainError(AGREEMENT_ERRORS.AGREEMENT_REQUEST_EXPIRED)
    : new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_PENDING);
}

/** One step, no password (taking protection away from a merchant must be easy). Idempotent. */
export async function cancelAgreement(
  ctx: AgreementsContext,
  input: { userId: string; agreementId: string; ip?: string | undefined },
): Promise<AgreementView> {
  await loadOwn(ctx, input.userId, input.agreementId);
  const nowMs = ctx.clock.nowMs();
  await ctx.db.transaction().execute(async (trx) => {
    const cancelled = await trx
      .updateTable('agreements')
      .set({ status: 'cancelled', cancelled_at: new Date(nowMs), cancelled_by: 'user' })
      .where('id', '=', input.agreementId)
      .where('user_id', '=', input.userId)
      .where('status', '<>', 'cancelled')
      .returning(['id', 'merchant_id'])
      .executeTakeFirst();
    if (cancelled) {
      await recordAgreementAudit(trx, nowMs, {
        userId: input.userId,
        subjectId: input.agreementId,
        type: 'agreement_cancelled',
        ip: input.ip,
        details: { by: 'user' },
      });
      await ctx.changes?.changed(trx, {
        kind: 'cancelled',
        agreementId: cancelled.id,
        merchantId: cancelled.merchant_id,
        userId: input.userId,
        by: 'user',
        atMs: nowMs,
      });
    }
  });
  return toView(ctx, await loadOwn(ctx, input.userId, input.agreementId));
}

/** The merchant ends its own agreement (the open API's unsign). Idempotent. */
export async function cancelMerchantAgreement(
  ctx: AgreementsContext,
  input: { merchantId: string; agreementId: string },
): Promise<AgreementView> {
  const nowMs = ctx.clock.nowMs();
  // One transaction: the cancel, its audit and the listener's notification stand or fall together.
  await ctx.db.transaction().execute(async (trx) => {
    const cancelled = await trx
      .updateTable('agreements')
      .set({ status: 'cancelled', cancelled_at: new Date(nowMs), cancelled_by: 'merchant' })
      .where('id', '=', input.agreementId)
      .where('merchant_id', '=', input.merchantId)
      .where('status', '<>', 'cancelled')
      .returning(['id', 'user_id'])
      .executeTakeFirst();
    if (cancelled) {
      await recordAgreementAudit(trx, nowMs, {
        userId: cancelled.user_id,
        subjectId: cancelled.id,
        type: 'agreement_cancelled',
        details: { by: 'merchant' },
      });
      await ctx.changes?.changed(trx, {
        kind: 'cancelled',
        agreementId: cancelled.id,
        merchantId: input.merchantId,
        userId: cancelled.user_id,
        by: 'merchant',
        atMs: nowMs,
      });
    }
  });
  return getMerchantAgreement(ctx, input);
}

/** The user looked at it and keeps it (the check-up flags agreements unreviewed for 90 days). */
export async function markAgreementReviewed(
  ctx: AgreementsContext,
  input: { userId: string; agreementId: string },
): Promise<AgreementView> {
  await loadOwn(ctx, input.userId, input.agreementId);
  await ctx.db
    .updateTable('agreements')
    .set({ reviewed_at: new Date(ctx.clock.nowMs()) })
    .where('id', '=', input.agreementId)
    .where('user_id', '=', input.userId)
    .execute();
  return getAgreement(ctx, input);
}

/** Stolen-account flow: every active or pending agreement of the user stops debiting. */
export async function suspendAllAgreements(ctx: AgreementsContext, userId: string): Promise<number> {
  const rows = await ctx.db
    .updateTable('agreements')
    .set({ status: 'suspended', suspended_at: new Date(ctx.clock.nowMs()) })
    .where('user_id', '=', userId)
    .where('status', 'in', ['active', 'pending'])
    .returning('id')
    .execute();
  if (rows.length > 0) {
    await recordAgreementAudit(ctx.db, ctx.clock.nowMs(), {
      userId,
      subjectId: userId,
      type: 'agreements_suspended',
      details: { count: rows.length },
    });
  }
  return rows.length;
}

export async function debitAgreement(
  ctx: AgreementsContext,
  input: DebitInput,
): Promise<{ debit: AgreementDebitView; created: boolean; payerAccountId: string }> {
  if (input.amount.amountMinor <= 0n) throw new DomainError(AGREEMENT_ERRORS.INVALID_AMOUNT);
  const agreement = await ctx.db
    .selectFrom('agreements')
    .selectAll()
    .where('id', '=', input.agreementId)
    .where('merchant_id', '=', input.merchantId)
    .executeTakeFirst();
  if (!agreement) throw new DomainError(AGREEMENT_ERRORS.AGREEMENT_NOT_FOUND);
  const facts: { risk?: RiskAssessment; merchantName?: string } = {};
  try {
    return await decideDebit(ctx, input, agreement, facts);
  } catch (error) {
    // Written after the refused work rolled back, so the refusal stays on record.
    if (error instanceof DomainError) await recordDebitRefusal(ctx, { input, agreement, error, facts });
    throw error;
  }
}

/**
 * The refusal's audit row (with the risk decision when there was one) and, for a debit the risk
 * engine stopped or declined, the user's alert — in one transaction. A merchant retrying the same
 * debit (its idempotency key, the open API's trade) alerts the user once, not once per retry.
 */
async function recordDebitRefusal(
  ctx: AgreementsContext,
  input: {
    input: DebitInput;
    agreement: AgreementRow;
    error: DomainError;
    facts: { risk?: RiskAssessment; merchantName?: string };
  },
): Promise<void> {
  const { agreement, error, facts } = input;
  const debit = input.input;
  const nowMs = ctx.clock.nowMs();
  const byRisk =
    facts.risk !== undefined &&
    (error.code === AGREEMENT_ERRORS.DEBIT_STOPPED.code ||
      error.code === AGREEMENT_ERRORS.PAYMENT_DECLINED.code);
  await ctx.db.transaction().execute(async (trx) => {
    const alertedBefore =
      byRisk &&
      (await trx
        .selectFrom('agreement_audit')
        .select('id')
        .where('user_id', '=', agreement.user_id)
        .where('subject_id', '=', agreement.id)
        .where('type', '=', 'agreement_debit_refused')
        .where(sql<string>`details->>'code'`, 'in', [
          AGREEMENT_ERRORS.DEBIT_STOPPED.code,
          AGREEMENT_ERRORS.PAYMENT_DECLINED.code,
        ])
        .where(sql<string>`details->>'idempotencyKey'`, '=', debit.idempotencyKey)
        .limit(1)
        .executeTakeFirst()) !== undefined;
    await recordAgreementAudit(trx, nowMs, {
      userId: agreement.user_id,
      subjectId: agreement.id,
      type: 'agreement_debit_refused',
      ip: debit.ip,
      details: {
        code: error.code,
        amountMinor: debit.amount.amountMinor.toString(),
        idempotencyKey: debit.idempotencyKey,
        ...riskAuditDetails(facts.risk),
      },
    });
    if (byRisk && !alertedBefore && facts.merchantName !== undefined) {
      await noticeAgreementDebitStopped(ctx, trx, {
        userId: agreement.user_id,
        merchantName: facts.merchantName,
        amount: { amountMinor: debit.amount.amountMinor, currency: currencyOf(agreement) },
        nowMs,
      });
    }
  });
}

async function decideDebit(
  ctx: AgreementsContext,
  input: DebitInput,
  agreement: AgreementRow,
  facts: { risk?: RiskAssessment; merchantName?: string },
): Promise<{ debit: AgreementDebitView; created: boolean; payerAccountId: string }> {
  const replay = await findDebit(ctx, input);
  if (replay) {
    const payer = await ctx.wallet.openWallet(agreement.user_id, replay.amount.currency);
    return { debit: replay, created: false, payerAccountId: payer.id };
  }
  const currency = currencyOf(agreement);
  if (input.amount.currency !== currency) throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
  const merchant = await loadMerchant(ctx, input.merchantId);
  facts.merchantName = merchant.name;
  const risk = await assessRisk(ctx, {
    payerId: agreement.user_id,
    merchantId: merchant.id,
    merchantAccountId: merchant.settlementAccountId,
    amountMinor: input.amount.amountMinor,
    currency,
    ip: input.ip ?? '0.0.0.0',
  });
  facts.risk = risk;
  // Nobody is present to step up or to wait for a review: only allow debits (fail closed). A
  // challenge or a review stops it with its own code (the user can pay the merchant directly);
  // a deny declines it, as a wallet payment's.
  if (risk.decision === 'deny') throw new DomainError(AGREEMENT_ERRORS.PAYMENT_DECLINED);
  if (risk.decision !== 'allow') throw new DomainError(AGREEMENT_ERRORS.DEBIT_STOPPED);
  const payerAccount = await ctx.wallet.openWallet(agreement.user_id, currency);

  const debit = await inMoneyTransaction(ctx, async (trx) => {
    // Lock order: agreement → user → (ledger) accounts. Cancel and suspend take the same row lock.
    const locked = await trx
      .selectFrom('agreements')
      .selectAll()
      .where('id', '=', agreement.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const again = await trx
      .selectFrom('agreement_debits')
      .selectAll()
      .where('agreement_id', '=', agreement.id)
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (again) return { row: again, created: false };
    const nowMs = ctx.clock.nowMs();
    const status = statusAt(locked, nowMs);
    if (status !== 'active') throw statusError(status);
    await refuseIfFrozen(trx, locked.user_id);
    const month = monthOf(nowMs);
    const used = await trx
      .selectFrom('agreement_debits')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount_minor'), eb.val('0')).as('total'))
      .where('agreement_id', '=', agreement.id)
      .where('month', '=', month)
      .executeTakeFirstOrThrow();
    const check = debitWithinCaps({
      amountMinor: input.amount.amountMinor,
      perDebitCapMinor: locked.per_debit_cap_minor,
      monthlyCapMinor: locked.monthly_cap_minor,
      usedThisMonthMinor: BigInt(used.total),
    });
    if (!check.ok) {
      const details = {
        perDebitCap: { amountMinor: locked.per_debit_cap_minor.toString(), currency },
        leftThisMonth: { amountMinor: check.leftThisMonthMinor.toString(), currency },
      };
      throw new DomainError(
        check.exceeded === 'per_debit'
          ? AGREEMENT_ERRORS.PER_DEBIT_CAP_EXCEEDED
          : AGREEMENT_ERRORS.MONTHLY_CAP_EXCEEDED,
        details,
      );
    }
    const id = newId('agd');
    const transferId = `agd:${id}`;
    await postToMerchant(ctx, trx, {
      transferId,
      code: 'agreement_debit',
      debitAccountId: payerAccount.id,
      creditAccountId: merchant.settlementAccountId,
      amountMinor: input.amount.amountMinor,
      currency,
    });
    const row = await trx
      .insertInto('agreement_debits')
      .values({
        id,
        agreement_id: agreement.id,
        idempotency_key: input.idempotencyKey,
        amount_minor: input.amount.amountMinor,
        currency,
        month,
        transfer_id: transferId,
        created_at: new Date(nowMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('agreements')
      .set({ last_used_at: new Date(nowMs) })
      .where('id', '=', agreement.id)
      .execute();
    await recordAgreementAudit(trx, nowMs, {
      userId: locked.user_id,
      subjectId: agreement.id,
      type: 'agreement_debited',
      ip: input.ip,
      details: {
        debitId: id,
        transferId,
        amountMinor: input.amount.amountMinor.toString(),
        currency,
        month,
        ...riskAuditDetails(risk),
      },
    });
    await noticeAgreementDebited(ctx, trx, {
      userId: locked.user_id,
      merchantName: merchant.name,
      amount: { amountMinor: input.amount.amountMinor, currency },
      nowMs,
    });
    return { row, created: true };
  });
  const view = debitView(debit.row);
  if (view.amount.amountMinor !== input.amount.amountMinor) {
    throw new DomainError(AGREEMENT_ERRORS.IDEMPOTENCY_KEY_REUSED);
  }
  return { debit: view, created: debit.created, payerAccountId: payerAccount.id };
}

async function findDebit(ctx: AgreementsContext, input: DebitInput): Promise<AgreementDebitView | undefined> {
  const row = await ctx.db
    .selectFrom('agreement_debits')
    .selectAll()
    .where('agreement_id', '=', input.agreementId)
    .where('idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.amount_minor !== input.amount.amountMinor || currencyOf(row) !== input.amount.currency) {
    throw new DomainError(AGREEMENT_ERRORS.IDEMPOTENCY_KEY_REUSED);
  }
  return debitView(row);
}

/** The agreement's debits, newest first (the user's or the merchant's view). */
export async function listAgreementDebits(
  ctx: AgreementsContext,
  input: { userId: string; agreementId: string },
): Promise<AgreementDebitView[]> {
  await loadOwn(ctx, input.userId, input.agreementId);
  const rows = await newestPage(
    ctx.db.selectFrom('agreement_debits').selectAll().where('agreement_id', '=', input.agreementId),
    { createdAt: 'created_at', id: 'id' },
  ).execute();
  return rows.map(debitView);
}
