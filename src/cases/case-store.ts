/**
 * Cases and their append-only action trail in the database. Every change of a case and the action
 * that explains it are written in one transaction (`executor`), so the trail is never behind.
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../identity/index.ts';
import { newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { CASE_ACTIONS_MAX, type CaseAction, type CaseKind } from './constants.ts';

export type CaseRow = Selectable<Database['risk_cases']>;

export interface CaseActionView {
  readonly id: string;
  readonly action: string;
  readonly actor: string;
  readonly note: string | null;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

export async function openCase(
  executor: Executor,
  input: {
    kind: CaseKind;
    userId: string | null;
    reporterId?: string | null;
    eventId?: string | null;
    intentId?: string | null;
    /** A withdrawal_hold's funding operation. */
    operationId?: string | null;
    /** A family_card_hold's payment. */
    familyCardPaymentId?: string | null;
    transferId?: string | null;
    payeeKey?: string | null;
    reason: string;
    note?: string | null;
    details?: Record<string, unknown>;
    deadlineAt?: Date | null;
    actor: string;
    nowMs: number;
  },
): Promise<CaseRow> {
  const row = await executor
    .insertInto('risk_cases')
    .values({
      id: newId('case'),
      kind: input.kind,
      status: 'open',
      user_id: input.userId,
      reporter_id: input.reporterId ?? null,
      event_id: input.eventId ?? null,
      intent_id: input.intentId ?? null,
      operation_id: input.operationId ?? null,
      family_card_payment_id: input.familyCardPaymentId ?? null,
      transfer_id: input.transferId ?? null,
      payee_key: input.payeeKey ?? null,
      reason: input.reason,
      note: input.note ?? null,
      details: JSON.stringify(input.details ?? {}),
      deadline_at: input.deadlineAt ?? null,
      created_at: new Date(input.nowMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordCaseAction(executor, {
    caseId: row.id,
    action: 'opened',
    actor: input.actor,
    note: null,
    details: { kind: input.kind, reason: input.reason },
    nowMs: input.nowMs,
  });
  return row;
}

export async function recordCaseAction(
  executor: Executor,
  input: {
    caseId: string;
    action: CaseAction;
    actor: string;
    note: string | null;
    details?: Record<string, unknown>;
    nowMs: number;
  },
): Promise<void> {
  await executor
    .insertInto('risk_case_actions')
    .values({
      case_id: input.caseId,
      action: input.action,
      actor: input.actor,
      note: input.note,
      details: JSON.stringify(input.details ?? {}),
      created_at: new Date(input.nowMs),
    })
    .execute();
}

export async function caseActions(executor: Executor, caseId: string): Promise<CaseActionView[]> {
  const rows = await executor
    .selectFrom('risk_case_actions')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('id')
    .limit(CASE_ACTIONS_MAX)
    .execute();
  return rows.map((r) => ({
    id: r.id.toString(),
    action: r.action,
    actor: r.actor,
    note: r.note,
    details: r.details as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

export async function closeCase(
  executor: Executor,
  input: { caseId: string; resolution: NonNullable<CaseRow['resolution']>; nowMs: number },
): Promise<void> {
  await executor
    .updateTable('risk_cases')
    .set({ status: 'closed', resolution: input.resolution, closed_at: new Date(input.nowMs) })
    .where('id', '=', input.caseId)
    .where('status', '=', 'open')
    .execute();
}
