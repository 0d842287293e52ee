/**
 * The demo world `npm start` and `rampart seed --demo` create: people to sign in as, a merchant,
 * balances. Passwords here are public on purpose: demo mode is for trying Rampart on a laptop
 * and the server refuses to seed them unless asked to (`--demo`).
 */
export interface DemoUser {
  readonly phoneE164: string;
  readonly displayName: string;
  readonly password: string;
  /** The 6-digit payment password. */
  readonly paymentPassword: string;
  /** Opening wallet balance in fen. */
  readonly openingBalanceMinor: bigint;
}

export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    phoneE164: '+8613800138000',
    displayName: 'Alice Chen',
    password: 'alice-demo-2026',
    paymentPassword: '258036',
    openingBalanceMinor: 1_000_000n,
  },
  {
    phoneE164: '+8613900139000',
    displayName: 'Bob Li',
    password: 'bob-demo-2026',
    paymentPassword: '369147',
    openingBalanceMinor: 250_000n,
  },
]);

export const DEMO_MERCHANT = Object.freeze({ id: 'mch_demo_coffee', name: 'Demo Coffee Shop' });

/** Alice's credit line in the demo: 5,000.00 CNY (docs/credit.md). */
export const DEMO_CREDIT_LINE = Object.freeze({ phoneE164: '+8613800138000', limitMinor: 500_000n });
/** Alice's signed auto-debit agreement with the demo merchant (issue 4 point 9). */
export const DEMO_AGREEMENT = Object.freeze({
  externalAgreementNo: 'demo-coffee-club-001',
  purpose: 'Coffee Club monthly membership',
  perDebitCapMinor: 5_000n,
  monthlyCapMinor: 10_000n,
});

/** An app of the demo merchant that Alice let read her basic profile. */
export const DEMO_AUTHORISED_APP = Object.freeze({
  appId: 'demo-coffee-app',
  appName: 'Demo Coffee app',
  scopes: ['auth_base', 'auth_user'] as const,
});
/** The demo merchant's open-API app (its keys are made when the demo is seeded). */
export const DEMO_APP_ID = '2021000000000001';
