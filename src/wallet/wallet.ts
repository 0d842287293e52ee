/**
 * The customer's wallet: a ledger account per user and currency, its balances and its activity.
 * Moving money (top-up, transfer, pay, withdraw) arrives with issue 4; this is the read side
 * and the account opening every one of those stands on.
 */
import type { Kysely } from 'kysely';
import type { Account, AccountBalance, Ledger, LedgerEntry } from '../ledger/index.ts';
import { ACTIVITY_PAGE_MAX, balanceOf } from '../ledger/index.ts';
import type { Currency } from '../shared/index.ts';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface WalletAccount {
  readonly account: Account;
  readonly balance: AccountBalance;
}

export interface ActivityItem {
  readonly entryId: bigint;
  readonly transferId: string;
  readonly code: string;
  readonly direction: 'in' | 'out';
  readonly amountMinor: bigint;
  readonly currency: Currency;
  /** posted: money moved; pending: reserved or incoming hold; released: a hold voided/expired. */
  readonly status: 'posted' | 'pending' | 'released';
  readonly createdAt: Date;
}

export type Wallet = ReturnType<typeof createWallet>;

export function createWallet(deps: { db: Kysely<Database>; ledger: Ledger }) {
  const { db, ledger } = deps;

  async function walletAccountIds(userId: string): Promise<string[]> {
    const rows = await db.selectFrom('wallets').select('account_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.account_id);
  }

  return {
    /** Opens the user's wallet in a currency (idempotent: returns the existing one). */
    async openWallet(userId: string, currency: Currency): Promise<Account> {
      const existing = await db
        .selectFrom('wallets')
        .select('account_id')
        .where('user_id', '=', userId)
        .where('currency', '=', currency)
        .executeTakeFirst();
      if (existing) {
        const account = await ledger.getAccount(existing.account_id);
        assert(account, 'a wallet row points at a ledger account');
        return account;
      }
      return db.transaction().execute(async (trx) => {
        const account = await ledger.createAccount(
          { kind: 'wallet', currency, ownerId: userId, label: `Wallet (${currency})` },
          trx,
        );
        await trx
          .insertInto('wallets')
          .values({ user_id: userId, currency, account_id: account.id, created_at: account.createdAt })
          .execute();
        return account;
      });
    },

    async getWalletAccounts(userId: string): Promise<WalletAccount[]> {
      const accounts = await ledger.getAccounts(await walletAccountIds(userId));
      return accounts.map((account) => ({ account, balance: balanceOf(account) }));
    },

    /** Newest first. Each entry on one of the user's wallet accounts becomes one item. */
    async listActivity(input: { userId: string; limit: number; beforeEntryId?: bigint | undefined }) {
      assert(input.limit >= 1 && input.limit <= ACTIVITY_PAGE_MAX, 'activity page within bounds');
      const entries = await ledger.listEntries({
        accountIds: await walletAccountIds(input.userId),
        limit: input.limit + 1,
        beforeEntryId: input.beforeEntryId,
      });
      const page = entries.slice(0, input.limit).map(toActivityItem);
      const nextBefore = entries.length > input.limit ? (page[page.length - 1]?.entryId ?? null) : null;
      return { items: page, nextBefore };
    },
  };
}

function toActivityItem(entry: LedgerEntry): ActivityItem {
  const posted = entry.postedDeltaMinor;
  const pending = entry.pendingDeltaMinor;
  // A debit takes money out of a wallet; a credit brings it in.
  const direction = entry.side === 'D' ? 'out' : 'in';
  let status: ActivityItem['status'];
  let amountMinor: bigint;
  if (posted !== 0n) {
    status = 'posted';
    amountMinor = posted;
  } else if (pending > 0n) {
    status = 'pending';
    amountMinor = pending;
  } else {
    status = 'released';
    amountMinor = -pending;
  }
  assert(amountMinor > 0n, 'an entry moves a positive amount');
  return {
    entryId: entry.id,
    transferId: entry.transferId,
    code: entry.code,
    direction,
    amountMinor,
    currency: entry.currency,
    status,
    createdAt: entry.createdAt,
  };
}
