/**
 * What every list of this module shares: one page, newest first, and the month's usage that the
 * agreement and family-card views both show beside their caps.
 */
import { type Kysely, type SelectQueryBuilder, type StringReference, sql } from 'kysely';
import type { ErrorCode } from '../shared/index.ts';
import { DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { LIST_ROWS_MAX } from './constants.ts';

/**
 * One page of a list: newest first, ties broken by id so the order is stable between calls,
 * at most LIST_ROWS_MAX rows (one screen).
 */
export function newestPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: { readonly createdAt: StringReference<DB, TB>; readonly id: StringReference<DB, TB> },
): SelectQueryBuilder<DB, TB, O> {
  return query.orderBy(columns.createdAt, 'desc').orderBy(columns.id, 'desc').limit(LIST_ROWS_MAX);
}

/** The money rows counted against a monthly cap, and the column naming what they count against. */
type UsageSource =
  | { readonly table: 'agreement_debits'; readonly key: 'agreement_id' }
  | { readonly table: 'family_card_payments'; readonly key: 'card_id' };

/** Sum of `amount_minor` per agreement or card in one Beijing month (absent: nothing used). A
 *  family-card payment declined after review gave its money back, so it no longer counts; one
 *  held for review still does (as under the card lock in payWithFamilyCard). */
export async function usedInMonth(
  db: Kysely<Database>,
  source: UsageSource,
  input: { readonly ids: readonly string[]; readonly month: string },
): Promise<Map<string, bigint>> {
  const used = new Map<string, bigint>();
  if (input.ids.length === 0) return used;
  const key = sql.ref(source.key);
  const counted = source.table === 'family_card_payments' ? sql`AND status <> 'declined'` : sql``;
  const { rows } = await sql<{ id: string; total: string }>`
    SELECT ${key} AS id, sum(amount_minor)::text AS total
    FROM ${sql.table(source.table)}
    WHERE ${key} IN (${sql.join(input.ids)}) AND month = ${input.month} ${counted}
    GROUP BY ${key}`.execute(db);
  for (const row of rows) used.set(row.id, BigInt(row.total));
  return used;
}

/** The view of one row through the list's view builder; no view is the object's not-found. */
export async function onlyView<T>(views: Promise<readonly T[]>, notFound: ErrorCode): Promise<T> {
  const [view] = await views;
  if (view === undefined) throw new DomainError(notFound);
  return view;
}
