/**
 * The contract between the two halves of the risk engine (issue 5), fixed before either was
 * written so they could be built side by side:
 * - src/risk/features + src/risk/model implement FeatureSource and RiskModel (online features over
 *   sliding windows, the trained gradient-boosted trees);
 * - the engine (rules, decisions, cases) calls them for every sensitive event.
 * The same FeatureSource code runs in production and in `npm run risk -- eval`.
 */

export const RISK_EVENT_KINDS = [
  'sign_in',
  'payment',
  'transfer',
  'withdrawal',
  'new_payee',
  'security_change',
] as const;
export type RiskEventKind = (typeof RISK_EVENT_KINDS)[number];

/** One sensitive event, as the engine sees it before the event takes effect. */
export interface RiskEvent {
  /** Unique per event; observe() and label() are idempotent on it. */
  readonly eventId: string;
  readonly kind: RiskEventKind;
  readonly userId: string;
  readonly atMs: number;
  /** Money events only: the amount in minor units and its ISO 4217 currency. */
  readonly amountMinor?: bigint;
  readonly currency?: string;
  /** Who receives the money: 'user:<id>', 'merchant:<id>' or 'card:<token>'. */
  readonly payeeKey?: string;
  /** The payer's available balance before the event (share of balance moved: draining). */
  readonly balanceMinor?: bigint;
  readonly deviceKey?: string;
  readonly ip?: string;
  /** ISO 3166 alpha-2, or null when unknown. */
  readonly country?: string | null;
  readonly latitude?: number;
  readonly longitude?: number;
  /** Free, small, kind-specific facts (e.g. security_change: { change: 'payment_password' }). */
  readonly detail?: Readonly<Record<string, string>>;
}

/** Named numeric features; names are stable (rules and the model refer to them). */
export type FeatureVector = Readonly<Record<string, number>>;

export interface FeatureSource {
  /** The features of `event` computed from the state before it. Does not record the event. */
  extract(event: RiskEvent): Promise<FeatureVector>;
  /** Records the event in every window once it took effect (idempotent per eventId). */
  observe(event: RiskEvent): Promise<void>;
  /** A late label: confirmed fraud (or not) from a report, claim or review. */
  label(eventId: string, fraud: boolean, atMs: number): Promise<void>;
}

export interface FeatureContribution {
  readonly feature: string;
  /** Contribution to the model's log-odds; positive raises the risk. */
  readonly contribution: number;
}

export interface ModelScore {
  /** Probability of fraud, 0..1. */
  readonly probability: number;
  readonly modelVersion: string;
  /** The top contributing features, largest first (at most 5). */
  readonly reasons: readonly FeatureContribution[];
}

export interface RiskModel {
  readonly version: string;
  /** The feature names the model was trained on; missing ones score as NaN (missing). */
  readonly featureNames: readonly string[];
  score(features: FeatureVector): ModelScore;
}
