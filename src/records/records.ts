/**
 * The customer's records: one row per ledger entry on their own wallets (so one per transfer
 * touching a wallet), typed from the transfer's code and direction, with a masked counterparty
 * from the payment intent or funding operation behind it. Read side only; only the caller's rows.
 */
import type { Kysely } from 'kysely';
import { maskCard } from '../funding/index.ts';
import { maskName } from '../payments/index.ts';
import { assert, type Currency, isCurrency } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import {
  BEIJING_OFFSET_MS,
  countsInBillTotals,
  RECORD_TYPES,
  RECORDS_SCAN_BATCH,
  RECORDS_SCAN_MAX,
  type RecordType,
} from './constants.ts';
import { matchesFilter, type RecordFilter, type RecordRow, recordTypeOf } from './record-rows.ts';

export interface RecordsQuery extends RecordFilter {
  readonly userId: string;
  readonly limit: number;
  readonly beforeEntryId?: bigint | undefined;
  /** Inclusive lower and exclusive upper bound on the entry's time. */
  readonly fromTime?: Date | undefined;
  readonly toTime?: Date | undefined;
}

export interface RecordsPage {
  readonly rows: RecordRow[];
  /** Continue with `before=`; null when nothing older matches. */
  readonly nextBefore: bigint | null;
  /** True when the scan bound stopped the search before `limit` rows were found. */
  readonly scanLimited: boolean;
}

export interface BillCategory {
  readonly type: RecordType;
  readonly currency: Currency;
  readonly count: number;
  readonly inMinor: bigint;
  readonly outMinor: bigint;
}

export interface BillTotal {
  readonly currency: Currency;
  readonly inMinor: bigint;
  readonly outMinor: bigint;
}

/** Per currency, the categories that count in the totals (not credit repayments: see
 *  TYPES_OUTSIDE_BILL_TOTALS). Net is `inMinor − outMinor`. */
export function billTotals(categories: readonly BillCategory[]): BillTotal[] {
  const byCurrency = new Map<Currency, { currency: Currency; inMinor: bigint; outMinor: bigint }>();
  for (const c of categories) {
    if (!countsInBillTotals(c.type)) continue;
    const total = byCurrency.get(c.currency) ?? { currency: c.currency, inMinor: 0n, outMinor: 0n };
    total.inMinor += c.inMinor;
    total.outMinor += c.outMinor;
    byCurrency.set(c.currency, total);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export type Records = ReturnType<typeof createRecords>;

export function createRecords(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  /** The caller's wallet accounts and credit-line accounts: the only accounts records read. */
  async function ownAccounts(userId: string): Promise<{ walletIds: string[]; creditIds: string[] }> {
    const wallets = await db
      .selectFrom('wallets')
      .select('account_id')
      .where('user_id', '=', userId)
      .execute();
    const lines = await db
      .selectFrom('credit_lines')
      .select('account_id')
      .where('user_id', '=', userId)
      .execute();
    return { walletIds: wallets.map((w) => w.account_id), creditIds: lines.map((l) => l.account_id) };
  }

  /** Newest first, up to `limit` entries of the user's wallets (before the cursor, in the time range). */
  async function readBatch(
    q: RecordsQuery,
    beforeEntryId: bigint | undefined,
    limit: number,
  ): Promise<RecordRow[]> {
    const { walletIds, creditIds } = await ownAccounts(q.userId);
    if (walletIds.length === 0 && creditIds.length === 0) return [];
    let query = db
      .selectFrom('ledger_entries as e')
      .innerJoin('ledger_transfers as t', 't.id', 'e.transfer_id')
      .select([
        'e.id',
        'e.account_id',
        'e.transfer_id',
        't.code',
        'e.side',
        'e.currency',
        'e.pending_delta_minor',
        'e.posted_delta_minor',
        'e.created_at',
      ])
      .where((eb) => {
        const own = [];
        if (walletIds.length > 0) own.push(eb('e.account_id', 'in', walletIds));
        // Spending on credit; a repayment is shown once, from the wallet it left.
        if (creditIds.length > 0)
          own.push(eb.and([eb('e.account_id', 'in', creditIds), eb('t.code', '<>', 'credit_repay')]));
        return eb.or(own);
      })
      .orderBy('e.id', 'desc')
      .limit(limit);
    if (beforeEntryId !== undefined) query = query.where('e.id', '<', beforeEntryId);
    if (q.fromTime !== undefined) query = query.where('e.created_at', '>=', q.fromTime);
    if (q.toTime !== undefined) query = query.where('e.created_at', '<', q.toTime);
    const entries = await query.execute();
    if (entries.length === 0) return [];
    const transferIds = [...new Set(entries.map((e) => e.transfer_id))];
    const intents = await db
      .selectFrom('payment_intents as p')
      .innerJoin('users as u', 'u.id', 'p.payer_id')
      .select(['p.transfer_id', 'p.payer_id', 'p.payee_kind', 'p.payee_name', 'p.note', 'u.display_name'])
      .where('p.transfer_id', 'in', transferIds)
      .execute();
    const funding = await db
      .selectFrom('funding_operations as f')
      .innerJoin('funding_cards as c', 'c.id', 'f.card_id')
      .select(['f.hold_transfer_id', 'f.resolve_transfer_id', 'c.brand', 'c.last4'])
      .where((eb) =>
        eb.or([eb('f.hold_transfer_id', 'in', transferIds), eb('f.resolve_transfer_id', 'in', transferIds)]),
      )
      .where('f.user_id', '=', q.userId)
      .execute();
    // Agreement debits and family-card payments show the merchant that took the money.
    const merchantPays = [
      ...(await db
        .selectFrom('agreement_debits as d')
        .innerJoin('agreements as a', 'a.id', 'd.agreement_id')
        .innerJoin('merchants as m', 'm.id', 'a.merchant_id')
        .select(['d.transfer_id', 'm.name'])
        .where('d.transfer_id', 'in', transferIds)
        .execute()),
      // A family-card payment held for review has its hold as well as its post or void.
      ...(
        await db
          .selectFrom('family_card_payments as f')
          .innerJoin('merchants as m', 'm.id', 'f.merchant_id')
          .select(['f.transfer_id', 'f.hold_transfer_id', 'm.name'])
          .where((eb) =>
            eb.or([eb('f.transfer_id', 'in', transferIds), eb('f.hold_transfer_id', 'in', transferIds)]),
          )
          .execute()
      ).flatMap((f) => [
        { transfer_id: f.transfer_id, name: f.name },
        ...(f.hold_transfer_id ? [{ transfer_id: f.hold_transfer_id, name: f.name }] : []),
      ]),
    ];
    const merchantByTransfer = new Map(merchantPays.map((p) => [p.transfer_id, p.name]));
    const intentByTransfer = new Map(intents.map((i) => [i.transfer_id, i]));
    const cardByTransfer = new Map<string, string>();
    for (const f of funding) {
      const shown = `${f.brand} ${maskCard(f.last4)}`;
      cardByTransfer.set(f.hold_transfer_id, shown);
      if (f.resolve_transfer_id) cardByTransfer.set(f.resolve_transfer_id, shown);
    }
    return entries.map((e) => {
      const currency = e.currency;
      assert(isCurrency(currency), 'entry currency known');
      // A debit takes money out of a wallet; a credit brings it in.
      const direction = e.side === 'D' ? 'out' : 'in';
      let status: RecordRow['status'];
      let amountMinor: bigint;
      if (e.posted_delta_minor !== 0n) {
        status = 'posted';
        amountMinor = e.posted_delta_minor;
      } else if (e.pending_delta_minor > 0n) {
        status = 'pending';
        amountMinor = e.pending_delta_minor;
      } else {
        status = 'released';
        amountMinor = -e.pending_delta_minor;
      }
      assert(amountMinor > 0n, 'an entry moves a positive amount');
      const intent = intentByTransfer.get(e.transfer_id);
      let counterparty: string | null =
        cardByTransfer.get(e.transfer_id) ?? merchantByTransfer.get(e.transfer_id) ?? null;
      let note: string | null = null;
      if (intent) {
        note = intent.note;
        // The payer sees the payee as the intent showed it (already masked for people); the
        // payee sees the payer's name masked the same way.
        counterparty = intent.payer_id === q.userId ? intent.payee_name : maskName(intent.display_name);
      }
      return {
        entryId: e.id,
        transferId: e.transfer_id,
        type: recordTypeOf(e.code, direction),
        status,
        source: creditIds.includes(e.account_id) ? 'credit_line' : 'wallet',
        amountMinor: direction === 'out' ? -amountMinor : amountMinor,
        currency,
        counterparty,
        note,
        createdAt: e.created_at,
      };
    });
  }

  /** Scans newest first until `limit` rows match or RECORDS_SCAN_MAX entries were read. */
  async function listRecords(q: RecordsQuery): Promise<RecordsPage> {
    const rows: RecordRow[] = [];
    let cursor = q.beforeEntryId;
    let scanned = 0;
    while (scanned < RECORDS_SCAN_MAX) {
      const batch = await readBatch(q, cursor, Math.min(RECORDS_SCAN_BATCH, RECORDS_SCAN_MAX - scanned));
      scanned += batch.length;
      for (const row of batch) {
        cursor = row.entryId;
        if (!matchesFilter(row, q)) continue;
        rows.push(row);
        // One more than asked tells whether a next page exists.
        if (rows.length > q.limit)
          return {
            rows: rows.slice(0, q.limit),
            nextBefore: rows[q.limit - 1]?.entryId ?? null,
            scanLimited: false,
          };
      }
      if (batch.length < RECORDS_SCAN_BATCH) return { rows, nextBefore: null, scanLimited: false };
    }
    return { rows, nextBefore: cursor ?? null, scanLimited: true };
  }

  return {
    listRecords,

    /** Totals by type and currency of the posted rows in a Beijing-time month (`YYYY-MM`). */
    async getMonthBill(input: { userId: string; year: number; month: number }) {
      const fromTime = new Date(Date.UTC(input.year, input.month - 1, 1) - BEIJING_OFFSET_MS);
      const toTime = new Date(Date.UTC(input.year, input.month, 1) - BEIJING_OFFSET_MS);
      const page = await listRecords({
        userId: input.userId,
        limit: RECORDS_SCAN_MAX,
        fromTime,
        toTime,
        status: 'posted',
      });
      const byKey = new Map<
        string,
        { type: RecordType; currency: Currency; count: number; inMinor: bigint; outMinor: bigint }
      >();
      for (const row of page.rows) {
        const key = `${row.type}:${row.currency}`;
        const total = byKey.get(key) ?? {
          type: row.type,
          currency: row.currency,
          count: 0,
          inMinor: 0n,
          outMinor: 0n,
        };
        total.count++;
        if (row.amountMinor > 0n) total.inMinor += row.amountMinor;
        else total.outMinor += -row.amountMinor;
        byKey.set(key, total);
      }
      const categories: BillCategory[] = [...byKey.values()].sort(
        (a, b) =>
          RECORD_TYPES.indexOf(a.type) - RECORD_TYPES.indexOf(b.type) || a.currency.localeCompare(b.currency),
      );
      return {
        fromTime,
        toTime,
        categories,
        totals: billTotals(categories),
        truncated: page.scanLimited || page.nextBefore !== null,
      };
    },
  };
}
