/**
 * Loss claims on the account security insurance (issue 7 point 6). A user disputes outgoing
 * transactions of their own wallet; claim-rules.ts decides eligibility; an operator decides too;
 * payouts above a threshold need a second, different operator (four eyes); the payout is one
 * ledger transfer from the platform's insurance pool to the user's wallet, idempotent by the
 * claim id, posted in the same transaction that marks the claim paid. The user is told at each
 * step (submitted, awaiting second approval, paid, rejected).
 */
import { sql } from 'kysely';
import { DomainError, newId } from '../shared/index.ts';
import { type Actor, writeAudit } from './audit.ts';
import { assessClaim, CLAIM_CAP_WINDOW_MS, type Eligibility } from './claim-rules.ts';
import type { RecoveryContext } from './context.ts';
import { RECOVERY_ERRORS } from './errors.ts';

export const CLAIM_ITEMS_MAX = 20;
export const CLAIM_STATEMENT_LENGTH_MAX = 2_000;
export const CLAIMS_PAGE_MAX = 100;
export const CLAIM_CURRENCY = 'CNY';
export const PAYOUT_TRANSFER_CODE = 'insurance_payout';

export interface ClaimView {
  readonly id: string;
  readonly userId: string;
  readonly status: 'submitted' | 'awaiting_second' | 'paid' | 'rejected';
  readonly totalMinor: bigint;
  readonly currency: string;
  readonly payableMinor: bigint;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  readonly credentialsShared: boolean;
  readonly items: readonly { transferId: string; kind: string; amountMinor: bigint; occurredAt: Date }[];
  readonly firstApprover: string | null;
  readonly decidedBy: string | null;
  readonly payoutTransferId: string | null;
  readonly createdAt: Date;
  readonly decidedAt: Date | null;
}

export function createClaims(ctx: RecoveryContext) {
  const { db, clock } = ctx;
  const support = ctx.identity.recoverySupport;

  async function paidInWindow(userId: string, nowMs: number, excludeClaimId?: string): Promise<bigint> {
    let query = db
      .selectFrom('loss_claims')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<bigint | string>('paid_minor'), sql<bigint>`0`).as('paid'))
      .where('user_id', '=', userId)
      .where('status', '=', 'paid')
      .where('decided_at', '>', new Date(nowMs - CLAIM_CAP_WINDOW_MS));
    if (excludeClaimId) query = query.where('id', '<>', excludeClaimId);
    const row = await query.executeTakeFirstOrThrow();
    return BigInt(row.paid);
  }

  /** A transfer was refunded (a `refund` transfer naming it), paid by a claim, or is in a live claim. */
  async function alreadyRecovered(transferIds: readonly string[], excludeClaimId?: string): Promise<boolean> {
    if (transferIds.length === 0) return false;
    let claimed = db
      .selectFrom('loss_claim_items as i')
      .innerJoin('loss_claims as c', 'c.id', 'i.claim_id')
      .select('i.transfer_id')
      .where('i.transfer_id', 'in', transferIds)
      .where('c.status', '<>', 'rejected');
    if (excludeClaimId) claimed = claimed.where('c.id', '<>', excludeClaimId);
    if (await claimed.executeTakeFirst()) return true;
    const refunded = await db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('code', '=', 'refund')
      .where('user_data', 'in', transferIds)
      .executeTakeFirst();
    return Boolean(refunded);
  }

  async function load(claimId: string) {
    const claim = await db.selectFrom('loss_claims').selectAll().where('id', '=', claimId).executeTakeFirst();
    if (!claim) throw new DomainError(RECOVERY_ERRORS.CLAIM_NOT_FOUND);
    const items = await db
      .selectFrom('loss_claim_items')
      .selectAll()
      .where('claim_id', '=', claimId)
      .orderBy('occurred_at')
      .execute();
    return { claim, items };
  }

  function toView({ claim, items }: Awaited<ReturnType<typeof load>>): ClaimView {
    const eligibility = (
      typeof claim.eligibility === 'string' ? JSON.parse(claim.eligibility) : claim.eligibility
    ) as {
      eligible: boolean;
      reasons: string[];
      payableMinor: string;
    };
    return {
      id: claim.id,
      userId: claim.user_id,
      status: claim.status,
      totalMinor: claim.total_minor,
      currency: claim.currency,
      payableMinor: BigInt(eligibility.payableMinor),
      eligible: eligibility.eligible,
      reasons: eligibility.reasons,
      credentialsShared: claim.credentials_shared,
      items: items.map((i) => ({
        transferId: i.transfer_id,
        kind: i.kind,
        amountMinor: i.amount_minor,
        occurredAt: i.occurred_at,
      })),
      firstApprover: claim.first_approver,
      decidedBy: claim.decided_by,
      payoutTransferId: claim.payout_transfer_id,
      createdAt: claim.created_at,
      decidedAt: claim.decided_at,
    };
  }

  async function assess(
    userId: string,
    items: { occurred_at: Date; amount_minor: bigint; transfer_id: string }[],
    credentialsShared: boolean,
    excludeClaimId?: string,
  ): Promise<Eligibility> {
    const nowMs = clock.nowMs();
    return assessClaim({
      nowMs,
      items: items.map((i) => ({ occurredAtMs: i.occurred_at.getTime(), amountMinor: i.amount_minor })),
      credentialsShared,
      alreadyRecovered: await alreadyRecovered(
        items.map((i) => i.transfer_id),
        excludeClaimId,
      ),
      paidInCapWindowMinor: await paidInWindow(userId, nowMs),
      yearlyCapMinor: ctx.config.claimYearlyCapMinor,
    });
  }

  const eligibilityJson = (e: Eligibility) =>
    JSON.stringify({
      eligible: e.eligible,
      reasons: e.reasons,
      claimedMinor: e.claimedMinor.toString(),
      payableMinor: e.payableMinor.toString(),
    });

  async function notify(userId: string, claimId: string, status: string) {
    await support.notice(db, {
      userId,
      template: 'claim_update',
      vars: { status, claim: claimId, time: new Date(clock.nowMs()).toISOString() },
    });
  }

  return {
    async open(
      userId: string,
      input: {
        transferIds: readonly string[];
        credentialsShared: boolean;
        statement: string;
        suspectedSince: Date;
      },
    ): Promise<ClaimView> {
      const ids = [...new Set(input.transferIds)];
      if (ids.length === 0 || ids.length > CLAIM_ITEMS_MAX || ids.length !== input.transferIds.length)
        throw new DomainError(RECOVERY_ERRORS.CLAIM_ITEM_INVALID, { itemsMax: CLAIM_ITEMS_MAX });
      // Each item: a posted debit of one of this user's wallet accounts, i.e. money that left.
      const entries = await db
        .selectFrom('ledger_entries as e')
        .innerJoin('wallets as w', 'w.account_id', 'e.account_id')
        .innerJoin('ledger_transfers as t', 't.id', 'e.transfer_id')
        .select(['e.transfer_id', 'e.posted_delta_minor', 'e.currency', 'e.created_at', 't.code'])
        .where('w.user_id', '=', userId)
        .where('e.side', '=', 'D')
        .where('e.posted_delta_minor', '>', 0n)
        .where('e.transfer_id', 'in', ids)
        .execute();
      if (entries.length !== ids.length || entries.some((e) => e.currency !== CLAIM_CURRENCY))
        throw new DomainError(RECOVERY_ERRORS.CLAIM_ITEM_INVALID);
      if (await alreadyRecovered(ids)) throw new DomainError(RECOVERY_ERRORS.ALREADY_REFUNDED);
      const items = entries.map((e) => ({
        transfer_id: e.transfer_id,
        amount_minor: e.posted_delta_minor,
        occurred_at: e.created_at,
        kind: e.code,
      }));
      const eligibility = await assess(userId, items, input.credentialsShared);
      const nowMs = clock.nowMs();
      const claimId = newId('clm');
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('loss_claims')
          .values({
            id: claimId,
            user_id: userId,
            status: 'submitted',
            suspected_since: input.suspectedSince,
            credentials_shared: input.credentialsShared,
            statement: input.statement.slice(0, CLAIM_STATEMENT_LENGTH_MAX),
            total_minor: eligibility.claimedMinor,
            currency: CLAIM_CURRENCY,
            eligibility: eligibilityJson(eligibility),
            created_at: new Date(nowMs),
          })
          .execute();
        await trx
          .insertInto('loss_claim_items')
          .values(items.map((i) => ({ claim_id: claimId, ...i, currency: CLAIM_CURRENCY })))
          .execute();
        await writeAudit(trx, nowMs, {
          actor: { kind: 'user', id: userId },
          action: 'claim_submitted',
          userId,
          subjectId: claimId,
          details: {
            items: items.length,
            totalMinor: eligibility.claimedMinor.toString(),
            eligible: eligibility.eligible,
          },
        });
        await support.notice(trx, {
          userId,
          template: 'claim_update',
          vars: { status: 'submitted', claim: claimId, time: new Date(nowMs).toISOString() },
        });
      });
      return toView(await load(claimId));
    },

    async get(claimId: string, ownerId?: string): Promise<ClaimView> {
      const loaded = await load(claimId);
      if (ownerId !== undefined && loaded.claim.user_id !== ownerId)
        throw new DomainError(RECOVERY_ERRORS.CLAIM_NOT_FOUND);
      return toView(loaded);
    },

    async list(input: {
      userId?: string | undefined;
      status?: ClaimView['status'] | undefined;
      limit: number;
    }): Promise<ClaimView[]> {
      let query = db
        .selectFrom('loss_claims')
        .select('id')
        .orderBy('created_at', 'desc')
        .limit(Math.min(input.limit, CLAIMS_PAGE_MAX));
      if (input.userId) query = query.where('user_id', '=', input.userId);
      if (input.status) query = query.where('status', '=', input.status);
      const rows = await query.execute();
      const out: ClaimView[] = [];
      for (const row of rows) out.push(toView(await load(row.id)));
      return out;
    },

    /**
     * An operator's decision. Reject: done. Approve: the rules must pass (re-assessed now, since
     * the cap or a refund may have changed); above the four-eyes threshold the first approval
     * waits for a second, different operator; then the payout posts and the claim is paid.
     */
    async decide(
      operator: Extract<Actor, { kind: 'operator' }>,
      claimId: string,
      input: { approve: boolean; note: string },
    ): Promise<ClaimView> {
      const { claim, items } = await load(claimId);
      if (claim.status !== 'submitted' && claim.status !== 'awaiting_second')
        throw new DomainError(RECOVERY_ERRORS.CLAIM_STATE);
      const nowMs = clock.nowMs();
      const note = input.note.slice(0, CLAIM_STATEMENT_LENGTH_MAX);
      if (!input.approve) {
        await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('loss_claims')
            .set({
              status: 'rejected',
              decided_by: operator.id,
              decided_at: new Date(nowMs),
              decision_note: note,
            })
            .where('id', '=', claimId)
            .where('status', '=', claim.status)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw new DomainError(RECOVERY_ERRORS.CLAIM_STATE);
          await writeAudit(trx, nowMs, {
            actor: operator,
            action: 'claim_rejected',
            userId: claim.user_id,
            subjectId: claimId,
          });
        });
        await notify(claim.user_id, claimId, 'rejected');
        return toView(await load(claimId));
      }
      const eligibility = await assess(claim.user_id, items, claim.credentials_shared, claimId);
      if (!eligibility.eligible)
        throw new DomainError(
          RECOVERY_ERRORS.CLAIM_STATE,
          { reasons: eligibility.reasons },
          `Not eligible: ${eligibility.reasons.join(', ')}.`,
        );
      const needsSecond = eligibility.payableMinor > ctx.config.payoutSecondApprovalMinor;
      if (claim.status === 'awaiting_second' && claim.first_approver === operator.id)
        throw new DomainError(RECOVERY_ERRORS.SAME_OPERATOR);
      if (needsSecond && claim.status === 'submitted') {
        await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('loss_claims')
            .set({
              status: 'awaiting_second',
              first_approver: operator.id,
              eligibility: eligibilityJson(eligibility),
            })
            .where('id', '=', claimId)
            .where('status', '=', 'submitted')
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw new DomainError(RECOVERY_ERRORS.CLAIM_STATE);
          await writeAudit(trx, nowMs, {
            actor: operator,
            action: 'claim_first_approval',
            userId: claim.user_id,
            subjectId: claimId,
            details: { payableMinor: eligibility.payableMinor.toString() },
          });
        });
        await notify(claim.user_id, claimId, 'approved');
        return toView(await load(claimId));
      }
      const pool = await ctx.ledger.systemAccount('insurance_pool', CLAIM_CURRENCY);
      const wallet = await ctx.wallet.openWallet(claim.user_id, CLAIM_CURRENCY);
      const transferId = `claim:${claimId}`;
      await db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('loss_claims')
          .select('status')
          .where('id', '=', claimId)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (locked.status !== claim.status) throw new DomainError(RECOVERY_ERRORS.CLAIM_STATE);
        const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
          {
            id: transferId,
            kind: 'posted',
            code: PAYOUT_TRANSFER_CODE,
            userData: claimId,
            legs: [
              {
                debitAccountId: pool.id,
                creditAccountId: wallet.id,
                amountMinor: eligibility.payableMinor,
                currency: CLAIM_CURRENCY,
              },
            ],
          },
        ]);
        if (!result || result.status === 'rejected')
          throw new DomainError(
            RECOVERY_ERRORS.CLAIM_STATE,
            { ledger: result?.reason ?? 'none' },
            'The insurance pool cannot pay this claim now.',
          );
        await trx
          .updateTable('loss_claims')
          .set({
            status: 'paid',
            decided_by: operator.id,
            decided_at: new Date(nowMs),
            decision_note: note,
            payout_transfer_id: transferId,
            paid_minor: eligibility.payableMinor,
            eligibility: eligibilityJson(eligibility),
          })
          .where('id', '=', claimId)
          .execute();
        await writeAudit(trx, nowMs, {
          actor: operator,
          action: 'claim_paid',
          userId: claim.user_id,
          subjectId: claimId,
          details: { payableMinor: eligibility.payableMinor.toString(), transferId, fourEyes: needsSecond },
        });
      });
      await notify(claim.user_id, claimId, 'paid');
      return toView(await load(claimId));
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;
