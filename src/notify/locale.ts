/**
 * Which language to speak. Rampart speaks zh-CN and en. The order is: the signed-in user's own
 * setting (users.locale, chosen in the app), then the request's Accept-Language, then English —
 * an unknown or missing language falls back to English (issue 9, "bad input").
 */
import type { Executor, Locale } from '../identity/index.ts';

export const SUPPORTED_LOCALES = ['zh-CN', 'en'] as const satisfies readonly Locale[];
/** Accept-Language headers longer than this are not parsed (RFC 9110 sets no limit; we do). */
const ACCEPT_LANGUAGE_CHARS_MAX = 512;
/** Language ranges looked at; browsers send 2–6. */
const ACCEPT_LANGUAGE_RANGES_MAX = 16;

/** A stored or sent tag as one of ours, or null when we do not speak it. */
export function supportedLocale(tag: string | null | undefined): Locale | null {
  if (typeof tag !== 'string') return null;
  const language = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (language === 'zh') return 'zh-CN';
  if (language === 'en') return 'en';
  return null;
}

/**
 * The best of our languages for an Accept-Language header (RFC 9110 12.5.4: quality values
 * respected, q=0 means "not this"), or English.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (typeof header !== 'string' || header.length === 0 || header.length > ACCEPT_LANGUAGE_CHARS_MAX) {
    return 'en';
  }
  let best: { locale: Locale; q: number; order: number } | null = null;
  const ranges = header.split(',').slice(0, ACCEPT_LANGUAGE_RANGES_MAX);
  ranges.forEach((range, order) => {
    const [tag, ...params] = range.trim().split(';');
    const locale = supportedLocale(tag);
    if (!locale) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param);
      if (match?.[1] !== undefined) q = Number(match[1]);
    }
    if (q <= 0) return;
    if (!best || q > best.q) best = { locale, q, order };
  });
  return (best as { locale: Locale } | null)?.locale ?? 'en';
}

export async function loadUserLocale(executor: Executor, userId: string): Promise<Locale | null> {
  const row = await executor.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirst();
  return row ? supportedLocale(row.locale) : null;
}

/** Whether the person picked their language in the app (rather than it being set at sign-up). */
export async function userChoseLocale(executor: Executor, userId: string): Promise<boolean> {
  const row = await executor
    .selectFrom('users')
    .select('locale_chosen_at')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.locale_chosen_at != null;
}

export async function saveUserLocale(
  executor: Executor,
  nowMs: number,
  userId: string,
  locale: Locale,
): Promise<void> {
  await executor
    .updateTable('users')
    .set({ locale, locale_chosen_at: new Date(nowMs) })
    .where('id', '=', userId)
    .execute();
}
