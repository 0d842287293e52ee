/**
 * Issue 9: agreements and family cards reach the notification centre. Each notice is queued in the
 * transaction of the change it tells about (a rolled-back change tells nobody), through the same
 * outbox Notifier as payments. Who hears what, and on which channels:
 * - agreement signed → the user: in-app and SMS (`security`, critical: a standing permission to
 *   take money must be heard of even by someone who switched notices off);
 * - agreement debited → the user: in-app (the debit happens without them, like a receipt);
 * - family card offered → the member: in-app and SMS (they must accept it);
 * - family card used → the owner: in-app (their money, spent by someone else);
 * - agreement debit stopped by the risk engine → the user: every channel (`security`, critical,
 *   like risk_declined: a merchant tried to take money and it was not taken);
 * - family-card payment held for review → owner and member: every channel (like payment_held).
 */
import { type Executor, type Locale, noticeToAllChannels } from '../identity/index.ts';
import { maskName } from '../payments/index.ts';
import type { Currency } from '../shared/index.ts';
import type { AgreementsContext } from './context.ts';

const localeOf = (stored: string): Locale => (stored === 'en' ? 'en' : 'zh-CN');

async function recipient(executor: Executor, userId: string) {
  const row = await executor
    .selectFrom('users')
    .select(['phone_e164', 'locale', 'display_name'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return { phone: row.phone_e164, locale: localeOf(row.locale), displayName: row.display_name };
}

interface Amount {
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

const amountVars = (amount: Amount) => ({
  amountMinor: amount.amountMinor.toString(),
  currency: amount.currency,
});

export async function noticeAgreementSigned(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { userId: string; merchantName: string; monthlyCap: Amount; nowMs: number },
): Promise<void> {
  const user = await recipient(executor, input.userId);
  const notice = {
    userId: input.userId,
    template: 'agreement_signed' as const,
    locale: user.locale,
    vars: {
      merchant: input.merchantName,
      ...amountVars(input.monthlyCap),
      time: new Date(input.nowMs).toISOString(),
    },
  };
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'in_app', destination: input.userId });
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'sms', destination: user.phone });
}

export async function noticeAgreementDebited(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { userId: string; merchantName: string; amount: Amount; nowMs: number },
): Promise<void> {
  const user = await recipient(executor, input.userId);
  await ctx.notifier.enqueue(executor, {
    userId: input.userId,
    channel: 'in_app',
    destination: input.userId,
    template: 'agreement_debited',
    locale: user.locale,
    vars: {
      merchant: input.merchantName,
      ...amountVars(input.amount),
      time: new Date(input.nowMs).toISOString(),
    },
  });
}

export async function noticeFamilyCardOffered(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { ownerId: string; memberId: string; monthlyCap: Amount; nowMs: number },
): Promise<void> {
  const owner = await recipient(executor, input.ownerId);
  const member = await recipient(executor, input.memberId);
  const notice = {
    userId: input.memberId,
    template: 'family_card_offered' as const,
    locale: member.locale,
    // The member sees the owner's name masked, as on the card itself.
    vars: {
      counterparty: maskName(owner.displayName),
      ...amountVars(input.monthlyCap),
      time: new Date(input.nowMs).toISOString(),
    },
  };
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'in_app', destination: input.memberId });
  await ctx.notifier.enqueue(executor, { ...notice, channel: 'sms', destination: member.phone });
}

export async function noticeFamilyCardUsed(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { ownerId: string; memberId: string; merchantName: string; amount: Amount; nowMs: number },
): Promise<void> {
  const owner = await recipient(executor, input.ownerId);
  const member = await recipient(executor, input.memberId);
  await ctx.notifier.enqueue(executor, {
    userId: input.ownerId,
    channel: 'in_app',
    destination: input.ownerId,
    template: 'family_card_used',
    locale: owner.locale,
    vars: {
      counterparty: maskName(member.displayName),
      merchant: input.merchantName,
      ...amountVars(input.amount),
      time: new Date(input.nowMs).toISOString(),
    },
  });
}

export async function noticeAgreementDebitStopped(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { userId: string; merchantName: string; amount: Amount; nowMs: number },
): Promise<void> {
  await noticeToAllChannels(executor, ctx, {
    userId: input.userId,
    template: 'agreement_debit_stopped',
    vars: {
      merchant: input.merchantName,
      ...amountVars(input.amount),
      time: new Date(input.nowMs).toISOString(),
    },
  });
}

export async function noticeFamilyCardHeld(
  ctx: Pick<AgreementsContext, 'notifier'>,
  executor: Executor,
  input: { ownerId: string; memberId: string; merchantName: string; amount: Amount; until: Date },
): Promise<void> {
  const member = await recipient(executor, input.memberId);
  const vars = {
    // The member's name masked, as the owner sees it on the card and in family_card_used.
    counterparty: maskName(member.displayName),
    merchant: input.merchantName,
    ...amountVars(input.amount),
    until: input.until.toISOString(),
  };
  for (const userId of [input.ownerId, input.memberId]) {
    await noticeToAllChannels(executor, ctx, { userId, template: 'family_card_held', vars });
  }
}
