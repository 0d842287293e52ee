/**
 * Identity's SecurityChangeRiskPort implemented by the risk engine (issue 5 point 1): a password,
 * phone or e-mail change, a factor removed, a limit raised, password-free turned on or the
 * security lock turned off becomes a `security_change` RiskEvent (`detail.change` names which),
 * with the device and recent-change facts. Review (nothing can be held) and freeze also open an
 * alert case, so an operator looks at the refused change and can reach the customer.
 */

import type { Kysely } from 'kysely';
import type { SecurityChangeRiskPort } from '../identity/index.ts';
import type { RiskEngine } from '../risk/index.ts';
import { type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { openCase } from './case-store.ts';
import { deviceAndChangeFacts } from './event-facts.ts';

export function createEngineSecurityChangeRisk(deps: {
  db: Kysely<Database>;
  clock: Clock;
  engine: Pick<RiskEngine, 'assess'>;
}): SecurityChangeRiskPort {
  return {
    async assess(input) {
      const result = await deps.engine.assess({
        eventId: newId('rev'),
        kind: 'security_change',
        userId: input.userId,
        atMs: input.nowMs,
        ip: input.ip,
        ...(input.deviceKey ? { deviceKey: input.deviceKey } : {}),
        country: input.country,
        detail: {
          change: input.change,
          ...(await deviceAndChangeFacts(deps.db, {
            userId: input.userId,
            nowMs: input.nowMs,
            deviceFirstSeenAtMs: input.deviceFirstSeenAtMs,
            lastSecurityChangeAtMs: input.lastSecurityChangeAtMs,
          })),
        },
      });
      if (result.decision === 'review' || result.freeze) {
        await openCase(deps.db, {
          kind: 'alert',
          userId: input.userId,
          eventId: result.eventId,
          reason: result.reasons[0] ?? 'security_change_review',
          details: {
            event: 'security_change',
            change: input.change,
            decision: result.decision,
            reasons: result.reasons,
            frozen: result.freeze,
          },
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
