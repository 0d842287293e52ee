/**
 * The audit trail of agreements, family cards and authorised apps: who asked, signed, debited,
 * paid, was refused (with the code), cancelled, suspended, granted or revoked, from where. Rows
 * are only inserted (a trigger refuses UPDATE and DELETE); refusals are written after the refused
 * work rolled back, so they stay. Never secrets or others' full phone numbers.
 */
import type { Executor } from '../identity/index.ts';

export const AGREEMENT_AUDIT_TYPES = [
  'agreement_requested',
  'agreement_signed',
  'agreement_cancelled',
  'agreement_debited',
  'agreement_debit_refused',
  'agreements_suspended',
  'family_card_offered',
  'family_card_accepted',
  'family_card_cancelled',
  'family_card_paid',
  'family_card_pay_refused',
  'family_card_held',
  'family_card_review_resolved',
  'family_cards_suspended',
  'app_granted',
  'app_revoked',
] as const;
export type AgreementAuditType = (typeof AGREEMENT_AUDIT_TYPES)[number];

export async function recordAgreementAudit(
  executor: Executor,
  nowMs: number,
  input: {
    userId: string;
    subjectId: string;
    type: AgreementAuditType;
    ip?: string | null | undefined;
    details?: Record<string, string | number | boolean | null> | undefined;
  },
): Promise<void> {
  await executor
    .insertInto('agreement_audit')
    .values({
      user_id: input.userId,
      subject_id: input.subjectId,
      type: input.type,
      ip: input.ip ?? null,
      details: JSON.stringify(input.details ?? {}),
      created_at: new Date(nowMs),
    })
    .execute();
}
