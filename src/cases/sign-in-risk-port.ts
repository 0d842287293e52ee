/**
 * Identity's SignInRiskPort implemented by the risk engine: a sign-in whose first factor verified
 * (password, or a passkey alone) becomes a `sign_in` RiskEvent (identity's own findings in
 * `detail`), and a review or a freeze also opens an alert case for operators. A sign-in cannot be "held", so review asks for a second factor
 * (identity treats anything but allow and deny as a challenge) and leaves a case to look at.
 */

import type { Kysely } from 'kysely';
import type { SignInRiskPort } from '../identity/index.ts';
import type { RiskEngine } from '../risk/index.ts';
import { type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { openCase } from './case-store.ts';

export function createEngineSignInRisk(deps: {
  db: Kysely<Database>;
  clock: Clock;
  engine: Pick<RiskEngine, 'assess'>;
}): SignInRiskPort {
  return {
    async assess(input) {
      const detail: Record<string, string> = { knownDevice: String(input.knownDevice) };
      for (const reason of input.reasons) {
        if (reason === 'new_country') detail.newCountry = 'true';
        if (reason === 'impossible_travel') detail.impossibleTravel = 'true';
        if (reason === 'two_factor_enabled') detail.twoFactorEnabled = 'true';
      }
      const result = await deps.engine.assess({
        eventId: newId('rev'),
        kind: 'sign_in',
        userId: input.userId,
        atMs: input.nowMs,
        ip: input.ip,
        ...(input.deviceKey ? { deviceKey: input.deviceKey } : {}),
        country: input.country,
        ...(input.latitude !== null && input.longitude !== null
          ? { latitude: input.latitude, longitude: input.longitude }
          : {}),
        detail,
      });
      if (result.decision === 'review' || result.freeze) {
        await openCase(deps.db, {
          kind: 'alert',
          userId: input.userId,
          eventId: result.eventId,
          reason: result.reasons[0] ?? 'sign_in_review',
          details: {
            event: 'sign_in',
            decision: result.decision,
            reasons: result.reasons,
            frozen: result.freeze,
          },
          actor: 'risk_engine',
          nowMs: deps.clock.nowMs(),
        });
      }
      return { decision: result.decision, freeze: result.freeze, reasons: result.reasons };
    },
  };
}
