/**
 * The notification centre's use cases for the HTTP layer (issue 9): the inbox, preferences,
 * the user's language, announcements and the security quiz. Built once by main.ts.
 */
import type { Kysely } from 'kysely';
import type { Locale } from '../identity/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import {
  type Announcement,
  type AnnouncementSegment,
  type AnnouncementTexts,
  deliverAnnouncements,
  listAnnouncements,
  publishAnnouncement,
} from './announcements.ts';
import type { NotificationCategory, NotificationChannel } from './categories.ts';
import { type InboxPage, listInbox, markAllRead, markRead, unreadCount } from './inbox.ts';
import { loadUserLocale, saveUserLocale, userChoseLocale } from './locale.ts';
import { type CategoryPreferences, loadPreferences, savePreference } from './preferences.ts';
import { loadQuizResult, type QuizResult, submitQuiz } from './security-quiz.ts';

export interface MessagesDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

export interface Messages {
  inbox(input: {
    userId: string;
    locale: Locale;
    category?: NotificationCategory | undefined;
    unreadOnly?: boolean | undefined;
    before?: bigint | undefined;
    limit: number;
  }): Promise<InboxPage>;
  unread(userId: string): Promise<number>;
  markRead(userId: string, messageId: bigint): Promise<void>;
  markAllRead(userId: string, category?: NotificationCategory): Promise<number>;
  preferences(userId: string): Promise<CategoryPreferences[]>;
  setPreference(input: {
    userId: string;
    category: NotificationCategory;
    channel: NotificationChannel;
    enabled: boolean;
  }): Promise<CategoryPreferences[]>;
  userLocale(userId: string): Promise<Locale | null>;
  /** true once the person picked a language in the app. */
  userChoseLocale(userId: string): Promise<boolean>;
  setUserLocale(userId: string, locale: Locale): Promise<void>;
  publishAnnouncement(
    input: AnnouncementTexts & { segment: AnnouncementSegment; publishAt?: Date | undefined },
  ): Promise<Announcement>;
  announcements(): Promise<Announcement[]>;
  submitQuiz(userId: string, answers: readonly number[]): Promise<QuizResult>;
  quizResult(userId: string): Promise<QuizResult | null>;
}

export function createMessages(deps: MessagesDeps): Messages {
  const { db, clock } = deps;
  return {
    async inbox(input) {
      await deliverAnnouncements(db, clock.nowMs(), input.userId);
      return listInbox(db, input);
    },
    async unread(userId) {
      await deliverAnnouncements(db, clock.nowMs(), userId);
      return unreadCount(db, userId);
    },
    markRead: (userId, messageId) => markRead(db, clock.nowMs(), { userId, messageId }),
    async markAllRead(userId, category) {
      // Deliver first: "all read" must not be followed at once by announcements arriving unread.
      await deliverAnnouncements(db, clock.nowMs(), userId);
      return markAllRead(db, clock.nowMs(), { userId, category });
    },
    preferences: (userId) => loadPreferences(db, userId),
    async setPreference(input) {
      await savePreference(db, clock.nowMs(), input);
      return loadPreferences(db, input.userId);
    },
    userLocale: (userId) => loadUserLocale(db, userId),
    userChoseLocale: (userId) => userChoseLocale(db, userId),
    setUserLocale: (userId, locale) => saveUserLocale(db, clock.nowMs(), userId, locale),
    publishAnnouncement: (input) => publishAnnouncement(db, clock.nowMs(), input),
    announcements: () => listAnnouncements(db),
    submitQuiz: (userId, answers) => submitQuiz(db, clock.nowMs(), { userId, answers }),
    quizResult: (userId) => loadQuizResult(db, userId),
  };
}
