/**
 * Identity's PaymentPasswordRiskPort implemented by the risk engine (issue 5): each wrong
 * payment-password entry becomes an observed `security_change` RiskEvent with change
 * `payment_password_failed`, which adds one to the user's `failed_payment_passwords_{1h,1d}`
 * windows (the `payment_password_guessing` rule). Observed, not scored: the entry was already
 * refused, so there is nothing to decide. The event id is derived from the failure's security
 * event, so a report repeated (a retry, a replay) is counted once, in memory and in Redis alike.
 */

import type { PaymentPasswordRiskPort } from '../identity/index.ts';
import { DETAIL_KEYS, type RiskEngine } from '../risk/index.ts';

/** The change code the online features count as one failed entry (online-features.ts). */
export const PAYMENT_PASSWORD_FAILED_CHANGE = 'payment_password_failed';

/** One failure, one risk event: `ppf:<security event id>` (EVENT_ID_PATTERN allows ':'). */
export function paymentPasswordFailedEventId(securityEventId: bigint): string {
  return `ppf:${securityEventId}`;
}

export function createEnginePaymentPasswordRisk(deps: {
  engine: Pick<RiskEngine, 'observe'>;
}): PaymentPasswordRiskPort {
  return {
    async failed(input) {
      await deps.engine.observe({
        eventId: paymentPasswordFailedEventId(input.securityEventId),
        kind: 'security_change',
        userId: input.userId,
        atMs: input.nowMs,
        ip: input.ip,
        ...(input.deviceKey ? { deviceKey: input.deviceKey } : {}),
        country: input.country,
        detail: { [DETAIL_KEYS.change]: PAYMENT_PASSWORD_FAILED_CHANGE },
      });
    },
  };
}
