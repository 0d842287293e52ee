/**
 * Family cards (issue 4 point 9): an owner gives a member (another user, found by phone) the
 * right to spend the owner's wallet at merchants up to a monthly cap. The owner confirms the
 * offer with the payment password; the member accepts; the member pays a merchant with the card,
 * confirming with the member's own payment password; the money leaves the owner's wallet in one
 * ledger transfer; owner and member see each use; either cancels in one step.
 *
 * A payment and a cancel both take the card row's lock: the monthly cap is checked under it (so
 * concurrent payments cannot together pass it) and a cancel either waits for a payment in flight
 * or is seen by it. A trigger keeps a cancelled card cancelled forever.
 *
 * The risk engine scores every payment with the owner as payer (docs/agreements.md, "Risk
 * decisions"): a challenge needs the paying member's fresh second-factor step-up, as a withdrawal
 * does; a review holds the owner's money for an operator (family-card-review.ts); a deny refuses.
 */
import type { Selectable, Transaction } from 'kysely';
import {
  hasSecondFactorStepUpSince,
  IDENTITY_ERRORS,
  type Located,
  maskPhone,
  normalizePhone,
  noticeToAllChannels,
  SECOND_FACTOR_STEP_UP_METHODS,
} from '../identity/index.ts';
import { maskName, type RiskAssessment } from '../payments/index.ts';
import { DomainError, type Money, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { recordAgreementAudit } from './audit.ts';
import {
  AGREEMENTS_CURRENCY,
  FAMILY_CARD_HOLD_LEDGER_GRACE_MS,
  FAMILY_CARD_MONTHLY_CAP_MAX_MINOR,
  FAMILY_CARD_STEP_UP_FRESH_MS,
  FAMILY_CARDS_PER_OWNER_MAX,
} from './constants.ts';
import type { AgreementsContext } from './context.ts';
import { AGREEMENT_ERRORS } from './errors.ts';
import { familyCardHoldTransferId, familyCardTransferId } from './family-card-review.ts';
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
import { noticeFamilyCardHeld, noticeFamilyCardOffered, noticeFamilyCardUsed } from './notices.ts';

type CardRow = Selectable<Database['family_cards']>;
type PaymentRow = Selectable<Database['family_card_payments']>;

export type FamilyCardStatus = 'pending' | 'active' | 'cancelled' | 'suspended';

export interface FamilyCardView {
  readonly id: string;
  /** Whether the caller gave this card or received it. */
  readonly role: 'owner' | 'member';
  /** The other person, masked: owner sees the member, member sees the owner. */
  readonly counterpart: { readonly maskedName: string; readonly maskedPhone: string };
  readonly monthlyCap: Money;
  readonly usedThisMonth: Money;
  readonly status: FamilyCardStatus;
  readonly createdAt: Date;
  readonly acceptedAt: Date | null;
  readonly cancelledAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export type FamilyCardPaymentStatus = 'succeeded' | 'in_review' | 'declined';

export interface FamilyCardPaymentView {
  readonly id: string;
  readonly cardId: string;
  readonly merchant: { readonly id: string; readonly name: string };
  readonly amount: Money;
  /** The transfer that moved (or holds, or gave back) the money. */
  readonly transferId: string;
  /** `in_review`: held for the risk team until `reviewDeadlineAt`; `declined`: voided after review. */
  readonly status: FamilyCardPaymentStatus;
  readonly reviewDeadlineAt: Date | null;
  readonly createdAt: Date;
}

async function toViews(ctx: AgreementsContext, userId: string, rows: CardRow[]): Promise<FamilyCardView[]> {
  if (rows.length === 0) return [];
  const otherIds = [...new Set(rows.map((r) => (r.owner_id === userId ? r.member_id : r.owner_id)))];
  const people = await ctx.db
    .selectFrom('users')
    .select(['id', 'display_name', 'phone_e164'])
    .where('id', 'in', otherIds)
    .execute();
  const byId = new Map(people.map((p) => [p.id, p]));
  const used = await usedInMonth(
    ctx.db,
    { table: 'family_card_payments', key: 'card_id' },
    { ids: rows.map((r) => r.id), month: monthOf(ctx.clock.nowMs()) },
  );
  return rows.map((row) => {
    const role = row.owner_id === userId ? 'owner' : 'member';
    const other = byId.get(role === 'owner' ? row.member_id : row.owner_id);
    const currency = currencyOf(row);
    return {
      id: row.id,
      role,
      counterpart: {
        maskedName: maskName(other?.display_name ?? ''),
        maskedPhone: other ? maskPhone(other.phone_e164) : '',
      },
      monthlyCap: { amountMinor: row.monthly_cap_minor, currency },
      usedThisMonth: { amountMinor: used.get(row.id) ?? 0n, currency },
      status: row.status,
      createdAt: row.created_at,
      acceptedAt: row.accepted_at,
      cancelledAt: row.cancelled_at,
      lastUsedAt: row.last_used_at,
    };
  });
}

function toView(ctx: AgreementsContext, userId: string, row: CardRow): Promise<FamilyCardView> {
  return onlyView(toViews(ctx, userId, [row]), AGREEMENT_ERRORS.FAMILY_CARD_NOT_FOUND);
}

/** A card the caller owns or holds; anyone else's is as unknown as a missing one. */
async function loadVisible(ctx: AgreementsContext, userId: string, cardId: string): Promise<CardRow> {
  const row = await ctx.db
    .selectFrom('family_cards')
    .selectAll()
    .where('id', '=', cardId)
    .where((eb) => eb.or([eb('owner_id', '=', userId), eb('member_id', '=', userId)]))
    .executeTakeFirst();
  if (!row) throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_NOT_FOUND);
  return row;
}

function statusError(status: FamilyCardStatus): DomainError {
  if (status === 'cancelled') return new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_CANCELLED);
  if (status === 'suspended') return new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_SUSPENDED);
  return new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_NOT_ACTIVE);
}

export async function offerFamilyCard(
  ctx: AgreementsContext,
  input: {
    ownerId: string;
    memberPhone: string;
    monthlyCap: Money;
    paymentPassword: string;
    origin: Located;
  },
): Promise<FamilyCardView> {
  const capMinor = input.monthlyCap.amountMinor;
  if (capMinor <= 0n || capMinor > FAMILY_CARD_MONTHLY_CAP_MAX_MINOR) {
    throw new DomainError(AGREEMENT_ERRORS.INVALID_CAPS, {
      max: { amountMinor: FAMILY_CARD_MONTHLY_CAP_MAX_MINOR.toString(), currency: AGREEMENTS_CURRENCY },
    });
  }
  if (input.monthlyCap.currency !== AGREEMENTS_CURRENCY)
    throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
  const phone = normalizePhone(input.memberPhone);
  if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
  // Handing someone else your money is confirmed like a payment. The password is checked before
  // the phone is looked up, so "no such user" is never an answer to someone without it (and the
  // payment password's own attempt budget bounds how many numbers its holder can probe).
  await ctx.identity.security.verifyPaymentPassword(input.ownerId, input.paymentPassword, input.origin);
  const member = await ctx.identity.findUserByPhone(phone);
  if (!member) throw new DomainError(AGREEMENT_ERRORS.USER_NOT_FOUND);
  if (member.id === input.ownerId) throw new DomainError(AGREEMENT_ERRORS.CANNOT_ADD_SELF);
  const count = await ctx.db
    .selectFrom('family_cards')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('owner_id', '=', input.ownerId)
    .where('status', '<>', 'cancelled')
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= FAMILY_CARDS_PER_OWNER_MAX) throw new DomainError(AGREEMENT_ERRORS.TOO_MANY);
  // Issue 7 point 1: a frozen account hands nobody its money. Checked under the user row's share
  // lock in the transaction that creates the card, so a concurrent freeze is seen or waits.
  const row = await ctx.db.transaction().execute(async (trx) => {
    await refuseIfFrozen(trx, input.ownerId);
    const inserted = await insertOffer(trx, ctx.clock.nowMs(), {
      ownerId: input.ownerId,
      memberId: member.id,
      capMinor,
    });
    if (!inserted) throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_EXISTS);
    await recordAgreementAudit(trx, ctx.clock.nowMs(), {
      userId: input.ownerId,
      subjectId: inserted.id,
      type: 'family_card_offered',
      ip: input.origin.ip,
      details: { memberId: member.id, monthlyCapMinor: capMinor.toString() },
    });
    await noticeFamilyCardOffered(ctx, trx, {
      ownerId: input.ownerId,
      memberId: member.id,
      monthlyCap: { amountMinor: capMinor, currency: AGREEMENTS_CURRENCY },
      nowMs: ctx.clock.nowMs(),
    });
    return inserted;
  });
  return toView(ctx, input.ownerId, row);
}

function insertOffer(
  trx: Transaction<Database>,
  nowMs: number,
  input: { ownerId: string; memberId: string; capMinor: bigint },
): Promise<CardRow | undefined> {
  return (
    trx
      .insertInto('family_cards')
      .values({
        id: newId('fam'),
        owner_id: input.ownerId,
        member_id: input.memberId,
        monthly_cap_minor: input.capMinor,
        currency: AGREEMENTS_CURRENCY,
        status: 'pending',
        created_at: new Date(nowMs),
      })
      // The partial unique index: one live card per owner and member.
      .onConflict((oc) =>
        oc.columns(['owner_id', 'member_id']).where('status', '<>', 'cancelled').doNothing(),
      )
      .returningAll()
      .executeTakeFirst()
  );
}

export async function acceptFamilyCard(
  ctx: AgreementsContext,
  input: { memberId: string; cardId: string },
): Promise<FamilyCardView> {
  const card = await loadVisible(ctx, input.memberId, input.cardId);
  // Only the member accepts; to the owner it is "not pending for you".
  if (card.member_id !== input.memberId) throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_NOT_PENDING);
  if (card.status === 'active') return toView(ctx, input.memberId, card);
  const row = await ctx.db.transaction().execute(async (trx) => {
    // Issue 7 point 1: a frozen member takes on no new way to spend; a card from a frozen owner
    // could never pay anyway, so accepting it is refused too rather than left to fail later.
    await refuseIfFrozen(trx, card.owner_id);
    await refuseIfFrozen(trx, input.memberId);
    const accepted = await trx
      .updateTable('family_cards')
      .set({ status: 'active', accepted_at: new Date(ctx.clock.nowMs()) })
      .where('id', '=', card.id)
      .where('member_id', '=', input.memberId)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!accepted) throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_NOT_PENDING);
    await recordAgreementAudit(trx, ctx.clock.nowMs(), {
      userId: input.memberId,
      subjectId: accepted.id,
      type: 'family_card_accepted',
    });
    return accepted;
  });
  return toView(ctx, input.memberId, row);
}

/** Owner or member, one step, no password. Idempotent. */
export async function cancelFamilyCard(
  ctx: AgreementsContext,
  input: { userId: string; cardId: string },
): Promise<FamilyCardView> {
  const card = await loadVisible(ctx, input.userId, input.cardId);
  const nowMs = ctx.clock.nowMs();
  const cancelled = await ctx.db
    .updateTable('family_cards')
    .set({ status: 'cancelled', cancelled_at: new Date(nowMs), cancelled_by: input.userId })
    .where('id', '=', card.id)
    .where('status', '<>', 'cancelled')
    .returning('id')
    .executeTakeFirst();
  if (cancelled) {
    await recordAgreementAudit(ctx.db, nowMs, {
      userId: input.userId,
      subjectId: card.id,
      type: 'family_card_cancelled',
      details: { by: card.owner_id === input.userId ? 'owner' : 'member' },
    });
  }
  return toView(ctx, input.userId, await loadVisible(ctx, input.userId, input.cardId));
}

export async function listFamilyCards(ctx: AgreementsContext, userId: string): Promise<FamilyCardView[]> {
  const rows = await newestPage(
    ctx.db
      .selectFrom('family_cards')
      .selectAll()
      .where((eb) => eb.or([eb('owner_id', '=', userId), eb('member_id', '=', userId)])),
    { createdAt: 'created_at', id: 'id' },
  ).execute();
  return toViews(ctx, userId, rows);
}

/** Stolen-account flow: cards the user gave and cards the user holds stop paying. */
export async function suspendAllFamilyCards(ctx: AgreementsContext, userId: string): Promise<number> {
  const rows = await ctx.db
    .updateTable('family_cards')
    .set({ status: 'suspended', suspended_at: new Date(ctx.clock.nowMs()) })
    .where((eb) => eb.or([eb('owner_id', '=', userId), eb('member_id', '=', userId)]))
    .where('status', 'in', ['active', 'pending'])
    .returning('id')
    .execute();
  if (rows.length > 0) {
    await recordAgreementAudit(ctx.db, ctx.clock.nowMs(), {
      userId,
      subjectId: userId,
      type: 'family_cards_suspended',
      details: { count: rows.length },
    });
  }
  return rows.length;
}

function paymentView(row: PaymentRow, merchantName: string): FamilyCardPaymentView {
  return {
    id: row.id,
    cardId: row.card_id,
    merchant: { id: row.merchant_id, name: merchantName },
    amount: { amountMinor: row.amount_minor, currency: currencyOf(row) },
    transferId: row.transfer_id,
    status: row.status,
    reviewDeadlineAt: row.review_deadline_at,
    createdAt: row.created_at,
  };
}

export async function listFamilyCardPayments(
  ctx: AgreementsContext,
  input: { userId: string; cardId: string },
): Promise<FamilyCardPaymentView[]> {
  await loadVisible(ctx, input.userId, input.cardId);
  const rows = await newestPage(
    ctx.db
      .selectFrom('family_card_payments as p')
      .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
      .selectAll('p')
      .select('m.name as merchant_name')
      .where('p.card_id', '=', input.cardId),
    { createdAt: 'p.created_at', id: 'p.id' },
  ).execute();
  return rows.map((r) => paymentView(r, r.merchant_name));
}

export interface PayWithFamilyCardInput {
  memberId: string;
  cardId: string;
  merchantId: string;
  amount: Money;
  paymentPassword: string;
  clientRequestId: string;
  /** The member's session: a risk challenge is met by its fresh second-factor step-up. */
  sessionId: string | undefined;
  origin: Located;
}

/**
 * The member pays a merchant with the card. The member's payment password confirms it and the
 * risk engine scores it (both before any lock); then one transaction locks card → owner → member
 * → accounts, re-checks the status and the month's total under the card lock, and posts owner
 * wallet → merchant (or holds it there, when the engine asked for a review).
 */
export async function payWithFamilyCard(
  ctx: AgreementsContext,
  input: PayWithFamilyCardInput,
): Promise<{ payment: FamilyCardPaymentView; created: boolean }> {
  const facts: { risk?: RiskAssessment } = {};
  try {
    return await decidePayment(ctx, input, facts);
  } catch (error) {
    // Written after the refused work rolled back; an unknown card is not the member's to audit.
    if (error instanceof DomainError && error.code !== AGREEMENT_ERRORS.FAMILY_CARD_NOT_FOUND.code) {
      await recordRefusal(ctx, input, error, facts.risk);
    }
    throw error;
  }
}

/** The refusal's audit row and, when the risk engine refused it, the member's alert: one
 *  transaction, so an alert never goes out about a refusal that is not on record. */
async function recordRefusal(
  ctx: AgreementsContext,
  input: PayWithFamilyCardInput,
  error: DomainError,
  risk: RiskAssessment | undefined,
): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  const challenged = error.code === IDENTITY_ERRORS.RISK_SECOND_FACTOR_REQUIRED.code;
  const declinedByRisk =
    error.code === AGREEMENT_ERRORS.PAYMENT_DECLINED.code && risk !== undefined && risk.decision !== 'allow';
  await ctx.db.transaction().execute(async (trx) => {
    await recordAgreementAudit(trx, nowMs, {
      userId: input.memberId,
      subjectId: input.cardId,
      type: 'family_card_pay_refused',
      ip: input.origin.ip,
      details: {
        code: error.code,
        merchantId: input.merchantId,
        amountMinor: input.amount.amountMinor.toString(),
        clientRequestId: input.clientRequestId,
        ...riskAuditDetails(risk),
      },
    });
    // As for a challenged or refused wallet payment: the one who acted is told at once, on every
    // channel (a member who did not pay learns someone has their password).
    if (challenged || declinedByRisk) {
      await noticeToAllChannels(trx, ctx, {
        userId: input.memberId,
        template: challenged ? 'risk_challenge' : 'risk_declined',
        vars: { action: 'family_card_payment', time: new Date(nowMs).toISOString() },
      });
    }
  });
}

/**
 * What the risk engine's decision means for a family-card payment: allow goes on; challenge goes
 * on only if the member's session stepped up with a second factor in the last 5 minutes (the
 * payment password, already given, is what a thief or a scam caller may have); review is held
 * when the case queue is connected (declined otherwise, failing closed); deny is declined.
 */
async function riskVerdict(
  ctx: AgreementsContext,
  input: { risk: RiskAssessment; memberId: string; sessionId: string | undefined },
): Promise<{ held: boolean }> {
  const { risk } = input;
  if (risk.decision === 'allow') return { held: false };
  if (risk.decision === 'challenge' && !risk.freeze) {
    const stepped =
      input.sessionId !== undefined &&
      (await hasSecondFactorStepUpSince(ctx.db, {
        userId: input.memberId,
        sessionId: input.sessionId,
        sinceMs: ctx.clock.nowMs() - FAMILY_CARD_STEP_UP_FRESH_MS,
      }));
    if (stepped) return { held: false };
    throw new DomainError(IDENTITY_ERRORS.RISK_SECOND_FACTOR_REQUIRED, {
      methods: [...SECOND_FACTOR_STEP_UP_METHODS],
    });
  }
  if (risk.decision === 'review' && !risk.freeze && ctx.familyCardReview) return { held: true };
  throw new DomainError(AGREEMENT_ERRORS.PAYMENT_DECLINED);
}

async function decidePayment(
  ctx: AgreementsContext,
  input: PayWithFamilyCardInput,
  facts: { risk?: RiskAssessment },
): Promise<{ payment: FamilyCardPaymentView; created: boolean }> {
  if (input.amount.amountMinor <= 0n) throw new DomainError(AGREEMENT_ERRORS.INVALID_AMOUNT);
  const card = await loadVisible(ctx, input.memberId, input.cardId);
  // The owner does not pay with a card given away: to them it is not a card to pay with.
  if (card.member_id !== input.memberId) throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_NOT_FOUND);
  const merchant = await loadMerchant(ctx, input.merchantId);
  const currency = currencyOf(card);
  if (input.amount.currency !== currency || merchant.currency !== currency) {
    throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
  }
  // A retry after a challenge's step-up, or after a lost answer, carries the same clientRequestId:
  // once a payment (or hold) exists under it, the retry answers it and never pays again.
  const replay = await ctx.db
    .selectFrom('family_card_payments')
    .selectAll()
    .where('card_id', '=', card.id)
    .where('client_request_id', '=', input.clientRequestId)
    .executeTakeFirst();
  if (replay) return { payment: paymentView(checkSame(replay, input), merchant.name), created: false };
  if (card.status !== 'active') throw statusError(card.status);
  await ctx.identity.security.verifyPaymentPassword(input.memberId, input.paymentPassword, input.origin);
  const risk = await assessRisk(ctx, {
    payerId: card.owner_id,
    merchantId: merchant.id,
    merchantAccountId: merchant.settlementAccountId,
    amountMinor: input.amount.amountMinor,
    currency,
    ip: input.origin.ip,
  });
  facts.risk = risk;
  const { held } = await riskVerdict(ctx, { risk, memberId: input.memberId, sessionId: input.sessionId });
  const review = held ? ctx.familyCardReview : undefined;
  const ownerAccount = await ctx.wallet.openWallet(card.owner_id, currency);

  const outcome = await inMoneyTransaction(ctx, async (trx) => {
    const locked = await trx
      .selectFrom('family_cards')
      .selectAll()
      .where('id', '=', card.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const again = await trx
      .selectFrom('family_card_payments')
      .selectAll()
      .where('card_id', '=', card.id)
      .where('client_request_id', '=', input.clientRequestId)
      .executeTakeFirst();
    if (again) return { row: checkSame(again, input), created: false };
    if (locked.status !== 'active') throw statusError(locked.status);
    await refuseIfFrozen(trx, locked.owner_id);
    await refuseIfFrozen(trx, locked.member_id);
    const nowMs = ctx.clock.nowMs();
    const month = monthOf(nowMs);
    // Held payments count against the cap until an operator declines them (then the money is back).
    const used = await trx
      .selectFrom('family_card_payments')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount_minor'), eb.val('0')).as('total'))
      .where('card_id', '=', card.id)
      .where('month', '=', month)
      .where('status', '<>', 'declined')
      .executeTakeFirstOrThrow();
    const leftMinor = locked.monthly_cap_minor - BigInt(used.total);
    if (input.amount.amountMinor > leftMinor) {
      throw new DomainError(AGREEMENT_ERRORS.MONTHLY_CAP_EXCEEDED, {
        leftThisMonth: { amountMinor: (leftMinor > 0n ? leftMinor : 0n).toString(), currency },
      });
    }
    const id = newId('fcp');
    const transferId = review ? familyCardHoldTransferId(id) : familyCardTransferId(id);
    const deadlineAt = review ? new Date(nowMs + review.deadlineMs) : null;
    await postToMerchant(ctx, trx, {
      transferId,
      code: 'family_card_pay',
      debitAccountId: ownerAccount.id,
      creditAccountId: merchant.settlementAccountId,
      amountMinor: input.amount.amountMinor,
      currency,
      holdTimeoutMs: review ? review.deadlineMs + FAMILY_CARD_HOLD_LEDGER_GRACE_MS : undefined,
    });
    const row = await trx
      .insertInto('family_card_payments')
      .values({
        id,
        card_id: card.id,
        member_id: input.memberId,
        client_request_id: input.clientRequestId,
        merchant_id: merchant.id,
        amount_minor: input.amount.amountMinor,
        currency,
        month,
        transfer_id: transferId,
        created_at: new Date(nowMs),
        status: review ? 'in_review' : 'succeeded',
        hold_transfer_id: review ? transferId : null,
        review_deadline_at: deadlineAt,
        risk_event_id: risk.eventId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const amount = { amountMinor: input.amount.amountMinor, currency };
    const auditDetails = {
      ownerId: locked.owner_id,
      merchantId: merchant.id,
      transferId,
      amountMinor: input.amount.amountMinor.toString(),
      month,
      ...riskAuditDetails(risk),
    };
    if (review && deadlineAt) {
      await recordAgreementAudit(trx, nowMs, {
        userId: input.memberId,
        subjectId: card.id,
        type: 'family_card_held',
        ip: input.origin.ip,
        details: { ...auditDetails, paymentId: id, reviewDeadlineAt: deadlineAt.toISOString() },
      });
      await review.queue.held(trx, {
        paymentId: id,
        cardId: card.id,
        ownerId: locked.owner_id,
        memberId: locked.member_id,
        merchantId: merchant.id,
        amount,
        reasons: risk.reasons,
        riskEventId: risk.eventId ?? null,
        deadlineAt,
      });
      await noticeFamilyCardHeld(ctx, trx, {
        ownerId: locked.owner_id,
        memberId: locked.member_id,
        merchantName: merchant.name,
        amount,
        until: deadlineAt,
      });
      return { row, created: true };
    }
    await trx
      .updateTable('family_cards')
      .set({ last_used_at: new Date(nowMs) })
      .where('id', '=', card.id)
      .execute();
    await recordAgreementAudit(trx, nowMs, {
      userId: input.memberId,
      subjectId: card.id,
      type: 'family_card_paid',
      ip: input.origin.ip,
      details: auditDetails,
    });
    await noticeFamilyCardUsed(ctx, trx, {
      ownerId: locked.owner_id,
      memberId: locked.member_id,
      merchantName: merchant.name,
      amount,
      nowMs,
    });
    return { row, created: true };
  });
  return { payment: paymentView(outcome.row, merchant.name), created: outcome.created };
}

function checkSame(row: PaymentRow, input: { merchantId: string; amount: Money }): PaymentRow {
  if (row.merchant_id !== input.merchantId || row.amount_minor !== input.amount.amountMinor) {
    throw new DomainError(AGREEMENT_ERRORS.CLIENT_REQUEST_ID_REUSED);
  }
  return row;
}
