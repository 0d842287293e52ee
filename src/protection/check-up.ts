/**
 * The security check-up (issue 4 point 11): which protections are on, a score out of 100, and
 * for each one that is off the exact setting that turns it on. Read-only; it calls the modules
 * that own each setting.
 *
 * Agreements (auto-debit, family cards, authorised apps; point 9) are built in parallel: they
 * reach the check-up through `AgreementsReviewPort`, whose default says "no agreements".
 */
import type { Identity } from '../identity/index.ts';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import { AGREEMENT_REVIEW_MAX_AGE_MS } from './constants.ts';
import type { SecurityLock } from './security-lock.ts';

/** How many of the user's active agreements were not reviewed since `reviewedSinceMs`. */
export interface AgreementsReviewPort {
  countNotReviewed(input: {
    userId: string;
    reviewedSinceMs: number;
  }): Promise<{ active: number; notReviewed: number }>;
}

/** Until point 9's agreements land: a user has none, so nothing is left unreviewed. */
export const NO_AGREEMENTS: AgreementsReviewPort = Object.freeze({
  countNotReviewed: async () => ({ active: 0, notReviewed: 0 }),
});

export const CHECK_UP_ITEMS = [
  'payment_password',
  'second_factor',
  'passkey',
  'security_lock',
  'limits_lowered',
  'password_free_off',
  'agreements_reviewed',
] as const;
export type CheckUpItemId = (typeof CHECK_UP_ITEMS)[number];

/** Weights sum to 100. The payment password and the lock guard the money itself; factors guard
 *  the account; limits, password-free and agreements bound what a thief could take. */
const WEIGHTS: Readonly<Record<CheckUpItemId, number>> = Object.freeze({
  payment_password: 20,
  second_factor: 15,
  passkey: 15,
  security_lock: 20,
  limits_lowered: 10,
  password_free_off: 10,
  agreements_reviewed: 10,
});

/** Where each fix lives in the web app: the Security Center section of that setting. */
const FIX_ROUTES: Readonly<Record<CheckUpItemId, string>> = Object.freeze({
  payment_password: '/security#payment-password',
  second_factor: '/security#totp',
  passkey: '/security#passkeys',
  security_lock: '/security#security-lock',
  limits_lowered: '/security#payment-limits',
  password_free_off: '/security#password-free',
  agreements_reviewed: '/security#protections',
});

export interface CheckUpItem {
  readonly id: CheckUpItemId;
  readonly on: boolean;
  /** Points this item is worth. */
  readonly weight: number;
  /** The web route of the setting that fixes it (also given when on, to review it). */
  readonly fixRoute: string;
}

export interface CheckUpView {
  /** 0–100: the weights of the items that are on. */
  readonly score: number;
  readonly items: readonly CheckUpItem[];
}

export interface CheckUpDeps {
  readonly clock: Clock;
  readonly identity: { readonly security: Pick<Identity['security'], 'overview'> };
  readonly payments: Pick<Payments, 'getLimits' | 'getPasswordFree'>;
  readonly lock: Pick<SecurityLock, 'get'>;
  readonly agreements: AgreementsReviewPort;
}

export type CheckUp = ReturnType<typeof createCheckUp>;

export function createCheckUp(deps: CheckUpDeps) {
  return {
    async run(userId: string): Promise<CheckUpView> {
      const [overview, limits, passwordFree, lock, agreements] = await Promise.all([
        deps.identity.security.overview(userId),
        deps.payments.getLimits(userId),
        deps.payments.getPasswordFree(userId),
        deps.lock.get(userId),
        deps.agreements.countNotReviewed({
          userId,
          reviewedSinceMs: deps.clock.nowMs() - AGREEMENT_REVIEW_MAX_AGE_MS,
        }),
      ]);
      // Lowered: every channel payments can use has a daily limit under the platform maximum.
      const usable = limits.channels.filter((c) => c.available);
      const state: Record<CheckUpItemId, boolean> = {
        payment_password: overview.hasPaymentPassword,
        second_factor: overview.totp || overview.backupCodesLeft > 0,
        passkey: overview.passkeys > 0,
        security_lock: lock.enabled,
        limits_lowered:
          usable.length > 0 && usable.every((c) => c.perDay.amountMinor < c.platformMaxPerDay.amountMinor),
        password_free_off: !passwordFree.enabled,
        agreements_reviewed: agreements.notReviewed === 0,
      };
      const items = CHECK_UP_ITEMS.map((id) => ({
        id,
        on: state[id],
        weight: WEIGHTS[id],
        fixRoute: FIX_ROUTES[id],
      }));
      const score = items.reduce((sum, item) => sum + (item.on ? item.weight : 0), 0);
      return { score, items };
    },
  };
}
