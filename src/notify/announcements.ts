/**
 * Operators' announcements (issue 9 point 4): a title and body in both languages, plain text,
 * published now or at a scheduled time, to everyone or to a segment. They reach inboxes lazily
 * (inbox.ts): the next time a user of the segment opens the centre after `publishAt`.
 *
 * Plain text only: anything that looks like markup (a tag, a comment, an entity, a script URL) is
 * refused with `unsafe_content` rather than "cleaned". Sanitising guesses what the author meant
 * and a half-cleaned payload is worse than a clear refusal; the web app renders the text as text
 * anyway (React escapes it), so this is defence in depth for every other client.
 */
import type { Kysely } from 'kysely';
import { assert, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { NOTIFY_ERRORS } from './errors.ts';
import { ANNOUNCEMENT_REACH_MS, ANNOUNCEMENTS_DELIVER_MAX } from './inbox.ts';
import { channelEnabled } from './preferences.ts';

export const ANNOUNCEMENT_SEGMENTS = ['all', 'locale_en', 'locale_zh', 'no_passkey', 'no_totp'] as const;
export type AnnouncementSegment = (typeof ANNOUNCEMENT_SEGMENTS)[number];
export const ANNOUNCEMENT_TITLE_CHARS_MAX = 120;
export const ANNOUNCEMENT_BODY_CHARS_MAX = 2_000;
/** A schedule further ahead than this is a typo more often than a plan. */
export const ANNOUNCEMENT_SCHEDULE_AHEAD_MAX_MS = 366 * 24 * 60 * 60_000;
export const ANNOUNCEMENTS_LIST_MAX = 100;

export interface AnnouncementTexts {
  readonly en: { readonly title: string; readonly body: string };
  readonly zhCN: { readonly title: string; readonly body: string };
}

export interface Announcement extends AnnouncementTexts {
  readonly id: bigint;
  readonly segment: AnnouncementSegment;
  readonly publishAt: Date;
  readonly createdAt: Date;
}

/** Markup, entities, script-ish URLs and control characters other than newline and tab. */
const UNSAFE_PATTERNS: readonly RegExp[] = [
  /<[a-zA-Z!/?]/, // a tag, comment, doctype or processing instruction (as browsers parse them)
  /&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/, // an HTML entity
  /\b(javascript|vbscript|data)\s*:/i,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/,
];

/** Whether a text is plain enough to publish. Pure, for tests and the console's preview. */
export function isPlainText(text: string): boolean {
  return !UNSAFE_PATTERNS.some((pattern) => pattern.test(text));
}

export async function publishAnnouncement(
  db: Kysely<Database>,
  nowMs: number,
  input: AnnouncementTexts & { readonly segment: AnnouncementSegment; readonly publishAt?: Date | undefined },
): Promise<Announcement> {
  const texts = [input.en.title, input.en.body, input.zhCN.title, input.zhCN.body];
  const unsafe = texts.findIndex((text) => !isPlainText(text));
  if (unsafe >= 0) {
    const field = ['en.title', 'en.body', 'zhCN.title', 'zhCN.body'][unsafe];
    throw new DomainError(NOTIFY_ERRORS.UNSAFE_CONTENT, { field });
  }
  const publishAtMs = Math.max(nowMs, input.publishAt?.getTime() ?? nowMs);
  assert(publishAtMs - nowMs <= ANNOUNCEMENT_SCHEDULE_AHEAD_MAX_MS, 'the route bounds the schedule');
  const row = await db
    .insertInto('announcements')
    .values({
      title_en: input.en.title.trim(),
      body_en: input.en.body.trim(),
      title_zh: input.zhCN.title.trim(),
      body_zh: input.zhCN.body.trim(),
      segment: input.segment,
      publish_at: new Date(publishAtMs),
      created_at: new Date(nowMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAnnouncement(row);
}

export async function listAnnouncements(db: Kysely<Database>): Promise<Announcement[]> {
  const rows = await db
    .selectFrom('announcements')
    .selectAll()
    .where('withdrawn_at', 'is', null)
    .orderBy('publish_at', 'desc')
    .orderBy('id', 'desc')
    .limit(ANNOUNCEMENTS_LIST_MAX)
    .execute();
  return rows.map(toAnnouncement);
}

function toAnnouncement(row: {
  id: bigint;
  title_en: string;
  body_en: string;
  title_zh: string;
  body_zh: string;
  segment: AnnouncementSegment;
  publish_at: Date;
  created_at: Date;
}): Announcement {
  return {
    id: row.id,
    en: { title: row.title_en, body: row.body_en },
    zhCN: { title: row.title_zh, body: row.body_zh },
    segment: row.segment,
    publishAt: row.publish_at,
    createdAt: row.created_at,
  };
}

/** Adds the user's due announcements to their inbox, each once. */
export async function deliverAnnouncements(
  db: Kysely<Database>,
  nowMs: number,
  userId: string,
): Promise<void> {
  const due = await db
    .selectFrom('announcements')
    .selectAll()
    .where('withdrawn_at', 'is', null)
    .where('publish_at', '<=', new Date(nowMs))
    .where('publish_at', '>', new Date(nowMs - ANNOUNCEMENT_REACH_MS))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('inbox_messages')
            .select('inbox_messages.id')
            .where('inbox_messages.user_id', '=', userId)
            .whereRef('inbox_messages.announcement_id', '=', 'announcements.id'),
        ),
      ),
    )
    // Newest first: with more than a page of announcements due, the old ones are the ones to skip.
    .orderBy('publish_at', 'desc')
    .limit(ANNOUNCEMENTS_DELIVER_MAX)
    .execute();
  if (due.length === 0) return;
  const user = await db
    .selectFrom('users')
    .select(['locale'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const passkeys = await db
    .selectFrom('passkeys')
    .select('id')
    .where('user_id', '=', userId)
    .limit(1)
    .execute();
  const totp = await db
    .selectFrom('totp_factors')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  const inSegment: Record<AnnouncementSegment, boolean> = {
    all: true,
    locale_en: user.locale === 'en',
    locale_zh: user.locale !== 'en',
    no_passkey: passkeys.length === 0,
    no_totp: totp === undefined,
  };
  const silenced = !(await channelEnabled(db, { userId, category: 'announcements', channel: 'in_app' }));
  for (const row of due) {
    if (!inSegment[row.segment]) continue;
    await db
      .insertInto('inbox_messages')
      .values({
        user_id: userId,
        category: 'announcements',
        template: 'announcement',
        critical: false,
        notice_key: `announcement:${row.id}`,
        announcement_id: row.id,
        title_en: row.title_en,
        body_en: row.body_en,
        title_zh: row.title_zh,
        body_zh: row.body_zh,
        // Shown at its publish time, so the centre's order is the order things happened.
        created_at: row.publish_at,
        read_at: silenced ? new Date(nowMs) : null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
