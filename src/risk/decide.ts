/**
 * Turning rule hits and a model score into one decision, pure. The strongest enforced outcome
 * wins; shadow hits are recorded but never count. Thresholds are configuration.
 */
import type { RuleHit } from './rule-set.ts';

export type Decision = 'allow' | 'challenge' | 'review' | 'deny';

export interface RiskThresholds {
  /** Model probability at or above which the event is challenged, reviewed, denied, and the
   *  account frozen. Each ≥ the one before. */
  readonly challengeAt: number;
  readonly reviewAt: number;
  readonly denyAt: number;
  readonly freezeAt: number;
}

export const DEFAULT_THRESHOLDS: RiskThresholds = Object.freeze({
  challengeAt: 0.3,
  reviewAt: 0.6,
  denyAt: 0.85,
  freezeAt: 0.97,
});

const SEVERITY: Readonly<Record<Decision, number>> = { allow: 0, challenge: 1, review: 2, deny: 3 };

export function stronger(a: Decision, b: Decision): Decision {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

export function decide(input: {
  hits: readonly RuleHit[];
  score: number | null;
  thresholds: RiskThresholds;
}): { decision: Decision; freeze: boolean; reasons: string[] } {
  let decision: Decision = 'allow';
  let freeze = false;
  const reasons: string[] = [];
  for (const hit of input.hits) {
    if (hit.shadow) continue;
    const outcome: Decision = hit.outcome === 'freeze' ? 'deny' : hit.outcome;
    if (hit.outcome === 'freeze') freeze = true;
    decision = stronger(decision, outcome);
    if (hit.outcome !== 'allow') reasons.push(hit.reason);
  }
  const { score, thresholds } = input;
  if (score !== null) {
    let band: Decision = 'allow';
    if (score >= thresholds.denyAt) band = 'deny';
    else if (score >= thresholds.reviewAt) band = 'review';
    else if (score >= thresholds.challengeAt) band = 'challenge';
    if (band !== 'allow') reasons.push(`model_score_${band}`);
    decision = stronger(decision, band);
    if (score >= thresholds.freezeAt) {
      freeze = true;
      reasons.push('model_score_freeze');
    }
  }
  return { decision, freeze, reasons };
}

export function checkThresholds(t: RiskThresholds): boolean {
  const inRange = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
  return (
    inRange(t.challengeAt) &&
    inRange(t.reviewAt) &&
    inRange(t.denyAt) &&
    inRange(t.freezeAt) &&
    t.challengeAt <= t.reviewAt &&
    t.reviewAt <= t.denyAt &&
    t.denyAt <= t.freezeAt
  );
}
