/**
 * The in-app inbox behind the notification centre (issue 9 point 1). Every notice the outbox
 * takes for a user is also kept here once, whatever channels it went out on: the notifier calls
 * `keepInInbox` inside the caller's transaction, so a change that rolls back leaves no message.
 * The channels of one notice (identity sends SMS, e-mail and in-app one after the other) share a
 * row: a notice is its template and variables, and the same notice within NOTICE_MERGE_WINDOW_MS
 * is not kept twice.
 *
 * Texts are kept in both languages (rendered by the same templates, secrets masked) so the centre
 * follows a language switch. An in-app preference switched off keeps the message as already read:
 * the inbox stays a full record of what was sent, but it stops counting in the badge.
 *
 * Announcements reach an inbox lazily: when the user opens it (or asks for the badge), the
 * published announcements of their segment not yet in it are added, each once (unique index).
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Executor, Locale, NotificationTemplate } from '../identity/index.ts';
import { assert, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { type NotificationCategory, TEMPLATE_CATEGORIES } from './categories.ts';
import { NOTIFY_ERRORS } from './errors.ts';
import { redactSecrets, renderNotification } from './templates.ts';

/** Channels of one notice are enqueued within one transaction; a minute is far more than that. */
export const NOTICE_MERGE_WINDOW_MS = 60_000;
/** Messages per page of the centre. */
export const INBOX_PAGE_MAX = 50;
/** Announcements older than this are not delivered to an inbox that never had them. */
export const ANNOUNCEMENT_REACH_MS = 90 * 24 * 60 * 60_000;
/** Announcements looked at per delivery: bounds the work of one inbox read. */
export const ANNOUNCEMENTS_DELIVER_MAX = 50;

export interface InboxMessage {
  readonly id: bigint;
  readonly category: NotificationCategory;
  readonly template: string;
  readonly critical: boolean;
  readonly title: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly readAt: Date | null;
}

export interface InboxPage {
  readonly messages: readonly InboxMessage[];
  /** Pass as `before` for the next (older) page; null at the end. */
  readonly nextBefore: bigint | null;
  readonly unread: number;
}

/** Called by the outbox notifier for every notice to a known user. */
export async function keepInInbox(
  executor: Executor,
  nowMs: number,
  input: {
    readonly userId: string;
    readonly template: NotificationTemplate;
    readonly vars: Readonly<Record<string, string>>;
  },
): Promise<void> {
  const cls = TEMPLATE_CATEGORIES[input.template];
  assert(cls !== undefined, `template ${input.template} has a category`);
  if (!cls.inbox) return;
  const noticeKey = noticeKeyOf(input.template, input.vars);
  const texts = (locale: Locale) => {
    const rendered = renderNotification({
      template: input.template,
      locale,
      channel: 'in_app',
      vars: input.vars,
    });
    return {
      title: redactSecrets(input.template, rendered.subject),
      body: redactSecrets(input.template, rendered.body),
    };
  };
  const en = texts('en');
  const zh = texts('zh-CN');
  const createdAt = new Date(nowMs);
  // An in-app preference switched off (a row with enabled = false; no row means on, as in
  // channelEnabled) keeps the message as already read. Critical and security notices ignore it.
  const readAt =
    cls.critical || cls.category === 'security'
      ? sql`NULL::timestamptz`
      : sql`CASE WHEN EXISTS (
          SELECT 1 FROM notification_preferences
          WHERE user_id = ${input.userId} AND category = ${cls.category} AND channel = 'in_app'
            AND NOT enabled
        ) THEN ${createdAt}::timestamptz END`;
  // One statement (one round trip) instead of look-up, preference, insert: the row is inserted
  // unless the same notice was kept within the merge window. The casts type the parameters,
  // which a SELECT list would otherwise take as text.
  await sql`
    INSERT INTO inbox_messages (user_id, category, template, critical, notice_key, announcement_id,
                                title_en, body_en, title_zh, body_zh, created_at, read_at)
    SELECT ${input.userId}::text, ${cls.category}::text, ${input.template}::text,
           ${cls.critical}::boolean, ${noticeKey}::text, NULL::bigint,
           ${en.title}::text, ${en.body}::text, ${zh.title}::text, ${zh.body}::text,
           ${createdAt}::timestamptz, ${readAt}
    WHERE NOT EXISTS (
      SELECT 1 FROM inbox_messages
      WHERE user_id = ${input.userId} AND notice_key = ${noticeKey}
        AND created_at >= ${new Date(nowMs - NOTICE_MERGE_WINDOW_MS)}::timestamptz
    )`.execute(executor);
}

/** A notice is its template and its variables (in a fixed order). */
export function noticeKeyOf(template: string, vars: Readonly<Record<string, string>>): string {
  const ordered = Object.keys(vars)
    .sort()
    .map((name) => [name, vars[name]]);
  return createHash('sha256')
    .update(JSON.stringify([template, ordered]))
    .digest('hex');
}

export async function listInbox(
  db: Kysely<Database>,
  input: {
    readonly userId: string;
    readonly locale: Locale;
    readonly category?: NotificationCategory | undefined;
    readonly unreadOnly?: boolean | undefined;
    readonly before?: bigint | undefined;
    readonly limit: number;
  },
): Promise<InboxPage> {
  assert(Number.isSafeInteger(input.limit) && input.limit >= 1 && input.limit <= INBOX_PAGE_MAX, 'page size');
  let query = db
    .selectFrom('inbox_messages')
    .selectAll()
    .where('user_id', '=', input.userId)
    .orderBy('id', 'desc')
    .limit(input.limit + 1);
  if (input.category) query = query.where('category', '=', input.category);
  if (input.unreadOnly) query = query.where('read_at', 'is', null);
  if (input.before !== undefined) query = query.where('id', '<', input.before);
  const rows = await query.execute();
  const page = rows.slice(0, input.limit);
  const zh = input.locale === 'zh-CN';
  return {
    messages: page.map((row) => ({
      id: row.id,
      category: row.category,
      template: row.template,
      critical: row.critical,
      title: zh ? row.title_zh : row.title_en,
      body: zh ? row.body_zh : row.body_en,
      createdAt: row.created_at,
      readAt: row.read_at,
    })),
    nextBefore: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
    unread: await unreadCount(db, input.userId),
  };
}

export async function unreadCount(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('inbox_messages')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks one of the user's own messages read; another user's id is "not found". Idempotent. */
export async function markRead(
  db: Kysely<Database>,
  nowMs: number,
  input: { readonly userId: string; readonly messageId: bigint },
): Promise<void> {
  const row = await db
    .selectFrom('inbox_messages')
    .select(['id', 'read_at'])
    .where('id', '=', input.messageId)
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (!row) throw new DomainError(NOTIFY_ERRORS.MESSAGE_NOT_FOUND);
  if (row.read_at) return;
  await db
    .updateTable('inbox_messages')
    .set({ read_at: new Date(nowMs) })
    .where('id', '=', row.id)
    .where('user_id', '=', input.userId)
    .where('read_at', 'is', null)
    .execute();
}

/** Marks every unread message (of one category, if given) read; returns how many. */
export async function markAllRead(
  db: Kysely<Database>,
  nowMs: number,
  input: { readonly userId: string; readonly category?: NotificationCategory | undefined },
): Promise<number> {
  let update = db
    .updateTable('inbox_messages')
    .set({ read_at: new Date(nowMs) })
    .where('user_id', '=', input.userId)
    .where('read_at', 'is', null);
  if (input.category) update = update.where('category', '=', input.category);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
