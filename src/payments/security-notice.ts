import type { Executor } from '../identity/index.ts';
import type { PaymentsContext } from './context.ts';

/**
 * Tells the owner's phone, in the same transaction as the change, that a protection was loosened
 * (a limit raised, password-free payments turned on or their caps raised): a hijacker who got
 * past step-up is still seen by the owner.
 */
export async function noticeProtectionLoosened(
  executor: Executor,
  ctx: PaymentsContext,
  input: { userId: string; nowMs: number },
): Promise<void> {
  const user = await executor
    .selectFrom('users')
    .select(['phone_e164', 'locale'])
    .where('id', '=', input.userId)
    .executeTakeFirstOrThrow();
  await ctx.notifier.enqueue(executor, {
    userId: input.userId,
    channel: 'sms',
    destination: user.phone_e164,
    template: 'security_change',
    locale: user.locale === 'en' ? 'en' : 'zh-CN',
    vars: { change: 'limits', action: 'changed', time: new Date(input.nowMs).toISOString() },
  });
}
