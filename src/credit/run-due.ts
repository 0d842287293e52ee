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
import { type Kysely, sql, type Transaction } from 'kysely';
import { newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
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
        if (amountMinor > 0n) {
          await noticeBill(ctx, trx, {
            userId,
            template: 'credit_bill_issued',
            amountMinor,
            currency: line.currency,
            atMs: period.dueAtMs,
          });
        }
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

  // Marking and its notices commit together: a bill is told overdue exactly once.
  const markedOverdue = await db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('credit_bills')
      .set({ status: 'overdue', overdue_at: new Date(nowMs) })
      .where(
        'id',
        'in',
        trx
          .selectFrom('credit_bills')
          .select('id')
          .where('status', '=', 'open')
          .where('due_at', '<=', new Date(nowMs))
          .limit(OVERDUE_MARKS_PER_RUN_MAX),
      )
      .returning(['user_id', 'amount_minor', 'repaid_minor', 'currency', 'due_at'])
      .execute();
    for (const bill of marked) {
      await noticeBill(ctx, trx, {
        userId: bill.user_id,
        template: 'credit_bill_overdue',
        amountMinor: bill.amount_minor - bill.repaid_minor,
        currency: bill.currency,
        atMs: bill.due_at.getTime(),
      });
    }
    return marked.length;
  });
  return { statements, markedOverdue };
}

/** In-app always; an SMS too, since a missed bill pauses credit spending (docs/credit.md). */
async function noticeBill(
  ctx: CreditContext,
  executor: Kysely<Database> | Transaction<Database>,
  input: {
    userId: string;
    template: 'credit_bill_issued' | 'credit_bill_overdue';
    amountMinor: bigint;
    currency: string;
    atMs: number;
  },
): Promise<void> {
  const user = await executor
    .selectFrom('users')
    .select(['phone_e164', 'locale'])
    .where('id', '=', input.userId)
    .executeTakeFirstOrThrow();
  const notice = {
    userId: input.userId,
    template: input.template,
    locale: user.locale === 'en' ? ('en' as const) : ('zh-CN' as const),
    vars: {
      amountMinor: input.amountMinor.toString(),
      currency: input.currency,
      until: new Date(input.atMs).toISOString(),
    },
  };
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'in_app', destination: input.userId });
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'sms', destination: user.phone_e164 });
}
