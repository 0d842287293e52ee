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

/** The demo merchant's open-API app (its keys are made when the demo is seeded). */
export const DEMO_APP_ID = '2021000000000001';
