/**
 * Per-channel preferences per category (issue 9 point 1). A missing row is "on". Security
 * notices are not tunable (categories.ts): asking to switch one off is refused with
 * `preference_locked`, and the outbox ignores preferences for every critical notice anyway.
 */
import type { Executor } from '../identity/index.ts';
import { DomainError } from '../shared/index.ts';
import {
  CATEGORY_CHANNELS,
  isPreferenceCategory,
  NOTIFICATION_CATEGORIES,
  type NotificationCategory,
  type NotificationChannel,
  type PreferenceCategory,
} from './categories.ts';
import { NOTIFY_ERRORS } from './errors.ts';

export interface CategoryPreferences {
  readonly category: NotificationCategory;
  /** true: cannot be switched off (security). */
  readonly locked: boolean;
  /** Only the channels this category uses. */
  readonly channels: Readonly<Partial<Record<NotificationChannel, boolean>>>;
}

export async function loadPreferences(executor: Executor, userId: string): Promise<CategoryPreferences[]> {
  const rows = await executor
    .selectFrom('notification_preferences')
    .select(['category', 'channel', 'enabled'])
    .where('user_id', '=', userId)
    .execute();
  return NOTIFICATION_CATEGORIES.map((category) => {
    const channels: Partial<Record<NotificationChannel, boolean>> = {};
    for (const channel of CATEGORY_CHANNELS[category]) {
      const row = rows.find((r) => r.category === category && r.channel === channel);
      channels[channel] = row ? row.enabled : true;
    }
    return { category, locked: !isPreferenceCategory(category), channels };
  });
}

export async function savePreference(
  executor: Executor,
  nowMs: number,
  input: {
    readonly userId: string;
    readonly category: NotificationCategory;
    readonly channel: NotificationChannel;
    readonly enabled: boolean;
  },
): Promise<void> {
  if (!isPreferenceCategory(input.category)) {
    // Switching a security notice on is a no-op; off is refused. Both answer the same code, so a
    // client learns the rule once.
    throw new DomainError(NOTIFY_ERRORS.PREFERENCE_LOCKED, { category: input.category });
  }
  if (!CATEGORY_CHANNELS[input.category].includes(input.channel)) {
    throw new DomainError(NOTIFY_ERRORS.CHANNEL_NOT_OFFERED, {
      category: input.category,
      channel: input.channel,
    });
  }
  await executor
    .insertInto('notification_preferences')
    .values({
      user_id: input.userId,
      category: input.category,
      channel: input.channel,
      enabled: input.enabled,
      updated_at: new Date(nowMs),
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'category', 'channel'])
        .doUpdateSet({ enabled: input.enabled, updated_at: new Date(nowMs) }),
    )
    .execute();
}

/** Whether a non-critical notice of `category` goes out on `channel` to this user. */
export async function channelEnabled(
  executor: Executor,
  input: {
    readonly userId: string;
    readonly category: PreferenceCategory;
    readonly channel: NotificationChannel;
  },
): Promise<boolean> {
  const row = await executor
    .selectFrom('notification_preferences')
    .select('enabled')
    .where('user_id', '=', input.userId)
    .where('category', '=', input.category)
    .where('channel', '=', input.channel)
    .executeTakeFirst();
  return row ? row.enabled : true;
}
