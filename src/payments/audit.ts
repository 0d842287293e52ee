/**
 * The payment audit trail: every payee lookup, intent created or refused, confirmation made or
 * refused, intent cancelled by its payer, and every change of limits or password-free settings, with who and from where. Rows
 * are only ever inserted. Refusals are written after the refused work rolled back, so they stay.
 */
import type { Executor } from '../identity/index.ts';

export const PAYMENT_AUDIT_TYPES = [
  'payee_lookup',
  'intent_created',
  'intent_refused',
  'intent_confirmed',
  'confirm_refused',
  'intent_cancelled',
  'limits_changed',
  'password_free_changed',
  'intent_held',
  'hold_resolved',
] as const;
export type PaymentAuditType = (typeof PAYMENT_AUDIT_TYPES)[number];

export interface PaymentAuditInput {
  readonly userId: string;
  readonly type: PaymentAuditType;
  readonly intentId?: string | null | undefined;
  readonly ip?: string | null | undefined;
  /** Never secrets (passwords, assertions) or full phone numbers of others. */
  readonly details?: Record<string, string | number | boolean | null | readonly string[]> | undefined;
}

export async function recordPaymentAudit(
  executor: Executor,
  nowMs: number,
  input: PaymentAuditInput,
): Promise<void> {
  await recordPaymentAudits(executor, nowMs, [input]);
}

/** Several entries in one multi-row INSERT (one round trip), in the order given. */
export async function recordPaymentAudits(
  executor: Executor,
  nowMs: number,
  inputs: readonly PaymentAuditInput[],
): Promise<void> {
  if (inputs.length === 0) return;
  await paymentAuditInsert(executor, nowMs, inputs).execute();
}

/** The INSERT of recordPaymentAudits, to run as a CTE of another statement (at least one entry). */
export function paymentAuditInsert(executor: Executor, nowMs: number, inputs: readonly PaymentAuditInput[]) {
  const createdAt = new Date(nowMs);
  return executor.insertInto('payment_audit').values(
    inputs.map((input) => ({
      user_id: input.userId,
      intent_id: input.intentId ?? null,
      type: input.type,
      ip: input.ip ?? null,
      details: JSON.stringify(input.details ?? {}),
      created_at: createdAt,
    })),
  );
}
