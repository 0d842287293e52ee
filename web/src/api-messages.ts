/**
 * The notification centre's API (docs/messages.md): inbox pages, the unread badge, read state,
 * per-channel preferences, the user's language, the security quiz, and operators' announcements.
 */
import {
  ApiError,
  array,
  badResponse,
  boolean,
  date,
  type JsonRecord,
  nullableDate,
  nullableString,
  number,
  record,
  request,
  string,
} from './api.ts';
import type { Locale } from './i18n.ts';

export const INBOX_CATEGORIES = ['security', 'payments', 'bills', 'claims', 'announcements'] as const;
export type InboxCategory = (typeof INBOX_CATEGORIES)[number];
export const CHANNELS = ['sms', 'email', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];
/** One page of the centre; the server caps it at 50. */
export const INBOX_PAGE_LIMIT = 20;

export interface InboxMessage {
  readonly id: string;
  readonly category: InboxCategory;
  readonly template: string;
  readonly critical: boolean;
  readonly title: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly readAt: Date | null;
}

export interface InboxPage {
  readonly messages: readonly InboxMessage[];
  readonly nextBefore: string | null;
  readonly unread: number;
}

export interface CategoryPreferences {
  readonly category: InboxCategory;
  readonly locked: boolean;
  readonly channels: Readonly<Partial<Record<Channel, boolean>>>;
}

function category(value: string, where: string): InboxCategory {
  const known = INBOX_CATEGORIES.find((c) => c === value);
  if (!known) throw badResponse(200, `${where}: unknown category ${value}`);
  return known;
}

function message(value: unknown, index: number): InboxMessage {
  const where = `messages[${index}]`;
  const object = record(value, where);
  return {
    id: string(object, 'id', where),
    category: category(string(object, 'category', where), where),
    template: string(object, 'template', where),
    critical: boolean(object, 'critical', where),
    title: string(object, 'title', where),
    body: string(object, 'body', where),
    createdAt: date(object, 'createdAt', where),
    readAt: nullableDate(object, 'readAt', where),
  };
}

export async function fetchInbox(
  input: { category?: InboxCategory | undefined; unreadOnly?: boolean; before?: string | null },
  signal?: AbortSignal,
): Promise<InboxPage> {
  const query = new URLSearchParams({ limit: String(INBOX_PAGE_LIMIT) });
  if (input.category) query.set('category', input.category);
  if (input.unreadOnly) query.set('unread', 'true');
  if (input.before) query.set('before', input.before);
  const body = record(await request({ method: 'GET', path: `/api/v1/me/inbox?${query}`, signal }), 'body');
  return {
    messages: array(body, 'messages', 'body').map(message),
    nextBefore: nullableString(body, 'nextBefore', 'body'),
    unread: number(body, 'unread', 'body'),
  };
}

export async function fetchUnreadCount(signal?: AbortSignal): Promise<number> {
  const body = record(
    await request({ method: 'GET', path: '/api/v1/me/inbox/unread-count', signal }),
    'body',
  );
  return number(body, 'unread', 'body');
}

export async function markMessageRead(id: string): Promise<number> {
  const body = record(
    await request({ method: 'POST', path: `/api/v1/me/inbox/${encodeURIComponent(id)}/read` }),
    'body',
  );
  return number(body, 'unread', 'body');
}

export async function markAllRead(
  categoryFilter?: InboxCategory,
): Promise<{ marked: number; unread: number }> {
  const body = record(
    await request({
      method: 'POST',
      path: '/api/v1/me/inbox/read-all',
      body: categoryFilter ? { category: categoryFilter } : {},
    }),
    'body',
  );
  return { marked: number(body, 'marked', 'body'), unread: number(body, 'unread', 'body') };
}

function preferences(value: unknown): CategoryPreferences[] {
  const body = record(value, 'body');
  return array(body, 'categories', 'body').map((item, index) => {
    const where = `categories[${index}]`;
    const object = record(item, where);
    const channels = record(object.channels, `${where}.channels`);
    const parsed: Partial<Record<Channel, boolean>> = {};
    for (const channel of CHANNELS) {
      if (typeof channels[channel] === 'boolean') parsed[channel] = channels[channel] as boolean;
    }
    return {
      category: category(string(object, 'category', where), where),
      locked: boolean(object, 'locked', where),
      channels: parsed,
    };
  });
}

export async function fetchPreferences(signal?: AbortSignal): Promise<CategoryPreferences[]> {
  return preferences(await request({ method: 'GET', path: '/api/v1/me/notification-preferences', signal }));
}

export async function setPreference(input: {
  category: InboxCategory;
  channel: Channel;
  enabled: boolean;
}): Promise<CategoryPreferences[]> {
  return preferences(
    await request({ method: 'PUT', path: '/api/v1/me/notification-preferences', body: input }),
  );
}

function locale(body: JsonRecord): Locale {
  const value = string(body, 'locale', 'body');
  if (value !== 'zh-CN' && value !== 'en') throw badResponse(200, `body.locale: ${value}`);
  return value;
}

/** The account's language, and whether the person picked it (else it was set at sign-up). */
export async function fetchUserLocale(signal?: AbortSignal): Promise<{ locale: Locale; chosen: boolean }> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/locale', signal }), 'body');
  return { locale: locale(body), chosen: body.chosen === true };
}

export async function saveUserLocale(value: Locale): Promise<Locale> {
  return locale(
    record(await request({ method: 'PUT', path: '/api/v1/me/locale', body: { locale: value } }), 'body'),
  );
}

export interface QuizResult {
  readonly score: number;
  readonly questions: number;
  readonly completedAt: Date;
  readonly correct: readonly boolean[] | null;
}

function quizResult(value: unknown): QuizResult {
  const object = record(value, 'result');
  const correct = Array.isArray(object.correct) ? object.correct.map((c) => c === true) : null;
  return {
    score: number(object, 'score', 'result'),
    questions: number(object, 'questions', 'result'),
    completedAt: date(object, 'completedAt', 'result'),
    correct,
  };
}

export async function fetchQuizResult(signal?: AbortSignal): Promise<QuizResult | null> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/security-quiz', signal }), 'body');
  return body.result === null || body.result === undefined ? null : quizResult(body.result);
}

export async function submitQuiz(answers: readonly number[]): Promise<QuizResult> {
  return quizResult(await request({ method: 'POST', path: '/api/v1/me/security-quiz', body: { answers } }));
}

export const ANNOUNCEMENT_SEGMENTS = ['all', 'locale_en', 'locale_zh', 'no_passkey', 'no_totp'] as const;
export type AnnouncementSegment = (typeof ANNOUNCEMENT_SEGMENTS)[number];

export interface Announcement {
  readonly id: string;
  readonly title: string;
  readonly segment: string;
  readonly publishAt: Date;
}

/** Operator calls carry the operator's bearer token and no cookie-based CSRF token. */
async function operatorRequest(token: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch('/api/v1/operator/announcements', {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError({
      kind: 'network',
      status: 0,
      code: 'network_error',
      message: String(error),
    });
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = record(record(json ?? {}, 'body').error ?? {}, 'error');
    throw new ApiError({
      kind: 'server',
      status: response.status,
      code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
      message: typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
    });
  }
  return json;
}

export async function publishAnnouncement(
  token: string,
  input: {
    en: { title: string; body: string };
    zhCN: { title: string; body: string };
    segment: AnnouncementSegment;
    publishAt?: string | undefined;
  },
): Promise<void> {
  await operatorRequest(token, 'POST', input);
}

export async function fetchAnnouncements(token: string, localeNow: Locale): Promise<Announcement[]> {
  const body = record(await operatorRequest(token, 'GET'), 'body');
  return array(body, 'announcements', 'body').map((item, index) => {
    const where = `announcements[${index}]`;
    const object = record(item, where);
    const texts = record(localeNow === 'zh-CN' ? object.zhCN : object.en, `${where}.texts`);
    return {
      id: string(object, 'id', where),
      title: string(texts, 'title', where),
      segment: string(object, 'segment', where),
      publishAt: date(object, 'publishAt', where),
    };
  });
}
