/**
 * The database schema as Kysely sees it. int8 columns are `bigint` on both stores: the store
 * module installs the parsers (PGlite `parsers`, pg `setTypeParser`) so no caller ever sees a
 * number or a string for money.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

export interface LedgerAccountsTable {
  id: string;
  kind: string;
  currency: string;
  owner_id: string | null;
  label: string;
  /** null: may go negative without bound (external funding); 0: never negative. */
  negative_limit_minor: bigint | null;
  debits_pending_minor: ColumnType<bigint, bigint | undefined, bigint>;
  debits_posted_minor: ColumnType<bigint, bigint | undefined, bigint>;
  credits_pending_minor: ColumnType<bigint, bigint | undefined, bigint>;
  credits_posted_minor: ColumnType<bigint, bigint | undefined, bigint>;
  created_at: Timestamp;
}

export interface LedgerTransfersTable {
  seq: Generated<bigint>;
  id: string;
  kind: string;
  pending_id: string | null;
  code: string;
  user_data: string | null;
  expires_at: Timestamp | null;
  fields_sha256: string;
  created_at: Timestamp;
}

export interface LedgerEntriesTable {
  id: Generated<bigint>;
  transfer_id: string;
  leg_index: number;
  account_id: string;
  side: 'D' | 'C';
  currency: string;
  pending_delta_minor: bigint;
  posted_delta_minor: bigint;
  created_at: Timestamp;
}

export interface LedgerHoldsTable {
  transfer_id: string;
  state: string;
  expires_at: Timestamp | null;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
}

type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface UsersTable {
  id: string;
  phone_e164: string;
  display_name: string;
  login_password_hash: string;
  created_at: Timestamp;
  email: Nullable<string>;
  phone_verified_at: Nullable<Date>;
  email_verified_at: Nullable<Date>;
  /** ISO date (YYYY-MM-DD) as text on both stores. */
  birth_date: Nullable<string>;
  locale: Defaulted<string>;
  payment_password_hash: Nullable<string>;
  payment_failures: Defaulted<number>;
  payment_locked_until: Nullable<Date>;
  password_changed_at: Nullable<Date>;
  phone_changed_at: Nullable<Date>;
  frozen_at: Nullable<Date>;
  frozen_reason: Nullable<string>;
  /** 0012: when the person picked `locale` in the app (null: set implicitly at sign-up). */
  locale_chosen_at: Nullable<Date>;
}

export interface SessionsTable {
  id: string;
  token_sha256: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  user_agent: string | null;
  ip: string | null;
  device_id: Nullable<string>;
  step_up_at: Nullable<Date>;
  auth_methods: Defaulted<string>;
  country: Nullable<string>;
  city: Nullable<string>;
}

export interface LoginLockoutsTable {
  phone_e164: string;
  failures: Defaulted<number>;
  last_failure_at: Nullable<Date>;
  locked_until: Nullable<Date>;
}

export interface OneTimeCodesTable {
  id: string;
  purpose: string;
  channel: 'sms' | 'email';
  destination: string;
  user_id: string | null;
  subject_id: string | null;
  code_sha256: string;
  attempts: Defaulted<number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Nullable<Date>;
}

export interface SignUpAttemptsTable {
  id: string;
  phone_e164: string;
  email: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  completed_at: Nullable<Date>;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  key_sha256: string;
  name: string;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  last_ip: string | null;
  last_country: string | null;
  last_city: string | null;
  last_lat: number | null;
  last_lon: number | null;
  revoked_at: Nullable<Date>;
}

export interface SignInChallengesTable {
  id: string;
  token_sha256: string;
  user_id: string;
  device_id: string | null;
  reasons: string;
  ip: string | null;
  country: string | null;
  city: string | null;
  lat: number | null;
  lon: number | null;
  user_agent: string | null;
  attempts: Defaulted<number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  completed_at: Nullable<Date>;
}

export interface TotpFactorsTable {
  user_id: string;
  secret_encrypted: string;
  confirmed_at: Nullable<Date>;
  last_used_step: Nullable<bigint>;
  created_at: Timestamp;
}

export interface BackupCodesTable {
  id: string;
  user_id: string;
  code_sha256: string;
  created_at: Timestamp;
  used_at: Nullable<Date>;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: Defaulted<bigint>;
  transports: string | null;
  device_type: string | null;
  backed_up: Defaulted<boolean>;
  name: string;
  created_at: Timestamp;
  last_used_at: Nullable<Date>;
}

export interface WebauthnChallengesTable {
  id: string;
  user_id: string | null;
  purpose: string;
  challenge: string;
  subject_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Nullable<Date>;
}

export interface SecurityEventsTable {
  id: Generated<bigint>;
  user_id: string | null;
  type: string;
  device_id: string | null;
  session_id: string | null;
  ip: string | null;
  country: string | null;
  city: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface AlertLinksTable {
  token_sha256: string;
  user_id: string;
  security_event_id: bigint | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Nullable<Date>;
}

export interface NotificationOutboxTable {
  id: Generated<bigint>;
  user_id: string | null;
  channel: 'sms' | 'email' | 'in_app';
  destination: string;
  template: string;
  locale: string;
  subject: string;
  body: string;
  created_at: Timestamp;
  next_attempt_at: Timestamp;
  attempts: Defaulted<number>;
  sent_at: Nullable<Date>;
  failed_at: Nullable<Date>;
  last_error: Nullable<string>;
}

export interface WalletsTable {
  user_id: string;
  currency: string;
  account_id: string;
  created_at: Timestamp;
}

export interface MerchantsTable {
  id: string;
  name: string;
  settlement_account_id: string;
  currency: string;
  created_at: Timestamp;
  /** When an operator checked the merchant's name (0012); null: not verified. */
  verified_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PaymentIntentsTable {
  id: string;
  payer_id: string;
  client_request_id: string;
  channel: 'balance' | 'bank_card' | 'credit_line';
  payee_kind: 'user' | 'merchant';
  payee_ref: string;
  payee_user_id: string | null;
  payee_merchant_id: string | null;
  payee_name: string;
  payer_account_id: string;
  payee_account_id: string;
  amount_minor: bigint;
  currency: string;
  note: string | null;
  risk_decision: 'allow' | 'challenge' | 'review' | 'deny';
  risk_level: 'low' | 'medium' | 'high';
  risk_reasons: ColumnType<string[], string | undefined, string>;
  transfer_id: Nullable<string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  confirmed_at: Nullable<Date>;
  /** 0012: the payer must acknowledge an anti-fraud warning before confirming. */
  fraud_warning: ColumnType<boolean, boolean | undefined, boolean>;
  warning_acknowledged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  confirmation:
    | 'none'
    | 'payment_password'
    | 'passkey_or_payment_password'
    | 'payment_password_and_second_factor';
  /** 0018: `cancelled` by the payer before confirming (terminal), with `cancelled_at`. */
  status: 'awaiting_confirmation' | 'succeeded' | 'expired' | 'in_review' | 'declined' | 'cancelled';
  confirmed_by: Nullable<
    'none' | 'payment_password' | 'passkey' | 'payment_password_and_sms' | 'payment_password_and_passkey'
  >;
  /** Issue 5: the pending ledger transfer of a payment held for review, and its deadline. */
  hold_transfer_id: Defaulted<string | null>;
  review_deadline_at: Defaulted<Date | null>;
  risk_event_id: Defaulted<string | null>;
  cancelled_at: Defaulted<Date | null>;
}

export interface PaymentLimitsTable {
  user_id: string;
  channel: 'balance' | 'bank_card' | 'credit_line';
  per_payment_minor: bigint;
  per_day_minor: bigint;
  updated_at: Timestamp;
}

export interface PasswordFreeSettingsTable {
  user_id: string;
  enabled: boolean;
  per_payment_cap_minor: bigint;
  daily_cap_minor: bigint;
  updated_at: Timestamp;
}

export interface PaymentDailyUsageTable {
  user_id: string;
  /** The payment day in Beijing time, YYYY-MM-DD. */
  day: string;
  balance_minor: Defaulted<bigint>;
  bank_card_minor: Defaulted<bigint>;
  credit_line_minor: Defaulted<bigint>;
  password_free_minor: Defaulted<bigint>;
}

export interface PaymentAuditTable {
  id: Generated<bigint>;
  user_id: string;
  intent_id: string | null;
  type: string;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface FundingCardsTable {
  id: string;
  user_id: string;
  /** Random: what the bank connector is given instead of the number. */
  token: string;
  last4: string;
  brand: string;
  bank: string | null;
  /** HMAC-SHA-256 of the number (key outside the database): duplicate detection only. */
  number_hmac: string;
  created_at: Timestamp;
  removed_at: Nullable<Date>;
}

export interface FundingOperationsTable {
  id: string;
  user_id: string;
  client_request_id: string;
  kind: 'top_up' | 'withdrawal';
  card_id: string;
  wallet_account_id: string;
  amount_minor: bigint;
  currency: string;
  hold_transfer_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_reason: Nullable<string>;
  bank_reference: Nullable<string>;
  next_check_at: Timestamp;
  connector_attempts: Defaulted<number>;
  resolve_transfer_id: Nullable<string>;
  created_at: Timestamp;
  settled_at: Nullable<Date>;
  /** Issue 5: held for a risk review until an operator decides or this deadline passes. */
  review_deadline_at: Defaulted<Date | null>;
  risk_event_id: Defaulted<string | null>;
}

export interface CreditLinesTable {
  user_id: string;
  /** A `credit_line` ledger account; its negative limit is the granted limit. */
  account_id: string;
  currency: string;
  limit_minor: bigint;
  granted_at: Timestamp;
  updated_at: Timestamp;
}

export interface CreditBillsTable {
  id: string;
  user_id: string;
  /** The month billed, YYYY-MM (Beijing time). */
  period: string;
  currency: string;
  amount_minor: bigint;
  repaid_minor: Defaulted<bigint>;
  statement_at: Timestamp;
  due_at: Timestamp;
  status: 'open' | 'paid' | 'overdue';
  overdue_at: Nullable<Date>;
  paid_at: Nullable<Date>;
}

export interface CreditRepaymentsTable {
  id: string;
  user_id: string;
  client_request_id: string;
  amount_minor: bigint;
  currency: string;
  transfer_id: string;
  created_at: Timestamp;
}

export interface CreditAuditTable {
  id: Generated<bigint>;
  user_id: string;
  type: 'granted' | 'limit_changed' | 'repaid';
  details: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
}

export interface SecurityLocksTable {
  user_id: string;
  enabled: boolean;
  cooling_off_ms: bigint;
  night_enabled: boolean;
  night_start_minute: number;
  night_end_minute: number;
  /** IANA time zone of the night window. */
  time_zone: string;
  updated_at: Timestamp;
}

export interface SecurityLockPayeesTable {
  user_id: string;
  payee_account_id: string;
  first_named_at: Timestamp;
}

export interface AgreementsTable {
  id: string;
  user_id: string;
  merchant_id: string;
  external_agreement_no: string;
  purpose: string;
  per_debit_cap_minor: bigint;
  monthly_cap_minor: bigint;
  currency: string;
  status: 'pending' | 'active' | 'cancelled' | 'suspended';
  created_at: Timestamp;
  request_expires_at: Timestamp;
  signed_at: Nullable<Date>;
  cancelled_at: Nullable<Date>;
  cancelled_by: Nullable<'user' | 'merchant'>;
  suspended_at: Nullable<Date>;
  last_used_at: Nullable<Date>;
  reviewed_at: Nullable<Date>;
}

export interface AgreementDebitsTable {
  id: string;
  agreement_id: string;
  idempotency_key: string;
  amount_minor: bigint;
  currency: string;
  /** The Beijing-time month the debit counts against, YYYY-MM. */
  month: string;
  transfer_id: string;
  created_at: Timestamp;
}

export interface FamilyCardsTable {
  id: string;
  owner_id: string;
  member_id: string;
  monthly_cap_minor: bigint;
  currency: string;
  status: 'pending' | 'active' | 'cancelled' | 'suspended';
  created_at: Timestamp;
  accepted_at: Nullable<Date>;
  cancelled_at: Nullable<Date>;
  cancelled_by: Nullable<string>;
  suspended_at: Nullable<Date>;
  last_used_at: Nullable<Date>;
}

export interface FamilyCardPaymentsTable {
  id: string;
  card_id: string;
  member_id: string;
  client_request_id: string;
  merchant_id: string;
  amount_minor: bigint;
  currency: string;
  month: string;
  /** The transfer that holds or moved the money last: the payment, or a review's hold, post or void. */
  transfer_id: string;
  created_at: Timestamp;
  /** 0020-family-card-review: a payment held for review waits (`in_review`) or ends `declined`. */
  status: Defaulted<'succeeded' | 'in_review' | 'declined'>;
  hold_transfer_id: Defaulted<string | null>;
  review_deadline_at: Defaulted<Date | null>;
  risk_event_id: Defaulted<string | null>;
}

export interface AuthorisedAppsTable {
  id: string;
  user_id: string;
  merchant_id: string;
  app_id: string;
  app_name: string;
  /** Space-separated OAuth-style scopes, e.g. "auth_base auth_user". */
  scopes: string;
  granted_at: Timestamp;
  last_used_at: Nullable<Date>;
  revoked_at: Nullable<Date>;
}

export interface IdentityRecordsTable {
  user_id: string;
  key_id: string;
  wrapped_dek: string;
  real_name_sealed: string;
  id_number_sealed: string;
  id_number_hmac: string;
  id_masked: string;
  name_masked: string;
  verified_at: Timestamp;
}

export interface RecoveryAttemptsTable {
  id: string;
  token_sha256: string;
  kind: 'freeze' | 'unfreeze' | 'forgot_login' | 'forgot_payment' | 'operator_unfreeze' | 'stolen_report';
  user_id: string | null;
  attempts: Defaulted<number>;
  human_answer_hmac: Nullable<string>;
  code_verified_at: Nullable<Date>;
  suspected_since: Nullable<Date>;
  created_at: Timestamp;
  expires_at: Timestamp;
  completed_at: Nullable<Date>;
}

export interface ManualRecoveriesTable {
  id: string;
  user_id: string | null;
  status: 'pending_review' | 'approved' | 'rejected' | 'cancelled' | 'completed' | 'failed';
  new_phone_e164: string;
  identity_matches: boolean;
  details_sealed: string;
  status_token_sha256: string;
  cancel_token_sha256: Nullable<string>;
  created_at: Timestamp;
  reviewed_by: Nullable<string>;
  reviewed_at: Nullable<Date>;
  review_note: Nullable<string>;
  cooldown_until: Nullable<Date>;
  finished_at: Nullable<Date>;
}

export interface ManualRecoveryDocumentsTable {
  id: string;
  recovery_id: string;
  mime: string;
  size_bytes: number;
  key_id: string;
  wrapped_dek: string;
  created_at: Timestamp;
}

export interface OperatorsTable {
  id: string;
  username: string;
  display_name: string;
  role: 'agent' | 'risk_analyst' | 'supervisor' | 'auditor';
  password_hash: string;
  totp_secret_sealed: string;
  totp_last_step: Defaulted<bigint>;
  failures: Defaulted<number>;
  locked_until: Nullable<Date>;
  disabled_at: Nullable<Date>;
  created_at: Timestamp;
}

export interface OperatorSessionsTable {
  id: string;
  token_sha256: string;
  operator_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Nullable<Date>;
}

/** An operator's passkey (0015-operator-passkeys); the id is the WebAuthn credential id. */
export interface OperatorPasskeysTable {
  id: string;
  operator_id: string;
  public_key: Uint8Array;
  counter: Defaulted<bigint>;
  transports: string | null;
  name: string;
  created_at: Timestamp;
  last_used_at: Nullable<Date>;
}

export interface OperatorWebauthnChallengesTable {
  id: string;
  operator_id: string | null;
  purpose: 'register' | 'sign_in';
  challenge: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Nullable<Date>;
}

export interface LossClaimsTable {
  id: string;
  user_id: string;
  status: 'submitted' | 'awaiting_second' | 'paid' | 'rejected';
  suspected_since: Timestamp;
  credentials_shared: boolean;
  statement: string;
  total_minor: bigint;
  currency: string;
  eligibility: ColumnType<Record<string, unknown>, string, string>;
  first_approver: Nullable<string>;
  decided_by: Nullable<string>;
  decided_at: Nullable<Date>;
  decision_note: Nullable<string>;
  payout_transfer_id: Nullable<string>;
  paid_minor: Nullable<bigint>;
  created_at: Timestamp;
}

export interface LossClaimItemsTable {
  claim_id: string;
  transfer_id: string;
  kind: string;
  amount_minor: bigint;
  currency: string;
  occurred_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<bigint>;
  actor_kind: 'user' | 'operator' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  user_id: string | null;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface InboxMessagesTable {
  id: Generated<bigint>;
  user_id: string;
  category: 'security' | 'payments' | 'bills' | 'claims' | 'announcements';
  template: string;
  critical: boolean;
  notice_key: string;
  announcement_id: bigint | null;
  title_en: string;
  body_en: string;
  title_zh: string;
  body_zh: string;
  created_at: Timestamp;
  read_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface NotificationPreferencesTable {
  user_id: string;
  category: 'payments' | 'bills' | 'claims' | 'announcements';
  channel: 'sms' | 'email' | 'in_app';
  enabled: boolean;
  updated_at: Timestamp;
}

export interface AnnouncementsTable {
  id: Generated<bigint>;
  title_en: string;
  body_en: string;
  title_zh: string;
  body_zh: string;
  segment: 'all' | 'locale_en' | 'locale_zh' | 'no_passkey' | 'no_totp';
  publish_at: Timestamp;
  created_at: Timestamp;
  withdrawn_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SecurityQuizResultsTable {
  user_id: string;
  score: number;
  questions: number;
  completed_at: Timestamp;
}

export interface GatewayMerchantsTable {
  merchant_id: string;
  status: 'pending' | 'approved' | 'suspended';
  contact_email: Nullable<string>;
  fee_rate_bp: number;
  created_at: Timestamp;
  approved_at: Nullable<Date>;
}

export interface GatewayAppsTable {
  app_id: string;
  merchant_id: string;
  name: string;
  status: 'active' | 'disabled';
  merchant_public_key_pem: string;
  ip_allow_list: ColumnType<string[], string | undefined, string>;
  console_token_sha256: string;
  created_at: Timestamp;
}

export interface GatewayPlatformKeysTable {
  id: string;
  app_id: string;
  public_key_pem: string;
  private_key_sealed: string;
  signs_from: Timestamp;
  created_at: Timestamp;
}

export type GatewayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

export interface GatewayTradesTable {
  trade_no: string;
  app_id: string;
  merchant_id: string;
  out_trade_no: string;
  method: string;
  fingerprint: string;
  subject: string;
  body: Nullable<string>;
  product_code: string;
  total_minor: bigint;
  currency: string;
  status: GatewayTradeStatus;
  notify_url: Nullable<string>;
  return_url: Nullable<string>;
  passback_params: Nullable<string>;
  buyer_user_id: Nullable<string>;
  buyer_account_id: Nullable<string>;
  paid_intent_id: Nullable<string>;
  fee_minor: Defaulted<bigint>;
  refunded_minor: Defaulted<bigint>;
  fee_refunded_minor: Defaulted<bigint>;
  qr_code: Nullable<string>;
  expires_at: Timestamp;
  created_at: Timestamp;
  paid_at: Nullable<Date>;
  closed_at: Nullable<Date>;
  /** 0014: when the refundable period ended and the trade became TRADE_FINISHED. */
  finished_at: Nullable<Date>;
}

/** 0014: an alipay.user.agreement.page.sign request waiting for a signed-in user to claim it. */
export interface GatewayAgreementSignsTable {
  id: string;
  app_id: string;
  merchant_id: string;
  external_agreement_no: string;
  personal_product_code: string;
  sign_scene: string;
  purpose: string;
  per_debit_cap_minor: bigint;
  monthly_cap_minor: bigint;
  notify_url: Nullable<string>;
  return_url: Nullable<string>;
  user_id: Nullable<string>;
  agreement_id: Nullable<string>;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** 0014: a trade paid by an agreement debit (idempotency key: the trade_no). */
export interface GatewayAgreementTradesTable {
  trade_no: string;
  agreement_id: string;
  state: 'open' | 'settled' | 'duplicate_refunded' | 'void';
  debit_id: Nullable<string>;
  created_at: Timestamp;
}

export interface GatewayTradeAttemptsTable {
  intent_id: string;
  trade_no: string;
  payer_id: string;
  state: 'open' | 'settled' | 'duplicate_refunded' | 'void';
  created_at: Timestamp;
}

export interface GatewayRefundsTable {
  trade_no: string;
  out_request_no: string;
  amount_minor: bigint;
  fee_back_minor: bigint;
  reason: Nullable<string>;
  transfer_id: string;
  created_at: Timestamp;
}

export interface GatewayNotificationsTable {
  id: string;
  notify_id: string;
  app_id: string;
  /** 0014: null for an agreement's notification (agreement_id set instead). */
  trade_no: Nullable<string>;
  agreement_id: Nullable<string>;
  url: string;
  fields: ColumnType<Record<string, string>, string, string>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Defaulted<number>;
  next_attempt_at: Timestamp;
  claimed_until: Nullable<Date>;
  last_error: Nullable<string>;
  created_at: Timestamp;
  delivered_at: Nullable<Date>;
  first_delivered_ms: Nullable<bigint>;
}

export interface GatewayNotifyAttemptsTable {
  notification_id: string;
  attempt: number;
  at: Timestamp;
  outcome: string;
}

export interface GatewayPayCodesTable {
  code_sha256: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Nullable<Date>;
  trade_no: Nullable<string>;
  created_at: Timestamp;
}

export interface GatewayV3NoncesTable {
  app_id: string;
  nonce: string;
  seen_at: Timestamp;
}

export interface AgreementAuditTable {
  id: Generated<bigint>;
  user_id: string;
  /** The agreement, family card or authorised app the row is about. */
  subject_id: string;
  type: string;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface RiskDecisionsTable {
  event_id: string;
  kind: string;
  user_id: string | null;
  event: ColumnType<unknown, string, string>;
  decision: 'allow' | 'challenge' | 'review' | 'deny';
  freeze_account: Defaulted<boolean>;
  outcome: 'decided' | 'engine_error' | 'malformed_event';
  score: number | null;
  reasons: ColumnType<string[], string, string>;
  feature_values: ColumnType<Record<string, number>, string, string>;
  rule_hits: ColumnType<unknown[], string, string>;
  model_version: string | null;
  rule_set_version: number | null;
  latency_us: number;
  label_fraud: Defaulted<boolean | null>;
  labelled_at: Defaulted<Date | null>;
  created_at: Timestamp;
}

export interface RiskRuleSetsTable {
  version: Generated<number>;
  body: ColumnType<unknown, string, string>;
  note: string | null;
  created_by: string;
  created_at: Timestamp;
}

export interface RiskListsTable {
  id: Generated<bigint>;
  list: 'allow' | 'block';
  subject: 'user' | 'device' | 'ip' | 'payee';
  value: string;
  reason: string;
  created_by: string;
  created_at: Timestamp;
  removed_at: Defaulted<Date | null>;
}

export interface RiskCasesTable {
  id: string;
  kind: 'payment_hold' | 'withdrawal_hold' | 'family_card_hold' | 'user_report' | 'alert';
  status: 'open' | 'closed';
  user_id: string | null;
  reporter_id: Defaulted<string | null>;
  event_id: Defaulted<string | null>;
  intent_id: Defaulted<string | null>;
  transfer_id: Defaulted<string | null>;
  payee_key: Defaulted<string | null>;
  reason: string;
  note: Defaulted<string | null>;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  assignee: Defaulted<string | null>;
  resolution: Defaulted<'approved' | 'rejected' | 'expired' | 'fraud' | 'not_fraud' | null>;
  deadline_at: Defaulted<Date | null>;
  created_at: Timestamp;
  closed_at: Defaulted<Date | null>;
  /** A withdrawal_hold's funding operation (0016-risk-coverage). */
  operation_id: Defaulted<string | null>;
  /** A family_card_hold's payment (0020-family-card-review). */
  family_card_payment_id: Defaulted<string | null>;
}

export interface RiskCaseActionsTable {
  id: Generated<bigint>;
  case_id: string;
  action: string;
  actor: string;
  note: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: Timestamp;
}

/** Periodic jobs claimed once per tick across processes (0013-scale-out). */
export interface JobScheduleTable {
  name: string;
  next_run_at: Timestamp;
  lease_until: Nullable<Date>;
  leased_by: Nullable<string>;
  runs: Defaulted<bigint>;
  last_finished_at: Nullable<Date>;
  last_error: Nullable<string>;
}

/** Domain events written by triggers in the state change's transaction (0013-scale-out). */
export interface EventOutboxTable {
  id: Generated<bigint>;
  event_id: string;
  subject: string;
  payload: unknown;
  created_at: Defaulted<Date>;
  published_at: Nullable<Date>;
  claimed_until: Nullable<Date>;
  attempts: Defaulted<number>;
}

export interface EventConsumptionsTable {
  consumer: string;
  event_id: string;
  consumed_at: Timestamp;
}

export interface EventAccountActivityTable {
  account_id: string;
  posted_events: Defaulted<bigint>;
  debited_minor: Defaulted<bigint>;
  credited_minor: Defaulted<bigint>;
  last_event_id: string;
  updated_at: Timestamp;
}

export interface Database {
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_entries: LedgerEntriesTable;
  ledger_holds: LedgerHoldsTable;
  users: UsersTable;
  sessions: SessionsTable;
  wallets: WalletsTable;
  merchants: MerchantsTable;
  login_lockouts: LoginLockoutsTable;
  one_time_codes: OneTimeCodesTable;
  sign_up_attempts: SignUpAttemptsTable;
  devices: DevicesTable;
  sign_in_challenges: SignInChallengesTable;
  totp_factors: TotpFactorsTable;
  backup_codes: BackupCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  security_events: SecurityEventsTable;
  alert_links: AlertLinksTable;
  notification_outbox: NotificationOutboxTable;
  payment_intents: PaymentIntentsTable;
  payment_limits: PaymentLimitsTable;
  password_free_settings: PasswordFreeSettingsTable;
  payment_daily_usage: PaymentDailyUsageTable;
  payment_audit: PaymentAuditTable;
  funding_cards: FundingCardsTable;
  funding_operations: FundingOperationsTable;
  credit_lines: CreditLinesTable;
  credit_bills: CreditBillsTable;
  credit_repayments: CreditRepaymentsTable;
  credit_audit: CreditAuditTable;
  security_locks: SecurityLocksTable;
  security_lock_payees: SecurityLockPayeesTable;
  agreements: AgreementsTable;
  agreement_debits: AgreementDebitsTable;
  family_cards: FamilyCardsTable;
  family_card_payments: FamilyCardPaymentsTable;
  authorised_apps: AuthorisedAppsTable;
  identity_records: IdentityRecordsTable;
  recovery_attempts: RecoveryAttemptsTable;
  manual_recoveries: ManualRecoveriesTable;
  manual_recovery_documents: ManualRecoveryDocumentsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  operator_passkeys: OperatorPasskeysTable;
  operator_webauthn_challenges: OperatorWebauthnChallengesTable;
  loss_claims: LossClaimsTable;
  loss_claim_items: LossClaimItemsTable;
  audit_log: AuditLogTable;
  inbox_messages: InboxMessagesTable;
  notification_preferences: NotificationPreferencesTable;
  announcements: AnnouncementsTable;
  security_quiz_results: SecurityQuizResultsTable;
  gateway_merchants: GatewayMerchantsTable;
  gateway_apps: GatewayAppsTable;
  gateway_platform_keys: GatewayPlatformKeysTable;
  gateway_trades: GatewayTradesTable;
  gateway_trade_attempts: GatewayTradeAttemptsTable;
  gateway_agreement_signs: GatewayAgreementSignsTable;
  gateway_agreement_trades: GatewayAgreementTradesTable;
  gateway_refunds: GatewayRefundsTable;
  gateway_notifications: GatewayNotificationsTable;
  gateway_notify_attempts: GatewayNotifyAttemptsTable;
  gateway_pay_codes: GatewayPayCodesTable;
  gateway_v3_nonces: GatewayV3NoncesTable;
  agreement_audit: AgreementAuditTable;
  risk_decisions: RiskDecisionsTable;
  risk_rule_sets: RiskRuleSetsTable;
  risk_lists: RiskListsTable;
  risk_cases: RiskCasesTable;
  risk_case_actions: RiskCaseActionsTable;
  job_schedule: JobScheduleTable;
  event_outbox: EventOutboxTable;
  event_consumptions: EventConsumptionsTable;
  event_account_activity: EventAccountActivityTable;
}

export type LedgerAccountRow = Selectable<LedgerAccountsTable>;
export type LedgerTransferRow = Selectable<LedgerTransfersTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;
export type NewLedgerEntry = Insertable<LedgerEntriesTable>;
