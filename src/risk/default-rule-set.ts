/**
 * The rule set a fresh deployment starts with (stored as a version when none exists, or when the
 * version in force is an older default nobody edited; see rule-store.ts). Two parts:
 * - DEFAULT_RULE_SET: rules over event fields only, so they work with no feature source at all;
 * - DEFAULT_FEATURE_RULES: velocity, draining, fan-in (mules) and card-testing rules over the
 *   online features (src/risk/features); `defaultRuleSetFor` keeps those whose features the
 *   deployment computes, so a rule set with an unknown feature is never stored by default.
 * Amounts are CNY minor units (fen). Thresholds were set on the attack simulator's legitimate
 * traffic and attacks (`npm run risk -- simulate`; figures in docs/BENCHMARKS.md), with Stripe's
 * yardstick in mind: a wrong refusal costs a customer, so refusals need a near-certain pattern
 * (card testing), and money that might be a scam is held for review rather than refused.
 * Reasons are stable codes for the record, the case queue and the console; users are not shown
 * them (alerts say what to do, not which rule fired), so they need no translated text.
 */
import { expressionNames } from './rule-expression.ts';
import { type Condition, EVENT_FIELDS, type Rule, type RuleSetBody } from './rule-set.ts';

/**
 * Bumped whenever the default rules change: a stored default with an older revision is replaced.
 * 3: the shadow `drain_within_hour`, the draining condition written with arithmetic; `payment_password_guessing`
 *    also challenges 2 wrong payment passwords since the last success.
 */
export const DEFAULT_RULE_SET_REVISION = 3;

/** The rules over event fields alone: in force with or without a feature source. */
export const DEFAULT_RULE_SET: RuleSetBody = {
  rules: [
    {
      id: 'money_from_new_device',
      description: 'Money leaving from a device the user never signed in on: step up (stolen credentials).',
      kinds: ['payment', 'transfer', 'withdrawal'],
      when: {
        all: [
          { field: 'knownDevice', op: '==', value: false },
          { field: 'amountMinor', op: '>=', value: 50_000 },
        ],
      },
      outcome: 'challenge',
      reason: 'new_device_money',
    },
    {
      id: 'large_first_payment_to_payee',
      description: '5,000.00 or more to someone never paid before: step up (scams start here).',
      kinds: ['payment', 'transfer'],
      when: {
        all: [
          { field: 'firstTimePayee', op: '==', value: true },
          { field: 'amountMinor', op: '>=', value: 500_000 },
        ],
      },
      outcome: 'challenge',
      reason: 'large_new_payee',
    },
    {
      id: 'drain_to_new_payee',
      description:
        'Most of the balance to a new payee: hold for review (stolen phone, "customer service" scam).',
      kinds: ['payment', 'transfer', 'withdrawal'],
      when: {
        all: [
          { field: 'firstTimePayee', op: '==', value: true },
          { field: 'balanceShare', op: '>=', value: 0.8 },
          { field: 'amountMinor', op: '>=', value: 100_000 },
        ],
      },
      outcome: 'review',
      reason: 'drain_to_new_payee',
    },
    {
      id: 'very_large_new_payee',
      description: '50,000.00 or more to a new payee: hold for review.',
      kinds: ['payment', 'transfer'],
      when: {
        all: [
          { field: 'firstTimePayee', op: '==', value: true },
          { field: 'amountMinor', op: '>=', value: 5_000_000 },
        ],
      },
      outcome: 'review',
      reason: 'very_large_new_payee',
    },
    {
      id: 'drain_from_new_device',
      description: 'A new device draining a new payee: the strongest takeover signal; deny and freeze.',
      kinds: ['payment', 'transfer', 'withdrawal'],
      when: { all: [{ ref: 'drain_to_new_payee' }, { field: 'knownDevice', op: '==', value: false }] },
      outcome: 'freeze',
      reason: 'takeover_drain',
    },
    {
      id: 'sign_in_impossible_travel_new_device',
      description: 'A new device and a speed no airliner reaches: a second factor is not enough.',
      kinds: ['sign_in'],
      when: {
        all: [
          { field: 'detail.impossibleTravel', op: '==', value: 'true' },
          { field: 'knownDevice', op: '==', value: false },
        ],
      },
      outcome: 'deny',
      reason: 'impossible_travel_new_device',
    },
    {
      id: 'sign_in_new_country',
      description: 'A country the user never signed in from: always a second factor.',
      kinds: ['sign_in'],
      when: { field: 'detail.newCountry', op: '==', value: 'true' },
      outcome: 'challenge',
      reason: 'new_country',
    },
    {
      id: 'security_change_new_device',
      description: 'Security changes from a new device: step up again.',
      kinds: ['security_change'],
      when: { field: 'knownDevice', op: '==', value: false },
      outcome: 'challenge',
      reason: 'security_change_new_device',
    },
    // Issue 5 point 1: events after sign-in (security changes, withdrawals, new payees). Their
    // `detail` carries newDevice (first signed in on less than 24 h ago, or never) and
    // recentSecurityChange (a password, phone, e-mail change or a factor removed in the last 24 h).
    {
      id: 'security_change_fresh_device',
      description:
        'A security change (password, phone, factor removed, limit raised, password-free on, lock off) from a device first used in the last 24 h: step up with a second factor.',
      kinds: ['security_change'],
      when: { field: 'detail.newDevice', op: '==', value: 'true' },
      outcome: 'challenge',
      reason: 'security_change_fresh_device',
    },
    {
      id: 'factor_removed_after_change_fresh_device',
      description:
        'A fresh device removing a factor or changing the phone right after another security change: the takeover sequence; refused, customer service checks.',
      kinds: ['security_change'],
      when: {
        all: [
          { field: 'detail.newDevice', op: '==', value: 'true' },
          { field: 'detail.recentSecurityChange', op: '==', value: 'true' },
          { field: 'detail.change', op: 'in', value: ['phone', 'totp_removed', 'passkey_removed'] },
        ],
      },
      outcome: 'review',
      reason: 'takeover_sequence',
    },
    {
      id: 'withdrawal_drain_after_security_change',
      description:
        'Withdrawing 80 % or more of the balance within 24 h of a password/phone change or factor removal: hold for review.',
      kinds: ['withdrawal'],
      when: {
        all: [
          { field: 'detail.recentSecurityChange', op: '==', value: 'true' },
          { field: 'balanceShare', op: '>=', value: 0.8 },
        ],
      },
      outcome: 'review',
      reason: 'drain_after_security_change',
    },
    {
      id: 'new_payee_fresh_device_after_change',
      description:
        'Paying someone new from a device first used in the last 24 h, within 24 h of a password/phone change or factor removal: step up (takeover).',
      kinds: ['new_payee'],
      when: {
        all: [
          { field: 'detail.newDevice', op: '==', value: 'true' },
          { field: 'detail.recentSecurityChange', op: '==', value: 'true' },
        ],
      },
      outcome: 'challenge',
      reason: 'new_payee_fresh_device',
    },
    {
      id: 'night_large_new_payee',
      description:
        'Shadow: 2,000.00+ to a new payee between 00:00 and 05:00 Beijing time; measuring before enforcing.',
      kinds: ['payment', 'transfer'],
      when: {
        all: [
          { field: 'firstTimePayee', op: '==', value: true },
          { field: 'amountMinor', op: '>=', value: 200_000 },
          { field: 'hourUtc', op: 'in', value: [16, 17, 18, 19, 20] },
        ],
      },
      outcome: 'review',
      reason: 'night_large_new_payee',
      shadow: true,
    },
  ],
};

const MONEY_OUT = ['payment', 'transfer', 'withdrawal'] as const;

/**
 * Rules over the online features (names from FEATURE_NAMES in src/risk/features). Windows are
 * bucketed: "1h" covers the last 55–60 minutes and excludes the event being decided, so
 * `user_payments_1h >= 1` means "an earlier payment in the last hour".
 */
export const DEFAULT_FEATURE_RULES: readonly Rule[] = [
  // Draining (a stolen unlocked phone, a remote-control scam): the thief knows the payment
  // password and receives the SMS codes, so a challenge does not stop them; a hold does. The
  // current payment's share of what is left rises with each transfer (3 × 30 % of the balance is
  // 30 %, 43 %, 75 % of what remains), so the second one within an hour is held. The 100.00
  // floor, not more: with a 500.00 floor a small wallet drained in three slices went unseen.
  {
    id: 'rapid_drain',
    description:
      'A second payment of 100.00+ within an hour taking 40 %+ of what is left, after 100.00+ already left: hold (draining).',
    kinds: [...MONEY_OUT],
    when: {
      all: [
        { feature: 'user_payments_1h', op: '>=', value: 1 },
        { feature: 'user_sum_1h_minor', op: '>=', value: 10_000 },
        { field: 'balanceShare', op: '>=', value: 0.4 },
        { field: 'amountMinor', op: '>=', value: 10_000 },
      ],
    },
    outcome: 'review',
    reason: 'rapid_drain',
  },
  {
    id: 'rapid_drain_many',
    description:
      'A fourth payment of 100.00+ within an hour taking 25 %+ of what is left (smaller slices): hold.',
    kinds: [...MONEY_OUT],
    when: {
      all: [
        { feature: 'user_payments_1h', op: '>=', value: 3 },
        { feature: 'user_sum_1h_minor', op: '>=', value: 10_000 },
        { field: 'balanceShare', op: '>=', value: 0.25 },
        { field: 'amountMinor', op: '>=', value: 10_000 },
      ],
    },
    outcome: 'review',
    reason: 'rapid_drain',
  },
  // The condition the two slice rules approximate, written out: what left within the hour, this
  // payment included, is 80 %+ of the balance an hour ago. There is no balance-an-hour-ago feature
  // (FEATURE_NAMES is the model's column list and stays as it is), so it is the balance before this
  // payment plus what left in the hour; money received within the hour makes it larger (the rule
  // fires later, never wrongly earlier), and a refused payment counts as gone (user_sum_1h_minor
  // counts every assessed payment). Shadow: unlike the slices it also fires on a large payment
  // followed by a small one (rent, then 100.00), so its hits are measured before it holds money.
  {
    id: 'drain_within_hour',
    description:
      'Shadow: a second payment of 100.00+ within an hour bringing what left in the hour to 80 %+ of the balance an hour ago; measuring before enforcing.',
    kinds: [...MONEY_OUT],
    when: {
      all: [
        { feature: 'user_payments_1h', op: '>=', value: 1 },
        { field: 'amountMinor', op: '>=', value: 10_000 },
        { expr: 'user_sum_1h_minor + amountMinor >= 0.8 * (balanceMinor + user_sum_1h_minor)' },
      ],
    },
    outcome: 'review',
    reason: 'drain_within_hour',
    shadow: true,
  },
  {
    id: 'drain_from_recent_device',
    description:
      'Half the balance or more from an account that added a device in the last 3 days (not its first): hold.',
    kinds: [...MONEY_OUT],
    when: {
      all: [
        { feature: 'hours_since_new_device', op: '<', value: 72 },
        { feature: 'user_devices_known', op: '>=', value: 2 },
        { field: 'balanceShare', op: '>=', value: 0.5 },
        { field: 'amountMinor', op: '>=', value: 100_000 },
      ],
    },
    outcome: 'review',
    reason: 'drain_recent_device',
  },
  // Mules: an account that suddenly receives from many people who never paid it before. The
  // payment is held (which opens a payment_hold case for the operator, who can block the payee).
  {
    id: 'mule_fan_in',
    description:
      '500.00+ to a person who got money from 3+ new payers in the last day, from a new payer: hold (mule).',
    kinds: ['transfer'],
    when: {
      all: [
        { field: 'payeeKind', op: '==', value: 'user' },
        { field: 'firstTimePayee', op: '==', value: true },
        { feature: 'payee_new_payers_1d', op: '>=', value: 3 },
        { field: 'amountMinor', op: '>=', value: 50_000 },
      ],
    },
    outcome: 'review',
    reason: 'payee_many_new_payers',
  },
  {
    id: 'mule_fan_in_wide',
    description: '100.00+ to a person who got money from 8+ new payers in the last day: hold (mule).',
    kinds: ['transfer'],
    when: {
      all: [
        { field: 'payeeKind', op: '==', value: 'user' },
        { feature: 'payee_new_payers_1d', op: '>=', value: 8 },
        { field: 'amountMinor', op: '>=', value: 10_000 },
      ],
    },
    outcome: 'review',
    reason: 'payee_many_new_payers',
  },
  {
    id: 'mule_fan_in_week',
    description: 'Shadow: a person with 15+ new payers in 7 days; measuring before enforcing.',
    kinds: ['transfer'],
    when: {
      all: [
        { field: 'payeeKind', op: '==', value: 'user' },
        { field: 'firstTimePayee', op: '==', value: true },
        { feature: 'payee_new_payers_7d', op: '>=', value: 15 },
      ],
    },
    outcome: 'review',
    reason: 'payee_many_new_payers_7d',
    shadow: true,
  },
  {
    id: 'reported_payee',
    description: '100.00+ to a person with a confirmed fraud against them in the last 30 days: hold.',
    kinds: ['transfer'],
    when: {
      all: [
        { field: 'payeeKind', op: '==', value: 'user' },
        { feature: 'payee_reports_30d', op: '>=', value: 1 },
        { field: 'amountMinor', op: '>=', value: 10_000 },
      ],
    },
    outcome: 'review',
    reason: 'reported_payee',
  },
  // Card testing: many tiny payments in minutes. A challenge first (a legitimate burst of small
  // purchases passes it), then a refusal once the pattern is unmistakable.
  {
    id: 'small_payment_burst',
    description: 'A fifth payment within an hour, of 20.00 or less: step up.',
    kinds: ['payment', 'transfer'],
    when: {
      all: [
        { feature: 'user_payments_1h', op: '>=', value: 4 },
        { field: 'amountMinor', op: '<=', value: 2_000 },
      ],
    },
    outcome: 'challenge',
    reason: 'small_payment_burst',
  },
  {
    id: 'card_testing',
    description: 'An eighth tiny payment within an hour, 200.00 or less in all: refuse (card testing).',
    kinds: ['payment', 'transfer'],
    when: {
      all: [
        { feature: 'user_payments_1h', op: '>=', value: 7 },
        { feature: 'user_sum_1h_minor', op: '<=', value: 20_000 },
        { field: 'amountMinor', op: '<=', value: 2_000 },
      ],
    },
    outcome: 'deny',
    reason: 'card_testing',
  },
  {
    id: 'card_testing_device',
    description: 'A device making its eleventh tiny payment within an hour, whatever the account: refuse.',
    kinds: ['payment', 'transfer'],
    when: {
      all: [
        { feature: 'device_payments_1h', op: '>=', value: 10 },
        { field: 'amountMinor', op: '<=', value: 2_000 },
      ],
    },
    outcome: 'deny',
    reason: 'card_testing',
  },
  // Payment-password guessing. Identity locks payments for 3 hours at the third wrong entry in a
  // row (PAYMENT_FAILURES_MAX) and resets the count, so "3+ in an hour" alone is met only after
  // the lock was lifted by a second factor, or with successes in between: a guesser meets the
  // lock first. Two wrong entries since the last success (one try left) is the last point a
  // guess can still be stopped by asking for more than the password; one is an ordinary typo.
  {
    id: 'payment_password_guessing',
    description:
      '2 wrong payment passwords since the last right one, or 3+ in the last hour: step up (someone else may hold the phone).',
    kinds: [...MONEY_OUT],
    when: {
      any: [
        { feature: 'failed_payment_passwords_now', op: '>=', value: 2 },
        { feature: 'failed_payment_passwords_1h', op: '>=', value: 3 },
      ],
    },
    outcome: 'challenge',
    reason: 'payment_password_guessing',
  },
];

function featuresOf(condition: Condition, into: Set<string>): Set<string> {
  if ('all' in condition) for (const c of condition.all) featuresOf(c, into);
  else if ('any' in condition) for (const c of condition.any) featuresOf(c, into);
  else if ('not' in condition) featuresOf(condition.not, into);
  else if ('feature' in condition) into.add(condition.feature);
  else if ('expr' in condition) {
    for (const name of expressionNames(condition.expr))
      if (!Object.hasOwn(EVENT_FIELDS, name)) into.add(name);
  }
  return into;
}

/**
 * The default rule set for a deployment that computes `knownFeatures`: the event-field rules,
 * plus every feature rule whose features are all computed (none of them refers to another).
 */
export function defaultRuleSetFor(knownFeatures: ReadonlySet<string>): RuleSetBody {
  const usable = DEFAULT_FEATURE_RULES.filter((rule) =>
    [...featuresOf(rule.when, new Set())].every((name) => knownFeatures.has(name)),
  );
  return { rules: [...DEFAULT_RULE_SET.rules, ...usable] };
}
