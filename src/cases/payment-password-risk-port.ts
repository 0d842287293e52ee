/**
 * Identity's PaymentPasswordRiskPort implemented by the risk engine (issue 5): each wrong
 * payment-password entry becomes an observed `security_change` RiskEvent with change
 * `payment_password_failed`, which adds one to the user's `failed_payment_passwords_{1h,1d}`
 * windows (the `payment_password_guessing` rule). Observed, not scored: the entry was already
 * refused, so there is nothing to decide. The event id is derived from the failure's security
 * event, so a report repeated (a retry, a replay) is counted once, in memory and in Redis alike.
 *
 * Observed events are not decision records, so the embedded mode's boot rebuild (which replays
 * `risk_decisions`) gets them from the security events instead: the same builder, the same ids.
 */

import type { Kysely } from 'kysely';
import { listPaymentPasswordFailures, type PaymentPasswordRiskPort } from '../identity/index.ts';
import { DETAIL_KEYS, type RiskEngine, type RiskEvent } from '../risk/index.ts';
import type { Database } from '../store/index.ts';

/** The change code the online features count as one failed entry (online-features.ts). */
export const PAYMENT_PASSWORD_FAILED_CHANGE = 'payment_password_failed';

/** Most failures replayed at boot (the newest kept): bounds boot memory at ~300 B an event. */
export const PAYMENT_PASSWORD_FAILURES_REPLAY_MAX = 100_000;

/** One failure, one risk event: `ppf:<security event id>` (EVENT_ID_PATTERN allows ':'). */
export function paymentPasswordFailedEvent(input: {
  securityEventId: bigint;
  userId: string;
  ip: string | null;
  country: string | null;
  atMs: number;
}): RiskEvent {
  return {
    eventId: `ppf:${input.securityEventId}`,
    kind: 'security_change',
    userId: input.userId,
    atMs: input.atMs,
    ...(input.ip === null ? {} : { ip: input.ip }),
    country: input.country,
    detail: { [DETAIL_KEYS.change]: PAYMENT_PASSWORD_FAILED_CHANGE },
  };
}

export function createEnginePaymentPasswordRisk(deps: {
  engine: Pick<RiskEngine, 'observe'>;
}): PaymentPasswordRiskPort {
  return {
    async failed(input) {
      await deps.engine.observe(
        paymentPasswordFailedEvent({
          securityEventId: input.securityEventId,
          userId: input.userId,
          ip: input.ip,
          country: input.country,
          atMs: input.nowMs,
        }),
      );
    },
  };
}

/** The failures recorded in [sinceMs, untilMs] as the events the live reports observed, oldest
 *  first: what the boot rebuild interleaves with the recorded decisions. */
export async function recordedPaymentPasswordFailures(
  db: Kysely<Database>,
  input: { sinceMs: number; untilMs: number },
): Promise<RiskEvent[]> {
  const failures = await listPaymentPasswordFailures(db, {
    ...input,
    limit: PAYMENT_PASSWORD_FAILURES_REPLAY_MAX,
  });
  return failures.map((f) =>
    paymentPasswordFailedEvent({
      securityEventId: f.id,
      userId: f.userId,
      ip: f.ip,
      country: f.country,
      atMs: f.atMs,
    }),
  );
}
