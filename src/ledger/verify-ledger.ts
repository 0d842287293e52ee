/**
 * `rampart ledger verify`: recomputes every invariant from the journal, read-only.
 *
 * 1. every transfer balances per currency (pending and posted, debits = credits);
 * 2. every account's cached balances equal the sums of its entries, in its own currency;
 * 3. no account below its floor, no pending amount below zero;
 * 4. holds: each pending transfer has one hold, each resolution matches the hold's state, and
 *    no hold is live past its deadline (plus a grace for the sweep);
 * 5. no journal row was edited: each transfer's fields hash is recomputed from its entries, and
 *    the append-only triggers are in place.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/index.ts';
import { fieldsSha256 } from './apply-transfers.ts';
import { HOLD_EXPIRY_GRACE_MS } from './constants.ts';
import type { TransferKind } from './types.ts';
import { loadLegs } from './write-batch.ts';

export interface Violation {
  readonly check: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly transfersChecked: number;
  readonly entriesChecked: number;
  readonly accountsChecked: number;
  readonly holdsChecked: number;
  readonly violations: readonly Violation[];
}

/** Verification stops collecting after this many violations: one is enough to fail, a hundred
 *  are enough to diagnose. */
const VIOLATIONS_MAX = 100;
const TRANSFERS_PER_PAGE = 2000;

export async function verifyLedger(
  db: Kysely<Database>,
  options: { nowMs: number; onProgress?: (done: number, total: number) => void },
): Promise<VerifyReport> {
  const violations: Violation[] = [];
  const add = (check: string, detail: string) => {
    if (violations.length < VIOLATIONS_MAX) violations.push({ check, detail });
  };

  const unbalanced = await sql<{ transfer_id: string; currency: string }>`
    SELECT transfer_id, currency FROM ledger_entries GROUP BY transfer_id, currency
    HAVING sum(CASE side WHEN 'D' THEN posted_delta_minor ELSE -posted_delta_minor END) <> 0
        OR sum(CASE side WHEN 'D' THEN pending_delta_minor ELSE -pending_delta_minor END) <> 0
    LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of unbalanced.rows) add('transfer_balances', `${row.transfer_id} (${row.currency})`);

  const drifted = await sql<{ id: string }>`
    SELECT a.id FROM ledger_accounts a LEFT JOIN (
      SELECT account_id,
        sum(CASE WHEN side = 'D' THEN pending_delta_minor ELSE 0 END) AS dp,
        sum(CASE WHEN side = 'D' THEN posted_delta_minor ELSE 0 END) AS dpo,
        sum(CASE WHEN side = 'C' THEN pending_delta_minor ELSE 0 END) AS cp,
        sum(CASE WHEN side = 'C' THEN posted_delta_minor ELSE 0 END) AS cpo
      FROM ledger_entries GROUP BY account_id) s ON s.account_id = a.id
    WHERE a.debits_pending_minor <> coalesce(s.dp, 0) OR a.debits_posted_minor <> coalesce(s.dpo, 0)
       OR a.credits_pending_minor <> coalesce(s.cp, 0) OR a.credits_posted_minor <> coalesce(s.cpo, 0)
    LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of drifted.rows) add('account_equals_entries', row.id);

  const wrongCurrency = await sql<{ id: bigint }>`
    SELECT e.id FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
    WHERE e.currency <> a.currency LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of wrongCurrency.rows) add('entry_currency', `entry ${row.id}`);

  const belowFloor = await sql<{ id: string }>`
    SELECT id FROM ledger_accounts
    WHERE debits_pending_minor < 0 OR credits_pending_minor < 0
       OR (negative_limit_minor IS NOT NULL
           AND debits_posted_minor + debits_pending_minor > credits_posted_minor + negative_limit_minor)
       OR (kind NOT IN ('external_funding', 'credit_line') AND negative_limit_minor IS DISTINCT FROM 0)
    LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of belowFloor.rows) add('no_forbidden_negative', row.id);

  const staleHolds = await sql<{ transfer_id: string }>`
    SELECT transfer_id FROM ledger_holds
    WHERE state = 'pending' AND expires_at < ${new Date(options.nowMs - HOLD_EXPIRY_GRACE_MS)}
    LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of staleHolds.rows) add('no_live_hold_past_deadline', row.transfer_id);

  const holdMismatch = await sql<{ id: string; why: string }>`
    SELECT t.id, 'pending transfer without a hold' AS why FROM ledger_transfers t
      LEFT JOIN ledger_holds h ON h.transfer_id = t.id WHERE t.kind = 'pending' AND h.transfer_id IS NULL
    UNION ALL
    SELECT h.transfer_id, 'hold of a non-pending transfer' FROM ledger_holds h
      JOIN ledger_transfers t ON t.id = h.transfer_id WHERE t.kind <> 'pending'
    UNION ALL
    SELECT r.id, 'resolution does not match its hold' FROM ledger_transfers r
      LEFT JOIN ledger_holds h ON h.transfer_id = r.pending_id
      WHERE r.pending_id IS NOT NULL AND (h.transfer_id IS NULL OR h.resolved_by IS DISTINCT FROM r.id
        OR h.state <> CASE r.kind WHEN 'post_pending' THEN 'posted' WHEN 'void_pending' THEN 'voided' ELSE 'expired' END)
    UNION ALL
    SELECT h.transfer_id, 'resolved hold without its resolution' FROM ledger_holds h
      LEFT JOIN ledger_transfers r ON r.id = h.resolved_by WHERE h.state <> 'pending' AND r.id IS NULL
    LIMIT ${VIOLATIONS_MAX}`.execute(db);
  for (const row of holdMismatch.rows) add('hold_consistency', `${row.id}: ${row.why}`);

  const triggers = await sql<{ count: bigint }>`
    SELECT count(*) AS count FROM pg_trigger
    WHERE tgname IN ('ledger_transfers_append_only', 'ledger_entries_append_only',
                     'ledger_transfers_no_truncate', 'ledger_entries_no_truncate') AND tgenabled <> 'D'`.execute(
    db,
  );
  if (Number(triggers.rows[0]?.count ?? 0n) !== 4) add('append_only', 'journal triggers missing or disabled');

  // Recompute every transfer's fields hash from the journal, page by page.
  const totals = await sql<{ transfers: bigint; entries: bigint; accounts: bigint; holds: bigint }>`
    SELECT (SELECT count(*) FROM ledger_transfers) AS transfers, (SELECT count(*) FROM ledger_entries) AS entries,
           (SELECT count(*) FROM ledger_accounts) AS accounts, (SELECT count(*) FROM ledger_holds) AS holds`.execute(
    db,
  );
  const total = totals.rows[0] ?? { transfers: 0n, entries: 0n, accounts: 0n, holds: 0n };
  let done = 0;
  let afterSeq = 0n;
  for (;;) {
    const page = await db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(TRANSFERS_PER_PAGE)
      .execute();
    if (page.length === 0) break;
    const pendingIds = page.flatMap((t) => (t.pending_id ? [t.pending_id] : []));
    const legs = await loadLegs(db, [...page.map((t) => t.id), ...pendingIds]);
    for (const t of page) {
      const kind = t.kind as TransferKind;
      const isMove = kind === 'posted' || kind === 'pending';
      const ownLegs = legs.get(t.id) ?? [];
      const timeoutMs = t.expires_at ? t.expires_at.getTime() - t.created_at.getTime() : undefined;
      const expected = fieldsSha256({
        kind,
        code: t.code,
        pendingId: t.pending_id,
        timeoutMs: isMove ? timeoutMs : undefined,
        userData: t.user_data,
        legs: isMove ? ownLegs : undefined,
      });
      if (expected !== t.fields_sha256.trim())
        add('journal_unchanged', `transfer ${t.id} fields hash differs`);
      if (isMove && ownLegs.length === 0) add('journal_unchanged', `transfer ${t.id} has no entries`);
      if (!isMove && t.pending_id) {
        const holdLegs = JSON.stringify(legs.get(t.pending_id) ?? [], bigintJson);
        if (holdLegs !== JSON.stringify(ownLegs, bigintJson)) {
          add('journal_unchanged', `resolution ${t.id} does not mirror hold ${t.pending_id}`);
        }
      }
    }
    done += page.length;
    afterSeq = page[page.length - 1]!.seq;
    options.onProgress?.(done, Number(total.transfers));
  }

  return {
    ok: violations.length === 0,
    transfersChecked: done,
    entriesChecked: Number(total.entries),
    accountsChecked: Number(total.accounts),
    holdsChecked: Number(total.holds),
    violations,
  };
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
