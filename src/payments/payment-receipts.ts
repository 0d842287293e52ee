/**
 * Issue 9 point 1: payments in and out reach the notification centre. In the payment's own
 * transaction (a rolled-back payment tells nobody): the payer gets an in-app receipt, a person
 * paid gets an in-app notice and an SMS (the "money arrived" text people expect, with the
 * "wrong transfer, please refund" scam named). Both are `payments` notices, so the owner's
 * per-channel preferences apply (src/notify/categories.ts).
 */
import type { Executor, Locale } from '../identity/index.ts';
import type { PaymentsContext } from './context.ts';
import type { IntentRow } from './intents.ts';
import { maskName } from './mask-name.ts';

const localeOf = (stored: string): Locale => (stored === 'en' ? 'en' : 'zh-CN');

export async function noticePaymentMade(
  executor: Executor,
  ctx: Pick<PaymentsContext, 'notifier'>,
  input: {
    readonly intent: IntentRow;
    readonly nowMs: number;
    /** The payer's name and language when the caller read them already (the confirming
     *  transaction does, with its lock on the payer's row): one round trip fewer. */
    readonly payer?: { readonly display_name: string; readonly locale: string } | undefined;
  },
): Promise<void> {
  const { intent } = input;
  const time = new Date(input.nowMs).toISOString();
  const payer =
    input.payer ??
    (await executor
      .selectFrom('users')
      .select(['display_name', 'locale'])
      .where('id', '=', intent.payer_id)
      .executeTakeFirstOrThrow());
  const amount = { amountMinor: intent.amount_minor.toString(), currency: intent.currency.trim() };
  await ctx.notifier.enqueue(executor, {
    userId: intent.payer_id,
    channel: 'in_app',
    destination: intent.payer_id,
    template: 'payment_sent',
    locale: localeOf(payer.locale),
    vars: { ...amount, counterparty: intent.payee_name, time },
  });
  if (intent.payee_user_id === null) return;
  const payee = await executor
    .selectFrom('users')
    .select(['phone_e164', 'locale'])
    .where('id', '=', intent.payee_user_id)
    .executeTakeFirstOrThrow();
  const received = {
    userId: intent.payee_user_id,
    template: 'payment_received' as const,
    locale: localeOf(payee.locale),
    vars: { ...amount, counterparty: maskName(payer.display_name), time },
  };
  await ctx.notifier.enqueue(executor, { ...received, channel: 'in_app', destination: intent.payee_user_id });
  await ctx.notifier.enqueue(executor, { ...received, channel: 'sms', destination: payee.phone_e164 });
}
