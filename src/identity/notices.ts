/** Tells a user something on every bound channel: SMS to the phone, e-mail when verified, in-app. */
import type { IdentityContext } from './context.ts';
import type { Executor, Locale, NotificationTemplate } from './ports.ts';

export async function noticeToAllChannels(
  executor: Executor,
  ctx: Pick<IdentityContext, 'notifier'>,
  input: { userId: string; template: NotificationTemplate; vars: Record<string, string> },
): Promise<void> {
  const user = await executor
    .selectFrom('users')
    .select(['phone_e164', 'email', 'email_verified_at', 'locale'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user) return;
  const locale: Locale = user.locale === 'en' ? 'en' : 'zh-CN';
  const base = { userId: input.userId, template: input.template, locale, vars: input.vars };
  await ctx.notifier.enqueue(executor, { ...base, channel: 'sms', destination: user.phone_e164 });
  if (user.email && user.email_verified_at) {
    await ctx.notifier.enqueue(executor, { ...base, channel: 'email', destination: user.email });
  }
  await ctx.notifier.enqueue(executor, { ...base, channel: 'in_app', destination: input.userId });
}
