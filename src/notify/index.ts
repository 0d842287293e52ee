/**
 * Notifications: the outbox behind identity's Notifier port, the templates (zh-CN, en), the
 * e-mail (SMTP) and SMS providers, the developer inbox and the delivery worker.
 */

export {
  ANNOUNCEMENT_BODY_CHARS_MAX,
  ANNOUNCEMENT_SCHEDULE_AHEAD_MAX_MS,
  ANNOUNCEMENT_SEGMENTS,
  ANNOUNCEMENT_TITLE_CHARS_MAX,
  type Announcement,
  type AnnouncementSegment,
  isPlainText,
} from './announcements.ts';
export {
  CATEGORY_CHANNELS,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  type NotificationCategory,
  type NotificationChannel,
  PREFERENCE_CATEGORIES,
  TEMPLATE_CATEGORIES,
} from './categories.ts';
export {
  createDeliveryWorker,
  DELIVERY_ATTEMPTS_MAX,
  DELIVERY_BACKOFF_BASE_MS,
  DELIVERY_BACKOFF_FACTOR,
  DELIVERY_BACKOFF_MAX_MS,
  DELIVERY_BATCH_MAX,
  DELIVERY_CLAIM_LEASE_MS,
  DELIVERY_CONCURRENCY_MAX,
  DELIVERY_DEADLINE_DEFAULT_MS,
  DELIVERY_DEADLINES_MS,
  DELIVERY_SEND_TIMEOUT_MS,
  type DeliveryLogger,
  type DeliveryWorker,
  type DeliveryWorkerDeps,
  deliveryBackoffMs,
} from './delivery-worker.ts';
export { createDevInbox, DEV_INBOX_MESSAGES_MAX, type DevInbox, type DevInboxMessage } from './dev-inbox.ts';
export { NOTIFY_ERRORS } from './errors.ts';
export { INBOX_PAGE_MAX, type InboxMessage, type InboxPage } from './inbox.ts';
export { localeFromAcceptLanguage, SUPPORTED_LOCALES, supportedLocale } from './locale.ts';
export { createMessages, type Messages, type MessagesDeps } from './messages.ts';
export { createNotifier, type NotifierDeps } from './outbox.ts';
export type { CategoryPreferences } from './preferences.ts';
export {
  createDevInboxEmailProvider,
  createDevInboxSmsProvider,
  createSmtpEmailProvider,
  createUnconfiguredProvider,
  type EmailMessage,
  type EmailProvider,
  type SmsMessage,
  type SmsProvider,
  type SmtpOptions,
} from './providers.ts';
export { QUIZ_ANSWER_KEY, QUIZ_CHOICES, type QuizResult } from './security-quiz.ts';
export {
  type RenderedTemplate,
  redactSecrets,
  renderTemplate,
  TEMPLATE_LOCALES,
  TEMPLATE_VARS,
  type TemplateVars,
} from './templates.ts';
