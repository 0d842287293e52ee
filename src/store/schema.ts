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

export interface UsersTable {
  id: string;
  phone_e164: string;
  display_name: string;
  login_password_hash: string;
  created_at: Timestamp;
}

export interface SessionsTable {
  token_sha256: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  user_agent: string | null;
  ip: string | null;
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

export interface Database {
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_entries: LedgerEntriesTable;
  ledger_holds: LedgerHoldsTable;
  users: UsersTable;
  sessions: SessionsTable;
  wallets: WalletsTable;
  merchants: MerchantsTable;
}

export type LedgerAccountRow = Selectable<LedgerAccountsTable>;
export type LedgerTransferRow = Selectable<LedgerTransfersTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;
export type NewLedgerEntry = Insertable<LedgerEntriesTable>;
