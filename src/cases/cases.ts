/**
 * The case queue (issue 5 point 6): payments held for review, user reports and risk alerts become
 * cases; operators list and filter them, assign, note, approve or reject a hold, freeze or
 * unfreeze the account, confirm fraud or clear it. Every action is appended to the case's trail in
 * the transaction that does it. Confirmed fraud (and cleared cases) feed back to the engine as
 * labels on the recorded decision (FeatureSource.label).
 */
import type { Kysely } from 'kysely';
import type {
  Agreements,
  FamilyCardReviewQueue,
  HeldFamilyCardPayment,
  ResolvedFamilyCardHold,
} from '../agreements/index.ts';
import type { Funding, HeldWithdrawal, WithdrawalReviewQueue } from '../funding/index.ts';
import { type Executor, type Identity, maskPhone, normalizePhone } from '../identity/index.ts';
import type { HeldPayment, PaymentReviewQueue, Payments, ResolvedHold } from '../payments/index.ts';
import type { RiskEngine } from '../risk/index.ts';
import { type Clock, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import {
  type CaseActionView,
  type CaseRow,
  caseActions,
  closeCase,
  openCase,
  recordCaseAction,
} from './case-store.ts';
import {
  CASES_PAGE_MAX,
  type CaseKind,
  DAY_MS,
  HOLD_CASE_KINDS,
  REPORTS_PER_DAY_MAX,
  type ReportReason,
} from './constants.ts';
import { CASE_ERRORS } from './errors.ts';

export interface CasesDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly payments: Pick<Payments, 'resolveHold' | 'overdueReviews'>;
  readonly identity: {
    readonly alerts: Pick<Identity['alerts'], 'freeze' | 'unfreeze'>;
    readonly findUserByPhone: Identity['findUserByPhone'];
  };
  readonly engine: Pick<RiskEngine, 'label' | 'lists'>;
  /** Issue 5: withdrawals held for review (approve, reject, deadline). */
  readonly funding?: Pick<Funding, 'resolveReview' | 'overdueReviews'> | undefined;
  /** Issue 5: family-card payments held for review (approve, reject, deadline). */
  readonly agreements?: Pick<Agreements, 'resolveFamilyCardReview' | 'overdueFamilyCardReviews'> | undefined;
}

export interface CaseView {
  readonly id: string;
  readonly kind: CaseKind;
  readonly status: 'open' | 'closed';
  readonly userId: string | null;
  readonly reporterId: string | null;
  readonly eventId: string | null;
  readonly intentId: string | null;
  readonly operationId: string | null;
  readonly familyCardPaymentId: string | null;
  readonly transferId: string | null;
  readonly payeeKey: string | null;
  readonly reason: string;
  readonly note: string | null;
  readonly details: Record<string, unknown>;
  readonly assignee: string | null;
  readonly resolution: CaseRow['resolution'];
  readonly deadlineAt: Date | null;
  readonly createdAt: Date;
  readonly closedAt: Date | null;
}

export interface CaseDetail {
  readonly case: CaseView;
  readonly actions: readonly CaseActionView[];
  /** The engine's recorded decision on the case's event, when there is one. */
  readonly decision: {
    readonly decision: string;
    readonly score: number | null;
    readonly reasons: readonly string[];
    readonly ruleHits: readonly unknown[];
    readonly featureValues: Record<string, number>;
    readonly modelVersion: string | null;
    readonly ruleSetVersion: number | null;
  } | null;
  /** The held or reported payment, when the case names one. */
  readonly payment: {
    readonly intentId: string;
    readonly status: string;
    readonly amountMinor: bigint;
    readonly currency: string;
    readonly payeeName: string;
    readonly payeeKind: string;
  } | null;
}

export function toCaseView(row: CaseRow): CaseView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    userId: row.user_id,
    reporterId: row.reporter_id,
    eventId: row.event_id,
    intentId: row.intent_id,
    operationId: row.operation_id,
    familyCardPaymentId: row.family_card_payment_id,
    transferId: row.transfer_id,
    payeeKey: row.payee_key,
    reason: row.reason,
    note: row.note,
    details: row.details,
    assignee: row.assignee,
    resolution: row.resolution,
    deadlineAt: row.deadline_at,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}

/** The port payments writes holds to (main.ts passes it to createPayments): each hold opens a
 *  payment_hold case in the transaction that makes the hold. */
export function createHoldQueue(clock: Clock): PaymentReviewQueue {
  return {
    async held(executor: Executor, payment: HeldPayment): Promise<void> {
      await openCase(executor, {
        kind: 'payment_hold',
        userId: payment.payerId,
        eventId: payment.riskEventId,
        intentId: payment.intentId,
        payeeKey: payment.payeeKey,
        reason: payment.reasons[0] ?? 'review',
        details: {
          amountMinor: payment.amount.amountMinor.toString(),
          currency: payment.amount.currency,
          reasons: payment.reasons,
        },
        deadlineAt: payment.deadlineAt,
        actor: 'risk_engine',
        nowMs: clock.nowMs(),
      });
    },
  };
}

/** The port funding writes held withdrawals to (main.ts passes it to createFunding): each opens a
 *  withdrawal_hold case in the transaction that makes the hold. */
export function createWithdrawalHoldQueue(clock: Clock): WithdrawalReviewQueue {
  return {
    async held(executor: Executor, withdrawal: HeldWithdrawal): Promise<void> {
      await openCase(executor, {
        kind: 'withdrawal_hold',
        userId: withdrawal.userId,
        eventId: withdrawal.riskEventId,
        operationId: withdrawal.operationId,
        reason: withdrawal.reasons[0] ?? 'review',
        details: {
          amountMinor: withdrawal.amount.amountMinor.toString(),
          currency: withdrawal.amount.currency,
          reasons: withdrawal.reasons,
        },
        deadlineAt: withdrawal.deadlineAt,
        actor: 'risk_engine',
        nowMs: clock.nowMs(),
      });
    },
  };
}

/** The port agreements writes held family-card payments to (main.ts passes it to
 *  createAgreements): each opens a family_card_hold case in the transaction that makes the hold.
 *  The case is about the owner's money (the risk hook's payer); the member is in its details. */
export function createFamilyCardHoldQueue(clock: Clock): FamilyCardReviewQueue {
  return {
    async held(executor: Executor, payment: HeldFamilyCardPayment): Promise<void> {
      await openCase(executor, {
        kind: 'family_card_hold',
        userId: payment.ownerId,
        eventId: payment.riskEventId,
        familyCardPaymentId: payment.paymentId,
        payeeKey: `merchant:${payment.merchantId}`,
        reason: payment.reasons[0] ?? 'review',
        details: {
          amountMinor: payment.amount.amountMinor.toString(),
          currency: payment.amount.currency,
          reasons: payment.reasons,
          cardId: payment.cardId,
          memberId: payment.memberId,
        },
        deadlineAt: payment.deadlineAt,
        actor: 'risk_engine',
        nowMs: clock.nowMs(),
      });
    },
  };
}

export type Cases = ReturnType<typeof createCases>;

export function createCases(deps: CasesDeps) {
  const { db, clock } = deps;

  /**
   * Expires each held item through `expire` (its owner voids the hold and, in the same
   * transaction, closes the open case passed to it, if any). One an operator decided meanwhile
   * answers `decidedCode` and is skipped; anything else propagates.
   */
  async function expireEach(
    ids: readonly string[],
    held: {
      column: 'intent_id' | 'operation_id' | 'family_card_payment_id';
      kind: CaseKind;
      decidedCode: string;
    },
    expire: (id: string, openCaseId: string | undefined) => Promise<unknown>,
  ): Promise<number> {
    let expired = 0;
    for (const id of ids) {
      const open = await db
        .selectFrom('risk_cases')
        .select('id')
        .where(held.column, '=', id)
        .where('kind', '=', held.kind)
        .where('status', '=', 'open')
        .executeTakeFirst();
      try {
        await expire(id, open?.id);
        expired++;
      } catch (error) {
        if (!(error instanceof DomainError && error.code === held.decidedCode)) throw error;
      }
    }
    return expired;
  }

  async function lockOpenCase(trx: Executor, caseId: string): Promise<CaseRow> {
    const row = await trx
      .selectFrom('risk_cases')
      .selectAll()
      .where('id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new DomainError(CASE_ERRORS.CASE_NOT_FOUND);
    if (row.status !== 'open') throw new DomainError(CASE_ERRORS.CASE_CLOSED);
    return row;
  }

  async function findCase(caseId: string, executor: Executor = db): Promise<CaseRow> {
    const row = await executor
      .selectFrom('risk_cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirst();
    if (!row) throw new DomainError(CASE_ERRORS.CASE_NOT_FOUND);
    return row;
  }

  /** Labels every decision the case names; after commit (the feature store may be elsewhere). */
  async function labelCase(row: CaseRow, fraud: boolean): Promise<void> {
    const eventIds = new Set<string>();
    if (row.event_id) eventIds.add(row.event_id);
    if (row.intent_id) {
      const intent = await db
        .selectFrom('payment_intents')
        .select('risk_event_id')
        .where('id', '=', row.intent_id)
        .executeTakeFirst();
      if (intent?.risk_event_id) eventIds.add(intent.risk_event_id);
    }
    for (const eventId of eventIds) await deps.engine.label(eventId, fraud);
  }

  /** Approve or reject a held payment: the ledger resolution, the case's closing and its action
   *  commit together (payments runs `onResolved` in its transaction). */
  async function resolveHold(input: {
    caseId: string;
    approve: boolean;
    actor: string;
    note: string | null;
  }) {
    const row = await findCase(input.caseId);
    if (row.kind === 'withdrawal_hold') return resolveWithdrawalHold({ ...input, row });
    if (row.kind === 'family_card_hold') return resolveFamilyCardHold({ ...input, row });
    if (row.kind !== 'payment_hold' || !row.intent_id)
      throw new DomainError(CASE_ERRORS.ACTION_NOT_APPLICABLE);
    if (row.status !== 'open') throw new DomainError(CASE_ERRORS.CASE_CLOSED);
    const resolved = await deps.payments.resolveHold({
      intentId: row.intent_id,
      outcome: input.approve ? 'approved' : 'rejected',
      actor: input.actor,
      onResolved: (trx, result) =>
        closeHoldCase(trx, { caseId: row.id, result, actor: input.actor, note: input.note }),
    });
    // Approved: the operator found it genuine; rejected: judged fraudulent (docs/risk.md).
    if (resolved.outcome !== 'expired') await labelCase(row, !input.approve);
    return resolved;
  }

  /** The same for a held withdrawal: funding voids or releases it, the case closes with it. */
  async function resolveWithdrawalHold(input: {
    row: CaseRow;
    approve: boolean;
    actor: string;
    note: string | null;
  }) {
    const { row } = input;
    if (!deps.funding || !row.operation_id) throw new DomainError(CASE_ERRORS.ACTION_NOT_APPLICABLE);
    if (row.status !== 'open') throw new DomainError(CASE_ERRORS.CASE_CLOSED);
    const resolved = await deps.funding.resolveReview({
      operationId: row.operation_id,
      outcome: input.approve ? 'approved' : 'rejected',
      onResolved: (trx, result) =>
        closeWithdrawalCase(trx, {
          caseId: row.id,
          outcome: result.outcome,
          status: result.status,
          actor: input.actor,
          note: input.note,
        }),
    });
    await labelCase(row, !input.approve);
    return resolved;
  }

  /** The same for a held family-card payment: agreements posts or voids it, the case closes with it. */
  async function resolveFamilyCardHold(input: {
    row: CaseRow;
    approve: boolean;
    actor: string;
    note: string | null;
  }) {
    const { row } = input;
    if (!deps.agreements || !row.family_card_payment_id)
      throw new DomainError(CASE_ERRORS.ACTION_NOT_APPLICABLE);
    if (row.status !== 'open') throw new DomainError(CASE_ERRORS.CASE_CLOSED);
    const resolved = await deps.agreements.resolveFamilyCardReview({
      paymentId: row.family_card_payment_id,
      outcome: input.approve ? 'approved' : 'rejected',
      actor: input.actor,
      onResolved: (trx, result) =>
        closeFamilyCardCase(trx, { caseId: row.id, result, actor: input.actor, note: input.note }),
    });
    if (resolved.outcome !== 'expired') await labelCase(row, !input.approve);
    return resolved;
  }

  async function closeFamilyCardCase(
    trx: Executor,
    input: { caseId: string; result: ResolvedFamilyCardHold; actor: string; note: string | null },
  ): Promise<void> {
    const nowMs = clock.nowMs();
    const row = await lockOpenCase(trx, input.caseId);
    await recordCaseAction(trx, {
      caseId: row.id,
      action: input.result.outcome,
      actor: input.actor,
      note: input.note,
      details: { transferId: input.result.transferId, paymentStatus: input.result.status },
      nowMs,
    });
    await closeCase(trx, { caseId: row.id, resolution: input.result.outcome, nowMs });
  }

  async function closeWithdrawalCase(
    trx: Executor,
    input: {
      caseId: string;
      outcome: 'approved' | 'rejected' | 'expired';
      status: string;
      actor: string;
      note: string | null;
    },
  ): Promise<void> {
    const nowMs = clock.nowMs();
    const row = await lockOpenCase(trx, input.caseId);
    await recordCaseAction(trx, {
      caseId: row.id,
      action: input.outcome,
      actor: input.actor,
      note: input.note,
      details: { operationId: row.operation_id, operationStatus: input.status },
      nowMs,
    });
    await closeCase(trx, { caseId: row.id, resolution: input.outcome, nowMs });
  }

  async function closeHoldCase(
    trx: Executor,
    input: { caseId: string; result: ResolvedHold; actor: string; note: string | null },
  ): Promise<void> {
    const nowMs = clock.nowMs();
    const row = await lockOpenCase(trx, input.caseId);
    const action =
      input.result.outcome === 'approved'
        ? 'approved'
        : input.result.outcome === 'rejected'
          ? 'rejected'
          : 'expired';
    await recordCaseAction(trx, {
      caseId: row.id,
      action,
      actor: input.actor,
      note: input.note,
      details: { transferId: input.result.transferId, intentStatus: input.result.status },
      nowMs,
    });
    await closeCase(trx, { caseId: row.id, resolution: input.result.outcome, nowMs });
  }

  return {
    /** A risk alert (a sign-in under review, a freeze) as a case; in `executor`'s transaction. */
    async openAlert(
      executor: Executor,
      input: { userId: string; eventId: string | null; reason: string; details?: Record<string, unknown> },
    ): Promise<CaseView> {
      const row = await openCase(executor, {
        kind: 'alert',
        userId: input.userId,
        eventId: input.eventId,
        reason: input.reason,
        details: input.details ?? {},
        actor: 'risk_engine',
        nowMs: clock.nowMs(),
      });
      return toCaseView(row);
    },

    async list(filter: {
      status?: 'open' | 'closed' | undefined;
      kind?: CaseKind | undefined;
      assignee?: string | undefined;
      userId?: string | undefined;
      limit: number;
      before?: string | undefined;
    }): Promise<CaseView[]> {
      let query = db.selectFrom('risk_cases').selectAll();
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.kind) query = query.where('kind', '=', filter.kind);
      if (filter.assignee) query = query.where('assignee', '=', filter.assignee);
      if (filter.userId) query = query.where('user_id', '=', filter.userId);
      if (filter.before) {
        const anchor = await db
          .selectFrom('risk_cases')
          .select('created_at')
          .where('id', '=', filter.before)
          .executeTakeFirst();
        if (anchor) query = query.where('created_at', '<', anchor.created_at);
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(filter.limit, 1), CASES_PAGE_MAX))
        .execute();
      return rows.map(toCaseView);
    },

    async get(caseId: string): Promise<CaseDetail> {
      const row = await findCase(caseId);
      const actions = await caseActions(db, caseId);
      let decision: CaseDetail['decision'] = null;
      let eventId = row.event_id;
      let payment: CaseDetail['payment'] = null;
      if (row.intent_id) {
        const intent = await db
          .selectFrom('payment_intents')
          .select(['id', 'status', 'amount_minor', 'currency', 'payee_name', 'payee_kind', 'risk_event_id'])
          .where('id', '=', row.intent_id)
          .executeTakeFirst();
        if (intent) {
          payment = {
            intentId: intent.id,
            status: intent.status,
            amountMinor: intent.amount_minor,
            currency: intent.currency.trim(),
            payeeName: intent.payee_name,
            payeeKind: intent.payee_kind,
          };
          eventId ??= intent.risk_event_id;
        }
      }
      if (eventId) {
        const d = await db
          .selectFrom('risk_decisions')
          .selectAll()
          .where('event_id', '=', eventId)
          .executeTakeFirst();
        if (d) {
          decision = {
            decision: d.decision,
            score: d.score,
            reasons: d.reasons,
            ruleHits: d.rule_hits,
            featureValues: d.feature_values,
            modelVersion: d.model_version,
            ruleSetVersion: d.rule_set_version,
          };
        }
      }
      return { case: toCaseView(row), actions, decision, payment };
    },

    async assign(input: { caseId: string; assignee: string; actor: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await lockOpenCase(trx, input.caseId);
        await trx
          .updateTable('risk_cases')
          .set({ assignee: input.assignee })
          .where('id', '=', row.id)
          .execute();
        await recordCaseAction(trx, {
          caseId: row.id,
          action: 'assigned',
          actor: input.actor,
          note: null,
          details: { from: row.assignee, to: input.assignee },
          nowMs: clock.nowMs(),
        });
      });
    },

    /** A note may be added to a closed case too (a later finding); it is only appended. */
    async note(input: { caseId: string; note: string; actor: string }): Promise<void> {
      await findCase(input.caseId);
      await recordCaseAction(db, {
        caseId: input.caseId,
        action: 'noted',
        actor: input.actor,
        note: input.note,
        nowMs: clock.nowMs(),
      });
    },

    approve: (input: { caseId: string; actor: string; note: string | null }) =>
      resolveHold({ ...input, approve: true }),
    reject: (input: { caseId: string; actor: string; note: string | null }) =>
      resolveHold({ ...input, approve: false }),

    async freeze(input: { caseId: string; actor: string; note: string | null }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await lockOpenCase(trx, input.caseId);
        if (!row.user_id) throw new DomainError(CASE_ERRORS.CASE_HAS_NO_USER);
        await deps.identity.alerts.freeze(trx, { userId: row.user_id, reason: 'operator', origin: null });
        await recordCaseAction(trx, {
          caseId: row.id,
          action: 'frozen',
          actor: input.actor,
          note: input.note,
          nowMs: clock.nowMs(),
        });
      });
    },

    /** Unfreezing is allowed on a closed case too: the owner often verifies after the case ends. */
    async unfreeze(input: {
      caseId: string;
      actor: string;
      note: string | null;
    }): Promise<{ wasFrozen: boolean }> {
      return db.transaction().execute(async (trx) => {
        const row = await findCase(input.caseId, trx);
        if (!row.user_id) throw new DomainError(CASE_ERRORS.CASE_HAS_NO_USER);
        const wasFrozen = await deps.identity.alerts.unfreeze(trx, {
          userId: row.user_id,
          reason: `case:${row.id}`,
        });
        await recordCaseAction(trx, {
          caseId: row.id,
          action: 'unfrozen',
          actor: input.actor,
          note: input.note,
          details: { wasFrozen },
          nowMs: clock.nowMs(),
        });
        return { wasFrozen };
      });
    },

    /** Confirmed fraud: labels the case's decisions, optionally blocks the payee, closes. */
    async confirmFraud(input: {
      caseId: string;
      actor: string;
      note: string | null;
      blockPayee: boolean;
    }): Promise<void> {
      const row = await db.transaction().execute(async (trx) => {
        const locked = await lockOpenCase(trx, input.caseId);
        if (HOLD_CASE_KINDS.includes(locked.kind)) throw new DomainError(CASE_ERRORS.ACTION_NOT_APPLICABLE); // reject it instead
        await recordCaseAction(trx, {
          caseId: locked.id,
          action: 'confirmed_fraud',
          actor: input.actor,
          note: input.note,
          details: { blockPayee: input.blockPayee && locked.payee_key !== null },
          nowMs: clock.nowMs(),
        });
        await closeCase(trx, { caseId: locked.id, resolution: 'fraud', nowMs: clock.nowMs() });
        return locked;
      });
      if (input.blockPayee && row.payee_key) {
        await deps.engine.lists
          .add({
            list: 'block',
            subject: 'payee',
            value: row.payee_key,
            reason: `case:${row.id}`,
            createdBy: input.actor,
          })
          .catch((error: unknown) => {
            // Already blocked is fine; anything else is a real failure.
            if (!(error instanceof DomainError && error.code === 'list_entry_exists')) throw error;
          });
      }
      await labelCase(row, true);
    },

    async clear(input: { caseId: string; actor: string; note: string | null }): Promise<void> {
      const row = await db.transaction().execute(async (trx) => {
        const locked = await lockOpenCase(trx, input.caseId);
        if (HOLD_CASE_KINDS.includes(locked.kind)) throw new DomainError(CASE_ERRORS.ACTION_NOT_APPLICABLE); // approve it instead
        await recordCaseAction(trx, {
          caseId: locked.id,
          action: 'cleared',
          actor: input.actor,
          note: input.note,
          nowMs: clock.nowMs(),
        });
        await closeCase(trx, { caseId: locked.id, resolution: 'not_fraud', nowMs: clock.nowMs() });
        return locked;
      });
      await labelCase(row, false);
    },

    /**
     * A user reports a payment of theirs (as payer or payee) or a payee by phone. Answers the same
     * whether or not the phone is registered (no account oracle); only the reporter's own payments
     * can be named.
     */
    async report(input: {
      reporterId: string;
      transferId?: string | undefined;
      payeePhone?: string | undefined;
      reason: ReportReason;
      note: string | null;
    }): Promise<CaseView> {
      if (!input.transferId && !input.payeePhone) throw new DomainError(CASE_ERRORS.REPORT_NEEDS_SUBJECT);
      const nowMs = clock.nowMs();
      const recent = await db
        .selectFrom('risk_cases')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('reporter_id', '=', input.reporterId)
        .where('created_at', '>', new Date(nowMs - DAY_MS))
        .executeTakeFirstOrThrow();
      if (Number(recent.n) >= REPORTS_PER_DAY_MAX) throw new DomainError(CASE_ERRORS.REPORTS_TOO_MANY);

      let intent:
        | {
            id: string;
            payer_id: string;
            payee_user_id: string | null;
            payee_merchant_id: string | null;
            payee_kind: string;
            risk_event_id: string | null;
            transfer_id: string | null;
            hold_transfer_id: string | null;
          }
        | undefined;
      if (input.transferId) {
        const transferId = input.transferId;
        intent = await db
          .selectFrom('payment_intents')
          .select([
            'id',
            'payer_id',
            'payee_user_id',
            'payee_merchant_id',
            'payee_kind',
            'risk_event_id',
            'transfer_id',
            'hold_transfer_id',
          ])
          .where((eb) =>
            eb.or([
              eb('transfer_id', '=', transferId),
              eb('hold_transfer_id', '=', transferId),
              eb('id', '=', transferId),
            ]),
          )
          .where((eb) =>
            eb.or([eb('payer_id', '=', input.reporterId), eb('payee_user_id', '=', input.reporterId)]),
          )
          .executeTakeFirst();
        if (!intent) throw new DomainError(CASE_ERRORS.TRANSFER_NOT_FOUND);
      }
      let payeeKey: string | null = null;
      let maskedPhone: string | null = null;
      if (intent) {
        // The reported party: the payee when the reporter paid, the payer when the reporter was paid.
        if (intent.payer_id === input.reporterId) {
          payeeKey =
            intent.payee_kind === 'user'
              ? `user:${intent.payee_user_id}`
              : `merchant:${intent.payee_merchant_id}`;
        } else payeeKey = `user:${intent.payer_id}`;
      } else if (input.payeePhone) {
        const phone = normalizePhone(input.payeePhone);
        if (phone) {
          maskedPhone = maskPhone(phone);
          const user = await deps.identity.findUserByPhone(phone);
          if (user && user.id !== input.reporterId) payeeKey = `user:${user.id}`;
        }
      }
      const reportedUserId = payeeKey?.startsWith('user:') ? payeeKey.slice('user:'.length) : null;
      const row = await db.transaction().execute((trx) =>
        openCase(trx, {
          kind: 'user_report',
          userId: reportedUserId,
          reporterId: input.reporterId,
          eventId: intent?.risk_event_id ?? null,
          intentId: intent?.id ?? null,
          transferId: input.transferId ?? null,
          payeeKey,
          reason: input.reason,
          note: input.note,
          details: maskedPhone ? { payeePhone: maskedPhone } : {},
          actor: `user:${input.reporterId}`,
          nowMs,
        }),
      );
      return toCaseView(row);
    },

    /** Voids held money past its review deadline and closes its cases (bounded batches). */
    async expireOverdue(): Promise<number> {
      const actor = 'review_deadline';
      let expired = await expireEach(
        await deps.payments.overdueReviews(),
        { column: 'intent_id', kind: 'payment_hold', decidedCode: 'hold_already_resolved' },
        (intentId, caseId) =>
          deps.payments.resolveHold({
            intentId,
            outcome: 'expired',
            actor,
            onResolved: async (trx, result) => {
              if (caseId) await closeHoldCase(trx, { caseId, result, actor, note: null });
            },
          }),
      );
      const funding = deps.funding;
      if (funding)
        expired += await expireEach(
          await funding.overdueReviews(),
          { column: 'operation_id', kind: 'withdrawal_hold', decidedCode: 'withdrawal_not_in_review' },
          (operationId, caseId) =>
            funding.resolveReview({
              operationId,
              outcome: 'expired',
              onResolved: async (trx, result) => {
                if (caseId)
                  await closeWithdrawalCase(trx, {
                    caseId,
                    outcome: 'expired',
                    status: result.status,
                    actor,
                    note: null,
                  });
              },
            }),
        );
      const agreements = deps.agreements;
      if (agreements)
        expired += await expireEach(
          await agreements.overdueFamilyCardReviews(),
          {
            column: 'family_card_payment_id',
            kind: 'family_card_hold',
            decidedCode: 'family_card_hold_already_resolved',
          },
          (paymentId, caseId) =>
            agreements.resolveFamilyCardReview({
              paymentId,
              outcome: 'expired',
              actor,
              onResolved: async (trx, result) => {
                if (caseId) await closeFamilyCardCase(trx, { caseId, result, actor, note: null });
              },
            }),
        );
      return expired;
    },
  };
}
