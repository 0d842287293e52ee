/**
 * Funding's WithdrawalRiskPort implemented by the risk engine (issue 5 point 1): a withdrawal
 * becomes a `withdrawal` RiskEvent whose payee is the card (`card:<token>`), with the share of the
 * balance, whether the card was withdrawn to before, and the device and recent-change facts. A
 * freeze also opens an alert case (a review opens its withdrawal_hold case with the hold).
 */

import type { Kysely } from 'kysely';
import type { WithdrawalRiskPort } from '../funding/index.ts';
import { DETAIL_KEYS, type RiskEngine } from '../risk/index.ts';
import { type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { openCase } from './case-store.ts';
import { deviceAndChangeFacts } from './event-facts.ts';

export function createEngineWithdrawalRisk(deps: {
  db: Kysely<Database>;
  clock: Clock;
  engine: Pick<RiskEngine, 'assess'>;
}): WithdrawalRiskPort {
  return {
    async assess(input) {
      const result = await deps.engine.assess({
        eventId: newId('rev'),
        kind: 'withdrawal',
        userId: input.userId,
        atMs: input.nowMs,
        amountMinor: input.amount.amountMinor,
        currency: input.amount.currency,
        payeeKey: `card:${input.cardToken}`,
        balanceMinor: input.balanceMinor,
        ip: input.origin.ip,
        ...(input.origin.deviceKey ? { deviceKey: input.origin.deviceKey } : {}),
        country: input.origin.country,
        detail: {
          firstTimePayee: String(input.firstTimeCard),
          operationId: input.operationId,
          [DETAIL_KEYS.failedPaymentPasswords]: String(input.failedPaymentPasswords),
          ...(await deviceAndChangeFacts(deps.db, {
            userId: input.userId,
            nowMs: input.nowMs,
            deviceFirstSeenAtMs: input.deviceFirstSeenAtMs,
            lastSecurityChangeAtMs: input.lastSecurityChangeAtMs,
          })),
        },
      });
      if (result.freeze) {
        await openCase(deps.db, {
          kind: 'alert',
          userId: input.userId,
          eventId: result.eventId,
          reason: result.reasons[0] ?? 'risk_freeze',
          details: { event: 'withdrawal', decision: result.decision, reasons: result.reasons, frozen: true },
          actor: 'risk_engine',
          nowMs: deps.clock.nowMs(),
        });
      }
      return {
        decision: result.decision,
        freeze: result.freeze,
        reasons: result.reasons,
        eventId: result.eventId,
      };
    },
  };
}
