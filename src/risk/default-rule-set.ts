/**
 * The rule set a fresh deployment starts with (saved as version 1 when no rule set exists). It
 * uses event fields only, so it works before any feature source or model is wired; operators add
 * feature rules once features are computed. Amounts are CNY minor units (fen).
 */
import type { RuleSetBody } from './rule-set.ts';

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
