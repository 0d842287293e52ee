/**
 * The payments RiskHook implemented by the risk engine (issue 5 point 1): a payment becomes a
 * RiskEvent (`transfer` to a user, `payment` to a merchant), and the engine's decision becomes the
 * hook's answer. main.ts connects it; payments knows nothing of the engine.
 */

import type { Kysely } from 'kysely';
import type { PaymentRiskInput, RiskAssessment, RiskHook, RiskLevel } from '../payments/index.ts';
import type { RiskEngine, RiskEvent, RiskResult } from '../risk/index.ts';
import { type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { openCase } from './case-store.ts';

export function paymentRiskEvent(input: PaymentRiskInput, eventId: string): RiskEvent {
  const detail: Record<string, string> = {
    firstTimePayee: String(input.firstTimePayee),
    channel: input.channel,
  };
  if (input.knownDevice !== undefined) detail.knownDevice = String(input.knownDevice);
  return {
    eventId,
    kind: input.payee.kind === 'user' ? 'transfer' : 'payment',
    userId: input.payerId,
    atMs: input.nowMs,
    amountMinor: input.amount.amountMinor,
    currency: input.amount.currency,
    payeeKey:
      input.payee.kind === 'user' ? `user:${input.payee.userId}` : `merchant:${input.payee.merchantId}`,
    ...(input.balanceMinor === undefined ? {} : { balanceMinor: input.balanceMinor }),
    ...(input.origin.deviceKey ? { deviceKey: input.origin.deviceKey } : {}),
    ip: input.origin.ip,
    country: input.origin.country,
    detail,
  };
}

/** allow → low (medium when the engine failed open: password-free never applies unassessed);
 *  challenge → medium; review and deny → high. */
export function riskLevelOf(result: Pick<RiskResult, 'decision' | 'outcome'>): RiskLevel {
  if (result.decision === 'allow') return result.outcome === 'decided' ? 'low' : 'medium';
  return result.decision === 'challenge' ? 'medium' : 'high';
}

/** A payment the engine froze the account over also becomes an alert case. */
export function createEnginePaymentRiskHook(deps: {
  db: Kysely<Database>;
  clock: Clock;
  engine: Pick<RiskEngine, 'assess'>;
}): RiskHook {
  return {
    async assess(input: PaymentRiskInput): Promise<RiskAssessment> {
      const result = await deps.engine.assess(paymentRiskEvent(input, newId('rev')));
      if (result.freeze) {
        await openCase(deps.db, {
          kind: 'alert',
          userId: input.payerId,
          eventId: result.eventId,
          reason: result.reasons[0] ?? 'risk_freeze',
          details: { event: 'payment', decision: result.decision, reasons: result.reasons, frozen: true },
          actor: 'risk_engine',
          nowMs: deps.clock.nowMs(),
        });
      }
      return {
        decision: result.decision,
        level: riskLevelOf(result),
        reasons: result.reasons,
        eventId: result.eventId,
        freeze: result.freeze,
      };
    },
  };
}
