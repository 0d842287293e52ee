/**
 * The credit line's clock-driven work (docs/credit.md), called by a timer in main.ts every
 * minute and by tests with a ManualClock: make last month's statement for every line that has
 * none yet, and mark bills overdue once their due date passed unpaid. Both are idempotent (one
 * bill per user and month; marking only moves open → overdue) and bounded per call.
 *
 * A statement bills what is owed when it is made minus what older bills still claim, so spending
 * lands on exactly one bill. It is made within a minute of 00:00 on the 1st; a payment in that
 * minute lands on the closing month's bill (docs/credit.md).
 */
import { sql } from 'kysely';
import { newId } from '../shared/index.ts';
import { lastClosedPeriod } from './billing-calendar.ts';
import { OVERDUE_MARKS_PER_RUN_MAX, STATEMENTS_PER_RUN_MAX } from './constants.ts';
import type { CreditContext } from './context.ts';
import { usedOf } from './credit-line-view.ts';

export interface RunDueReport {
  readonly statements: number;
  readonly markedOverdue: number;
}

export async function runCreditDue(ctx: CreditContext, nowMs: number): Promise<RunDueReport> {
  const { db } = ctx;
  const period = lastClosedPeriod(nowMs);
  const lines = await db
    .selectFrom('credit_lines as l')
    .select(['l.user_id'])
    .where('l.granted_at', '<', new Date(period.statementAtMs))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('credit_bills as b')
            .select('b.id')
            .whereRef('b.user_id', '=', 'l.user_id')
            .where('b.period', '=', period.period),
        ),
      ),
    )
    .orderBy('l.user_id')
    .limit(STATEMENTS_PER_RUN_MAX)
    .execute();

  let statements = 0;
  for (const { user_id: userId } of lines) {
    const made = await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        const line = await trx
          .selectFrom('credit_lines')
          .select(['account_id', 'currency'])
          .where('user_id', '=', userId)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const exists = await trx
          .selectFrom('credit_bills')
          .select('id')
          .where('user_id', '=', userId)
          .where('period', '=', period.period)
          .executeTakeFirst();
        if (exists) return false;
        const account = await trx
          .selectFrom('ledger_accounts')
          .select(['debits_posted_minor', 'debits_pending_minor', 'credits_posted_minor'])
          .where('id', '=', line.account_id)
          .executeTakeFirstOrThrow();
        const owedMinor = usedOf({ ...account, debits_pending_minor: 0n });
        const older = await trx
          .selectFrom('credit_bills')
          .select((eb) =>
            eb.fn.coalesce(eb.fn.sum<bigint>(sql`amount_minor - repaid_minor`), eb.val(0n)).as('owed'),
          )
          .where('user_id', '=', userId)
          .where('status', '<>', 'paid')
          .executeTakeFirstOrThrow();
        const olderMinor = BigInt(older.owed);
        const amountMinor = owedMinor > olderMinor ? owedMinor - olderMinor : 0n;
        // A month with nothing to pay still gets its (paid) bill: the record that it was billed.
        await trx
          .insertInto('credit_bills')
          .values({
            id: newId('bill'),
            user_id: userId,
            period: period.period,
            currency: line.currency,
            amount_minor: amountMinor,
            statement_at: new Date(period.statementAtMs),
            due_at: new Date(period.dueAtMs),
            status: amountMinor === 0n ? 'paid' : 'open',
            paid_at: amountMinor === 0n ? new Date(nowMs) : null,
          })
          .execute();
        return true;
      });
    if (made) statements++;
  }

  const marked = await db
    .updateTable('credit_bills')
    .set({ status: 'overdue', overdue_at: new Date(nowMs) })
    .where(
      'id',
      'in',
      db
        .selectFrom('credit_bills')
        .select('id')
        .where('status', '=', 'open')
        .where('due_at', '<=', new Date(nowMs))
        .limit(OVERDUE_MARKS_PER_RUN_MAX),
    )
    .executeTakeFirst();
  return { statements, markedOverdue: Number(marked.numUpdatedRows) };
}
