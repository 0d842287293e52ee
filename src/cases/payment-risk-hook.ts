/**
 * The payments RiskHook implemented by the risk engine (issue 5 point 1): a payment becomes a
 * RiskEvent (`transfer` to a user, `payment` to a merchant), and the engine's decision becomes the
 * hook's answer. main.ts connects it; payments knows nothing of the engine.
 */

import type { Kysely } from 'kysely';
import type { Identity } from '../identity/index.ts';
import type { PaymentRiskInput, RiskAssessment, RiskHook, RiskLevel } from '../payments/index.ts';
import { DETAIL_KEYS, type RiskEngine, type RiskEvent, type RiskResult } from '../risk/index.ts';
import { type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { openCase } from './case-store.ts';
import { deviceAndChangeFacts } from './event-facts.ts';

export function paymentRiskEvent(input: PaymentRiskInput, eventId: string): RiskEvent {
  const detail: Record<string, string> = {
    firstTimePayee: String(input.firstTimePayee),
    channel: input.channel,
  };
  if (input.knownDevice !== undefined) detail.knownDevice = String(input.knownDevice);
  if (input.failedPaymentPasswords !== undefined)
    detail[DETAIL_KEYS.failedPaymentPasswords] = String(input.failedPaymentPasswords);
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

const DECISION_ORDER = ['allow', 'challenge', 'review', 'deny'] as const;

function stronger(a: RiskResult['decision'], b: RiskResult['decision']): RiskResult['decision'] {
  return DECISION_ORDER.indexOf(a) >= DECISION_ORDER.indexOf(b) ? a : b;
}

/** The first payment to a payee is also its own `new_payee` event (issue 5 point 1), scored
 *  before the payment with the device and recent-change facts; its decision counts with the
 *  payment's (the stronger wins). */
export function newPayeeRiskEvent(
  input: PaymentRiskInput,
  eventId: string,
  facts: Record<string, string>,
): RiskEvent {
  const payment = paymentRiskEvent(input, eventId);
  return {
    ...payment,
    kind: 'new_payee',
    detail: { ...facts, paymentKind: payment.kind, channel: input.channel },
  };
}

/** A payment the engine froze the account over also becomes an alert case. */
export function createEnginePaymentRiskHook(deps: {
  db: Kysely<Database>;
  clock: Clock;
  engine: Pick<RiskEngine, 'assess'>;
  /** The device and recent-change facts of new_payee events; without it none are scored. */
  identity?: {
    readonly devices: Pick<Identity['devices'], 'firstSeenAt'>;
    readonly lastSecurityChangeAt: Identity['lastSecurityChangeAt'];
  };
}): RiskHook {
  async function assessNewPayee(input: PaymentRiskInput): Promise<RiskResult | null> {
    if (!input.firstTimePayee || !deps.identity) return null;
    const firstSeen = await deps.identity.devices.firstSeenAt(input.payerId, input.origin.deviceKey);
    const lastChange = await deps.identity.lastSecurityChangeAt(input.payerId);
    const facts = await deviceAndChangeFacts(deps.db, {
      userId: input.payerId,
      nowMs: input.nowMs,
      deviceFirstSeenAtMs: firstSeen?.getTime() ?? null,
      lastSecurityChangeAtMs: lastChange?.getTime() ?? null,
    });
    return deps.engine.assess(newPayeeRiskEvent(input, newId('rev'), facts));
  }

  return {
    async assess(input: PaymentRiskInput): Promise<RiskAssessment> {
      const newPayee = await assessNewPayee(input);
      // A refused new payee is the answer: the payment is not scored (it will not happen).
      const result =
        newPayee?.decision === 'deny'
          ? newPayee
          : await deps.engine.assess(paymentRiskEvent(input, newId('rev')));
      const decision = newPayee ? stronger(result.decision, newPayee.decision) : result.decision;
      const freeze = result.freeze || newPayee?.freeze === true;
      const reasons =
        newPayee && newPayee !== result
          ? [...new Set([...newPayee.reasons, ...result.reasons])]
          : result.reasons;
      if (freeze) {
        await openCase(deps.db, {
          kind: 'alert',
          userId: input.payerId,
          eventId: result.eventId,
          reason: reasons[0] ?? 'risk_freeze',
          details: {
            event: 'payment',
            decision,
            reasons,
            frozen: true,
            ...(newPayee ? { newPayeeEventId: newPayee.eventId } : {}),
          },
          actor: 'risk_engine',
          nowMs: deps.clock.nowMs(),
        });
      }
      const outcome =
        result.outcome === 'decided' && newPayee && newPayee.outcome !== 'decided'
          ? newPayee.outcome
          : result.outcome;
      return {
        decision,
        level: riskLevelOf({ decision, outcome }),
        reasons,
        eventId: result.eventId,
        freeze,
      };
    },
  };
}
