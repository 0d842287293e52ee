/**
 * The risk hook every payment passes before the payer is asked to confirm (issue 4: "passes the
 * risk hook — a plain allow until the risk engine lands"). Issue 5's engine implements the same
 * interface; main.ts chooses the implementation. The decision is recorded on the intent.
 *
 * What the decisions mean here:
 * - allow: go on; a password-free payment may need no confirmation at all;
 * - challenge: go on, but always ask for the payment password or a passkey;
 * - review / deny: refuse (`payment_declined`). Until an operator review queue exists (issue 5),
 *   a payment held for review is not made: failing closed, never silently open.
 */
import type { Money } from '../shared/index.ts';
import type { PaymentChannel } from './constants.ts';

export type RiskDecision = 'allow' | 'challenge' | 'review' | 'deny';
export type RiskLevel = 'low' | 'medium' | 'high';

export interface RiskAssessment {
  readonly decision: RiskDecision;
  readonly level: RiskLevel;
  /** Why, as stable snake_case codes (recorded, never shown to the payer). */
  readonly reasons: readonly string[];
  /** The risk engine's id of the assessed event (issue 5): kept on the intent, labelled later. */
  readonly eventId?: string | undefined;
  /** Strongest signals (decision deny): freeze the payer's account too. */
  readonly freeze?: boolean | undefined;
}

export interface PaymentRiskInput {
  readonly kind: 'payment';
  readonly payerId: string;
  readonly payee:
    | { readonly kind: 'user'; readonly userId: string; readonly accountId: string }
    | { readonly kind: 'merchant'; readonly merchantId: string; readonly accountId: string };
  readonly amount: Money;
  readonly channel: PaymentChannel;
  /** The payer has never paid this payee before. */
  readonly firstTimePayee: boolean;
  /** What the payer may spend now, before this payment (the share moved: draining). */
  readonly balanceMinor?: bigint | undefined;
  /** The payer signed in on this device before (identity's device list). */
  readonly knownDevice?: boolean | undefined;
  /** Wrong payment-password entries since the payer's last success (someone guessing it). */
  readonly failedPaymentPasswords?: number | undefined;
  readonly origin: {
    readonly ip: string;
    readonly deviceKey: string | undefined;
    readonly country: string | null;
  };
  readonly nowMs: number;
}

export interface RiskHook {
  assess(input: PaymentRiskInput): Promise<RiskAssessment>;
}

/** The built-in hook until issue 5: every payment is allowed at low risk. */
export function createAllowAllRiskHook(): RiskHook {
  return {
    assess: async () => ({ decision: 'allow', level: 'low', reasons: ['no_risk_engine'] }),
  };
}
