/**
 * The loss-claim eligibility rules of issue 7 point 6, as one pure function. Every rule gives a
 * reason; an operator's approval pays only when every rule passes (the rules and the operator
 * decide together, neither alone).
 */

/** Claims must be reported within 30 days of each disputed transaction. */
export const CLAIM_REPORT_WINDOW_MS = 30 * 24 * 3600_000;
/** The yearly cap counts payouts in the last 365 days. */
export const CLAIM_CAP_WINDOW_MS = 365 * 24 * 3600_000;

export interface EligibilityInput {
  readonly nowMs: number;
  readonly items: readonly { readonly occurredAtMs: number; readonly amountMinor: bigint }[];
  /** The user said they gave their password or codes to someone knowingly. */
  readonly credentialsShared: boolean;
  /** Already compensated, refunded, or in another live claim (checked against the store). */
  readonly alreadyRecovered: boolean;
  readonly paidInCapWindowMinor: bigint;
  readonly yearlyCapMinor: bigint;
}

export interface Eligibility {
  readonly eligible: boolean;
  readonly reasons: readonly (
    | 'late_report'
    | 'credentials_shared'
    | 'already_recovered'
    | 'yearly_cap_reached'
  )[];
  readonly claimedMinor: bigint;
  /** What would be paid: the claimed total, cut to what is left of the yearly cap. */
  readonly payableMinor: bigint;
}

export function assessClaim(input: EligibilityInput): Eligibility {
  const reasons: Eligibility['reasons'][number][] = [];
  const claimedMinor = input.items.reduce((sum, i) => sum + i.amountMinor, 0n);
  if (input.items.some((i) => input.nowMs - i.occurredAtMs > CLAIM_REPORT_WINDOW_MS))
    reasons.push('late_report');
  if (input.credentialsShared) reasons.push('credentials_shared');
  if (input.alreadyRecovered) reasons.push('already_recovered');
  const capLeftMinor = input.yearlyCapMinor - input.paidInCapWindowMinor;
  if (capLeftMinor <= 0n) reasons.push('yearly_cap_reached');
  // Math.min does not take bigint.
  let payableMinor = 0n;
  if (reasons.length === 0) {
    payableMinor = claimedMinor;
    if (capLeftMinor < payableMinor) payableMinor = capLeftMinor;
  }
  return { eligible: reasons.length === 0, reasons, claimedMinor, payableMinor };
}
