/**
 * An operator grants a user a credit line, or changes its limit (issue 4 point 4). The first
 * grant opens a `credit_line` ledger account whose floor is the limit; a change moves the floor
 * under the account's row lock, never below what the user owes.
 */
import { DomainError, type Money } from '../shared/index.ts';
import { recordCreditAudit } from './audit.ts';
import { CREDIT_CURRENCY, CREDIT_LIMIT_MAX_MINOR } from './constants.ts';
import type { CreditContext } from './context.ts';
import { type CreditLineView, loadCreditLineView } from './credit-line-view.ts';
import { CREDIT_ERRORS } from './errors.ts';

export async function grantCreditLine(
  ctx: CreditContext,
  input: { userId: string; limit: Money },
): Promise<CreditLineView> {
  const { db, clock } = ctx;
  if (input.limit.currency !== CREDIT_CURRENCY || input.limit.amountMinor < 0n) {
    throw new DomainError(CREDIT_ERRORS.INVALID_AMOUNT);
  }
  if (input.limit.amountMinor > CREDIT_LIMIT_MAX_MINOR) throw new DomainError(CREDIT_ERRORS.LIMIT_ABOVE_MAX);
  const user = await db.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst();
  if (!user) throw new DomainError(CREDIT_ERRORS.USER_NOT_FOUND);
  const nowMs = clock.nowMs();

  await db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const line = await trx
        .selectFrom('credit_lines')
        .select(['account_id', 'limit_minor'])
        .where('user_id', '=', input.userId)
        .forUpdate()
        .executeTakeFirst();
      if (!line) {
        const account = await ctx.ledger.createAccount(
          {
            kind: 'credit_line',
            currency: CREDIT_CURRENCY,
            ownerId: input.userId,
            label: `Credit line (${CREDIT_CURRENCY})`,
            negativeLimitMinor: input.limit.amountMinor,
          },
          trx,
        );
        // A concurrent first grant for the same user fails here on the primary key and rolls back
        // its account; the operator retries and changes the limit of the line that won.
        await trx
          .insertInto('credit_lines')
          .values({
            user_id: input.userId,
            account_id: account.id,
            currency: CREDIT_CURRENCY,
            limit_minor: input.limit.amountMinor,
            granted_at: new Date(nowMs),
            updated_at: new Date(nowMs),
          })
          .execute();
        await recordCreditAudit(trx, {
          userId: input.userId,
          type: 'granted',
          details: {
            accountId: account.id,
            limitMinor: input.limit.amountMinor.toString(),
            currency: CREDIT_CURRENCY,
          },
          nowMs,
        });
        return;
      }
      const result = await ctx.ledger.setCreditLimit(trx, {
        accountId: line.account_id,
        limitMinor: input.limit.amountMinor,
      });
      if (result.status === 'rejected') throw new DomainError(CREDIT_ERRORS.LIMIT_BELOW_USED);
      await trx
        .updateTable('credit_lines')
        .set({ limit_minor: input.limit.amountMinor, updated_at: new Date(nowMs) })
        .where('user_id', '=', input.userId)
        .execute();
      await recordCreditAudit(trx, {
        userId: input.userId,
        type: 'limit_changed',
        details: {
          fromMinor: line.limit_minor.toString(),
          toMinor: input.limit.amountMinor.toString(),
          currency: CREDIT_CURRENCY,
        },
        nowMs,
      });
    });
  const view = await loadCreditLineView(db, { userId: input.userId, nowMs });
  if (!view) throw new DomainError(CREDIT_ERRORS.NO_CREDIT_LINE);
  return view;
}
