/**
 * The ledger's public surface: accounts, transfers (direct, inside a caller's transaction, or
 * group-committed), hold expiry, reads. Built by `createLedger`; no module-level state.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Clock, Currency } from '../shared/index.ts';
import { assert, COMMON_ERRORS, DomainError, isCurrency, newId } from '../shared/index.ts';
import type { Database, LedgerAccountRow } from '../store/index.ts';
import { expireTransferId } from './apply-transfers.ts';
import { BATCH_ATTEMPTS_MAX, EXPIRE_HOLDS_PER_RUN_MAX, TRANSFERS_PER_BATCH_MAX } from './constants.ts';
import { LEDGER_ERRORS } from './errors.ts';
import type {
  Account,
  AccountBalance,
  AccountKind,
  AnyTransferRequest,
  LedgerEntry,
  TransferKind,
  TransferRequest,
  TransferResult,
} from './types.ts';
import { loadTransfers, writeBatch } from './write-batch.ts';

export interface LedgerDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Group commit: how many batches may be in flight at once (the pool size; 1 on PGlite). */
  readonly batchesInFlightMax: number;
}

export interface CreateAccountInput {
  readonly id?: string | undefined;
  readonly kind: AccountKind;
  readonly currency: Currency;
  readonly ownerId?: string | null | undefined;
  readonly label?: string | undefined;
  /** Credit lines: the granted limit. External funding: null (unbounded). Everything else: 0. */
  readonly negativeLimitMinor?: bigint | null | undefined;
}

/** Postgres errors after which the whole batch is simply tried again. */
const RETRYABLE_SQLSTATES = new Set([
  '40P01', // deadlock_detected: should not happen given the lock order, but is safe to retry
  '40001', // serialization_failure
  '23505', // unique_violation: a concurrent batch committed the same transfer id first
]);

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

export function balanceOf(account: Account): AccountBalance {
  const postedMinor = account.creditsPostedMinor - account.debitsPostedMinor;
  return {
    postedMinor,
    availableMinor: postedMinor - account.debitsPendingMinor + (account.negativeLimitMinor ?? 0n),
    pendingCreditsMinor: account.creditsPendingMinor,
    pendingDebitsMinor: account.debitsPendingMinor,
  };
}

export type Ledger = ReturnType<typeof createLedger>;

export function createLedger(deps: LedgerDeps) {
  const { db, clock } = deps;
  const batcher = new TransferBatcher((requests) => createTransfers(requests), deps.batchesInFlightMax);

  /** Applies transfers in order in one transaction of its own, retrying on conflicts. */
  async function createTransfers(requests: readonly AnyTransferRequest[]): Promise<TransferResult[]> {
    assert(requests.length <= TRANSFERS_PER_BATCH_MAX, 'batch within TRANSFERS_PER_BATCH_MAX');
    if (requests.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        // READ COMMITTED: each statement after the row locks sees what the lock holders committed.
        return await db
          .transaction()
          .setIsolationLevel('read committed')
          .execute((trx) => writeBatch(trx, requests, clock.nowMs()));
      } catch (error) {
        if (attempt >= BATCH_ATTEMPTS_MAX || !RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) throw error;
      }
    }
  }

  return {
    /** Applies client transfers in one transaction. Each result is a value: created, replayed or rejected. */
    createTransfers: (requests: readonly TransferRequest[]) => createTransfers(requests),

    /** The same inside a caller's transaction, so a use case commits its own rows with the money.
     *  The caller retries on conflict. */
    createTransfersInTransaction: (trx: Transaction<Database>, requests: readonly TransferRequest[]) => {
      assert(requests.length <= TRANSFERS_PER_BATCH_MAX, 'batch within TRANSFERS_PER_BATCH_MAX');
      return writeBatch(trx, requests, clock.nowMs());
    },

    /** One transfer, group-committed with whatever else is waiting (TigerBeetle-style batching). */
    submitTransfer: (request: TransferRequest) => batcher.submit(request),

    async createAccount(input: CreateAccountInput, trx?: Transaction<Database>): Promise<Account> {
      const negativeLimitMinor =
        input.negativeLimitMinor === undefined
          ? input.kind === 'external_funding'
            ? null
            : 0n
          : input.negativeLimitMinor;
      if (negativeLimitMinor !== 0n && input.kind !== 'external_funding' && input.kind !== 'credit_line') {
        throw new DomainError(LEDGER_ERRORS.NEGATIVE_NOT_ALLOWED);
      }
      if (input.kind === 'credit_line' && negativeLimitMinor === null) {
        throw new DomainError(LEDGER_ERRORS.NEGATIVE_NOT_ALLOWED);
      }
      if (!isCurrency(input.currency)) throw new DomainError(LEDGER_ERRORS.INVALID_CURRENCY);
      const row = await (trx ?? db)
        .insertInto('ledger_accounts')
        .values({
          id: input.id ?? newId('acc'),
          kind: input.kind,
          currency: input.currency,
          owner_id: input.ownerId ?? null,
          label: input.label ?? '',
          negative_limit_minor: negativeLimitMinor,
          created_at: new Date(clock.nowMs()),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new DomainError(LEDGER_ERRORS.ACCOUNT_EXISTS);
      return toAccount(row);
    },

    /**
     * Sets a credit line's granted limit (its floor), in the caller's transaction. The account row
     * is locked like a transfer locks it, so no payment slips between the check and the update.
     * A limit below what is owed (posted and pending debits beyond credits) is refused as a value.
     */
    async setCreditLimit(
      trx: Transaction<Database>,
      input: { accountId: string; limitMinor: bigint },
    ): Promise<{ status: 'set' } | { status: 'rejected'; reason: 'below_used' | 'not_a_credit_line' }> {
      assert(input.limitMinor >= 0n, 'a credit limit is not negative');
      const row = await trx
        .selectFrom('ledger_accounts')
        .selectAll()
        .where('id', '=', input.accountId)
        .forUpdate()
        .executeTakeFirst();
      if (row?.kind !== 'credit_line') return { status: 'rejected', reason: 'not_a_credit_line' };
      const usedMinor = row.debits_posted_minor + row.debits_pending_minor - row.credits_posted_minor;
      if (usedMinor > input.limitMinor) return { status: 'rejected', reason: 'below_used' };
      await trx
        .updateTable('ledger_accounts')
        .set({ negative_limit_minor: input.limitMinor })
        .where('id', '=', input.accountId)
        .execute();
      return { status: 'set' };
    },

    /** The platform's own account of a kind and currency, created on first use. */
    async systemAccount(kind: AccountKind, currency: Currency): Promise<Account> {
      const id = `sys:${kind}:${currency}`;
      const existing = await db
        .selectFrom('ledger_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (existing) return toAccount(existing);
      await db
        .insertInto('ledger_accounts')
        .values({
          id,
          kind,
          currency,
          owner_id: null,
          label: `Platform ${kind.replaceAll('_', ' ')} (${currency})`,
          negative_limit_minor: kind === 'external_funding' ? null : 0n,
          created_at: new Date(clock.nowMs()),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const row = await db
        .selectFrom('ledger_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return toAccount(row);
    },

    async getAccount(id: string): Promise<Account | undefined> {
      const row = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAccount(row) : undefined;
    },

    async getAccounts(ids: readonly string[]): Promise<Account[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('ledger_accounts')
        .selectAll()
        .where('id', 'in', ids)
        .orderBy('id')
        .execute();
      return rows.map(toAccount);
    },

    async getTransfer(id: string) {
      return (await loadTransfers(db, [id])).get(id)?.transfer;
    },

    /** Entries of the given accounts, newest first; `beforeEntryId` pages backwards. */
    async listEntries(input: {
      accountIds: readonly string[];
      limit: number;
      beforeEntryId?: bigint | undefined;
    }): Promise<LedgerEntry[]> {
      if (input.accountIds.length === 0) return [];
      let query = db
        .selectFrom('ledger_entries as e')
        .innerJoin('ledger_transfers as t', 't.id', 'e.transfer_id')
        .select([
          'e.id',
          'e.transfer_id',
          't.kind',
          't.code',
          'e.account_id',
          'e.side',
          'e.currency',
          'e.pending_delta_minor',
          'e.posted_delta_minor',
          'e.created_at',
        ])
        .where('e.account_id', 'in', input.accountIds)
        .orderBy('e.id', 'desc')
        .limit(input.limit);
      if (input.beforeEntryId !== undefined) query = query.where('e.id', '<', input.beforeEntryId);
      const rows = await query.execute();
      return rows.map((row) => {
        const currency = row.currency;
        assert(isCurrency(currency), 'entry currency known');
        return {
          id: row.id,
          transferId: row.transfer_id,
          transferKind: row.kind as TransferKind,
          code: row.code,
          accountId: row.account_id,
          side: row.side,
          currency,
          pendingDeltaMinor: row.pending_delta_minor,
          postedDeltaMinor: row.posted_delta_minor,
          createdAt: row.created_at,
        };
      });
    },

    /** Voids holds past their deadline. Returns how many it expired; call until it returns 0. */
    async expireHolds(): Promise<number> {
      const nowMs = clock.nowMs();
      const due = await db
        .selectFrom('ledger_holds')
        .select('transfer_id')
        .where('state', '=', 'pending')
        .where('expires_at', '<=', new Date(nowMs))
        .orderBy('expires_at')
        .limit(EXPIRE_HOLDS_PER_RUN_MAX)
        .execute();
      if (due.length === 0) return 0;
      const results = await createTransfers(
        due.map((hold) => ({
          id: expireTransferId(hold.transfer_id),
          kind: 'expire_pending' as const,
          pendingId: hold.transfer_id,
          code: 'hold_expired' as const,
        })),
      );
      return results.filter((r) => r.status === 'created').length;
    },

    /** Waits for group-committed transfers in flight (shutdown). */
    drain: () => batcher.drain(),
  };
}

export function toAccount(row: LedgerAccountRow): Account {
  const currency = row.currency;
  assert(isCurrency(currency), 'account currency known');
  return {
    id: row.id,
    kind: row.kind as AccountKind,
    currency,
    ownerId: row.owner_id,
    label: row.label,
    negativeLimitMinor: row.negative_limit_minor,
    debitsPendingMinor: row.debits_pending_minor,
    debitsPostedMinor: row.debits_posted_minor,
    creditsPendingMinor: row.credits_pending_minor,
    creditsPostedMinor: row.credits_posted_minor,
    createdAt: row.created_at,
  };
}

/** Outstanding submissions at most: past it callers get a retryable 503 instead of queueing
 *  without bound (memory) and timing out anyway. */
export const BATCHER_QUEUE_MAX = 50_000;

interface Waiting {
  readonly request: TransferRequest;
  readonly resolve: (result: TransferResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while a batch is being written wait for the next one, so
 * under load one commit carries hundreds of transfers; when idle a request is written at once.
 */
class TransferBatcher {
  readonly #queue: Waiting[] = [];
  #inFlight = 0;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly apply: (requests: readonly AnyTransferRequest[]) => Promise<TransferResult[]>,
    private readonly inFlightMax: number,
  ) {
    assert(inFlightMax >= 1, 'at least one batch in flight');
  }

  submit(request: TransferRequest): Promise<TransferResult> {
    if (this.#queue.length >= BATCHER_QUEUE_MAX) {
      return Promise.reject(new DomainError(COMMON_ERRORS.UNAVAILABLE));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#pump();
    });
  }

  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.inFlightMax && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, TRANSFERS_PER_BATCH_MAX);
      this.#inFlight++;
      this.apply(batch.map((w) => w.request))
        .then(
          (results) => {
            assert(results.length === batch.length, 'one result per request');
            for (const [i, waiting] of batch.entries()) waiting.resolve(results[i]!);
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error);
          },
        )
        .finally(() => {
          this.#inFlight--;
          this.#pump();
          if (this.#inFlight === 0 && this.#queue.length === 0) {
            for (const wake of this.#idleWaiters.splice(0)) wake();
          }
        });
    }
  }
}
