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
  confirmation: 'none' | 'payment_password' | 'passkey_or_payment_password';
  risk_decision: 'allow' | 'challenge' | 'review' | 'deny';
  risk_level: 'low' | 'medium' | 'high';
  risk_reasons: ColumnType<string[], string | undefined, string>;
  status: 'awaiting_confirmation' | 'succeeded' | 'expired';
  confirmed_by: Nullable<'none' | 'payment_password' | 'passkey'>;
  transfer_id: Nullable<string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  confirmed_at: Nullable<Date>;
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
  job_schedule: JobScheduleTable;
  event_outbox: EventOutboxTable;
  event_consumptions: EventConsumptionsTable;
  event_account_activity: EventAccountActivityTable;
}

export type LedgerAccountRow = Selectable<LedgerAccountsTable>;
export type LedgerTransferRow = Selectable<LedgerTransfersTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;
export type NewLedgerEntry = Insertable<LedgerEntriesTable>;
