/**
 * What each notification is about, for the notification centre's filters and for preferences.
 *
 * `critical` notices (new sign-in, password/phone/factor changes, locks, freezes, recovery) go
 * out on every channel whatever the preferences say: they are how an owner learns that someone
 * else is in the account, and an intruder's first move would be to switch them off. The whole
 * `security` category is therefore not in the preference table at all.
 *
 * A template added to identity's NOTIFICATION_TEMPLATES without a line here does not compile.
 */
import type { NotificationTemplate } from '../identity/index.ts';

export const NOTIFICATION_CATEGORIES = ['security', 'payments', 'bills', 'claims', 'announcements'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

/** Categories a person may tune; `security` is always on. */
export const PREFERENCE_CATEGORIES = ['payments', 'bills', 'claims', 'announcements'] as const;
export type PreferenceCategory = (typeof PREFERENCE_CATEGORIES)[number];

export const NOTIFICATION_CHANNELS = ['sms', 'email', 'in_app'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** The channels each category uses at all: announcements are only ever shown in the app. */
export const CATEGORY_CHANNELS: Readonly<Record<NotificationCategory, readonly NotificationChannel[]>> = {
  security: NOTIFICATION_CHANNELS,
  payments: NOTIFICATION_CHANNELS,
  bills: NOTIFICATION_CHANNELS,
  claims: NOTIFICATION_CHANNELS,
  announcements: ['in_app'],
};

export interface TemplateClass {
  readonly category: NotificationCategory;
  readonly critical: boolean;
  /** false: never kept in the inbox (a one-time code is a secret, not a notice). */
  readonly inbox: boolean;
}

export const TEMPLATE_CATEGORIES: { readonly [T in NotificationTemplate]: TemplateClass } = {
  otp_code: { category: 'security', critical: true, inbox: false },
  sign_up_existing: { category: 'security', critical: true, inbox: true },
  new_sign_in: { category: 'security', critical: true, inbox: true },
  security_change: { category: 'security', critical: true, inbox: true },
  account_locked: { category: 'security', critical: true, inbox: true },
  payment_locked: { category: 'security', critical: true, inbox: true },
  account_frozen: { category: 'security', critical: true, inbox: true },
  account_unfrozen: { category: 'security', critical: true, inbox: true },
  recovery_update: { category: 'security', critical: true, inbox: true },
  claim_update: { category: 'claims', critical: false, inbox: true },
  payment_sent: { category: 'payments', critical: false, inbox: true },
  payment_received: { category: 'payments', critical: false, inbox: true },
  // Issue 5: a challenge, refusal or hold is about the account's safety: never switched off.
  risk_challenge: { category: 'security', critical: true, inbox: true },
  risk_declined: { category: 'security', critical: true, inbox: true },
  payment_held: { category: 'security', critical: true, inbox: true },
  withdrawal_held: { category: 'security', critical: true, inbox: true },
  payment_hold_resolved: { category: 'payments', critical: false, inbox: true },
  credit_bill_issued: { category: 'bills', critical: false, inbox: true },
  credit_bill_overdue: { category: 'bills', critical: false, inbox: true },
  // A signed agreement is a standing permission to take money: like a security change, its owner
  // must hear of it even with notices switched off (an intruder with the payment password would).
  agreement_signed: { category: 'security', critical: true, inbox: true },
  agreement_debited: { category: 'payments', critical: false, inbox: true },
  family_card_offered: { category: 'payments', critical: false, inbox: true },
  family_card_used: { category: 'payments', critical: false, inbox: true },
  // A debit the risk engine stopped, and a family-card payment held for review, are risk notices
  // like risk_declined and payment_held: never switched off. The review's outcome is a receipt.
  agreement_debit_stopped: { category: 'security', critical: true, inbox: true },
  family_card_held: { category: 'security', critical: true, inbox: true },
  family_card_hold_resolved: { category: 'payments', critical: false, inbox: true },
};

export function isPreferenceCategory(value: string): value is PreferenceCategory {
  return (PREFERENCE_CATEGORIES as readonly string[]).includes(value);
}
