/**
 * What identity needs from outside, as interfaces. main.ts passes implementations from notify/
 * and geo/, so identity never imports another domain module.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';

export type Executor = Kysely<Database> | Transaction<Database>;
export type Locale = 'zh-CN' | 'en';

export const NOTIFICATION_TEMPLATES = [
  'otp_code', // vars: code, purpose, minutes
  'sign_up_existing', // someone tried to sign up with this phone/e-mail
  'new_sign_in', // vars: device, location, time, notMeUrl
  'security_change', // vars: change (password|payment_password|phone|email|totp|backup_codes|passkey|limits), time, action?
  'account_locked', // vars: until
  'payment_locked', // vars: until
  'account_frozen', // vars: reason, time
  'account_unfrozen', // vars: time
  'recovery_update', // vars: step, time; cancelUrl? (issue 7: manual recovery and its cool-down)
  'claim_update', // vars: status, claim, time (issue 7: loss claims)
  'payment_sent', // vars: amountMinor, currency, counterparty (masked name or merchant), time
  'payment_received', // vars: amountMinor, currency, counterparty (payer's masked name), time
  'risk_challenge', // vars: action (payment|sign_in|security_change), time — issue 5
  'risk_declined', // vars: action, time
  'payment_held', // vars: amountMinor, currency, until
  'withdrawal_held', // vars: amountMinor, currency, until (the review deadline) — a withdrawal in risk review
  'payment_hold_resolved', // vars: amountMinor, currency, outcome (approved|rejected|expired)
  'credit_bill_issued', // vars: amountMinor, currency (what the bill asks), until (due instant)
  'credit_bill_overdue', // vars: amountMinor, currency (still unpaid), until (when it fell due)
  'agreement_signed', // vars: merchant, amountMinor + currency (the monthly cap), time
  'agreement_debited', // vars: merchant, amountMinor, currency, time
  'family_card_offered', // to the member; vars: counterparty (owner's masked name), amountMinor + currency (monthly cap), time
  'family_card_used', // to the owner; vars: counterparty (member's masked name), merchant, amountMinor, currency, time
  'agreement_debit_stopped', // to the user; vars: merchant, amountMinor, currency, time — a debit the risk engine stopped
  'family_card_held', // to owner and member; vars: counterparty (member's masked name), merchant, amountMinor, currency, until
  'family_card_hold_resolved', // to owner and member; vars: merchant, amountMinor, currency, outcome (approved|rejected|expired)
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

export interface NotificationRequest {
  readonly userId: string | null;
  readonly channel: 'sms' | 'email' | 'in_app';
  readonly destination: string;
  readonly template: NotificationTemplate;
  readonly locale: Locale;
  readonly vars: Readonly<Record<string, string>>;
}

export interface Notifier {
  /** Writes the message to the outbox in the caller's transaction; delivery happens after commit. */
  enqueue(executor: Executor, request: NotificationRequest): Promise<void>;
}

export interface GeoLocation {
  readonly country: string | null;
  readonly city: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
}

export interface GeoLocator {
  locate(ip: string): GeoLocation | null;
}

export type RateLimitResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface RateLimiter {
  /** Takes one point from `key`'s budget in the named bucket. */
  consume(bucket: RateLimitBucket, key: string): Promise<RateLimitResult>;
}

export const RATE_LIMIT_BUCKETS = [
  'credential_ip',
  'credential_account',
  'code_send',
  'code_verify',
] as const;
export type RateLimitBucket = (typeof RATE_LIMIT_BUCKETS)[number];

/**
 * Issue 5: the risk engine's say on a sign-in whose password was right, asked before a session or
 * a challenge is made. main.ts connects the engine; without one, identity's own checks decide.
 * challenge (and review) force a second factor; deny refuses the sign-in; freeze freezes the
 * account as well.
 */
export interface SignInRiskPort {
  assess(input: {
    readonly userId: string;
    readonly ip: string;
    readonly deviceKey: string | undefined;
    readonly country: string | null;
    readonly latitude: number | null;
    readonly longitude: number | null;
    readonly knownDevice: boolean;
    /** identity's own reasons (new_device, new_country, impossible_travel, …). */
    readonly reasons: readonly string[];
    readonly nowMs: number;
  }): Promise<{
    readonly decision: 'allow' | 'challenge' | 'review' | 'deny';
    readonly freeze: boolean;
    readonly reasons: readonly string[];
  }>;
}

/**
 * Issue 5 point 1: the security changes the risk engine scores before they take effect. Identity
 * asks for its own (passwords, phone, e-mail); payments' limit raise and password-free, the
 * factor removals and the security lock are asked through `security.guardChange` by their callers.
 */
export const SECURITY_CHANGES = [
  'password',
  'payment_password',
  'phone',
  'email',
  'totp_removed',
  'passkey_removed',
  'limits_raised',
  'password_free_on',
  'security_lock_off',
] as const;
export type SecurityChange = (typeof SECURITY_CHANGES)[number];

/**
 * The risk engine's say on a security change (main.ts connects it; absent, the step-up the route
 * already requires decides alone). challenge → a fresh second-factor step-up (not the payment
 * password) must exist in this session; review → refused, "contact customer service", a case
 * opens; deny → refused; freeze → refused and the account frozen.
 */
export interface SecurityChangeRiskPort {
  assess(input: {
    readonly userId: string;
    readonly change: SecurityChange;
    readonly sessionId: string;
    readonly ip: string;
    readonly deviceKey: string | undefined;
    readonly country: string | null;
    /** When the user first signed in on this device; null: a device never seen (API client). */
    readonly deviceFirstSeenAtMs: number | null;
    /** The last password/phone/e-mail change or factor removal before this one, if any. */
    readonly lastSecurityChangeAtMs: number | null;
    readonly nowMs: number;
  }): Promise<{
    readonly decision: 'allow' | 'challenge' | 'review' | 'deny';
    readonly freeze: boolean;
    readonly reasons: readonly string[];
    readonly eventId: string;
  }>;
}

/**
 * Issue 5: each wrong payment-password entry, told to the risk engine after it was counted (the
 * `payment_password_guessing` rule reads them; docs/risk.md). Nothing to decide: the entry was
 * already refused. main.ts connects the engine; absent, nothing is told. Must not throw: a report
 * that fails never changes the user's answer (the implementation logs it).
 */
export interface PaymentPasswordRiskPort {
  failed(input: {
    readonly userId: string;
    /** The `payment_password_failed` security event's id: one failure, one risk event id. */
    readonly securityEventId: bigint;
    /** As the security event records them (no device key: it does not), so that a boot's replay
     *  of the recorded failures rebuilds exactly what the live reports left. */
    readonly ip: string;
    readonly country: string | null;
    readonly nowMs: number;
  }): Promise<void>;
}
