/**
 * A deterministic test double for the two halves of the risk engine the other helper builds
 * (src/risk/features, src/risk/model), so the engine, payments and cases can be tested before
 * they are merged. Tests only; production wires the real ones (docs/risk.md).
 *
 * - Features: `fake_amount_yuan` (the amount in major units), `fake_user_events` (how many events
 *   of the user were observed before this one, kept in memory), `fake_flag` (1 when the event's
 *   detail has `fakeFlag: 'on'`, else 0).
 * - Model: the probability is `detail.fakeScore` parsed as a number (0 when absent); the top
 *   contribution is always `fake_flag`. Version `fake-1`.
 * - `failNext('extract' | 'score')` makes the next call throw, for fail-open / fail-closed tests.
 */
import type { FeatureSource, FeatureVector, RiskEvent, RiskModel } from '../risk/index.ts';

export const FAKE_FEATURE_NAMES = ['fake_amount_yuan', 'fake_user_events', 'fake_flag'] as const;

export interface FakeRiskScorer {
  readonly features: FeatureSource;
  readonly model: RiskModel;
  readonly labels: { eventId: string; fraud: boolean }[];
  readonly observed: string[];
  failNext(part: 'extract' | 'score'): void;
}

export function createFakeRiskScorer(): FakeRiskScorer {
  const seen = new Map<string, number>();
  const observedIds = new Set<string>();
  const labels: { eventId: string; fraud: boolean }[] = [];
  const observed: string[] = [];
  let failing: 'extract' | 'score' | null = null;
  const scores = new WeakMap<object, number>();

  const features: FeatureSource = {
    async extract(event: RiskEvent): Promise<FeatureVector> {
      if (failing === 'extract') {
        failing = null;
        throw new Error('fake feature store unavailable');
      }
      const vector = {
        fake_amount_yuan: event.amountMinor === undefined ? Number.NaN : Number(event.amountMinor) / 100,
        fake_user_events: seen.get(event.userId) ?? 0,
        fake_flag: event.detail?.fakeFlag === 'on' ? 1 : 0,
      };
      scores.set(vector, Number(event.detail?.fakeScore ?? '0'));
      return vector;
    },
    async observe(event: RiskEvent): Promise<void> {
      if (observedIds.has(event.eventId)) return;
      observedIds.add(event.eventId);
      observed.push(event.eventId);
      seen.set(event.userId, (seen.get(event.userId) ?? 0) + 1);
    },
    async label(eventId: string, fraud: boolean): Promise<void> {
      labels.push({ eventId, fraud });
    },
  };

  const model: RiskModel = {
    version: 'fake-1',
    featureNames: [...FAKE_FEATURE_NAMES],
    score(vector: FeatureVector) {
      if (failing === 'score') {
        failing = null;
        throw new Error('fake model crashed');
      }
      const probability = scores.get(vector) ?? 0;
      return {
        probability,
        modelVersion: 'fake-1',
        reasons: [{ feature: 'fake_flag', contribution: probability }],
      };
    },
  };

  return {
    features,
    model,
    labels,
    observed,
    failNext(part) {
      failing = part;
    },
  };
}
