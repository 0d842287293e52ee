/**
 * The Notifier port (identity/ports.ts) over the notification outbox: `enqueue` renders the
 * message now (so what is stored is exactly what will be sent, in the user's language) and
 * inserts it with the caller's executor, i.e. inside the caller's transaction. A change that
 * rolls back leaves no message behind; a change that commits always has its message queued. The
 * delivery worker sends it afterwards.
 *
 * `in_app` messages have nothing to send: they are stored as delivered at once (sent_at = now)
 * for the in-app inbox to read, with secrets already masked (an inbox row lives for good; the
 * signed-in user can freeze the account from the app itself).
 *
 * Issue 9: every notice to a known user is also kept once in the in-app inbox (inbox.ts), and a
 * non-critical notice is not queued on a channel the user switched off for its category
 * (preferences.ts). Critical notices (categories.ts) ignore preferences.
 */
import type { Executor, NotificationRequest, Notifier } from '../identity/index.ts';
import { assert, type Clock } from '../shared/index.ts';
import { TEMPLATE_CATEGORIES } from './categories.ts';
import { keepInInbox } from './inbox.ts';
import { channelEnabled } from './preferences.ts';
import { EMAIL_ADDRESS_CHARS_MAX } from './providers.ts';
import { redactSecrets, renderNotification } from './templates.ts';

/** ITU-T E.164: at most 15 digits after the "+". */
export const PHONE_E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;
/** One address with one "@" and no whitespace or control characters (identity's own check is
 *  the same shape). The SMTP provider applies the strict single-mailbox rule before sending. */
const EMAIL_DESTINATION_PATTERN = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;
/** in_app destinations are user ids. */
export const IN_APP_DESTINATION_CHARS_MAX = 64;

export interface NotifierDeps {
  readonly clock: Clock;
}

/** Builds the outbox Notifier. main.ts passes it to createIdentity. */
export function createNotifier(deps: NotifierDeps): Notifier {
  return {
    async enqueue(executor: Executor, request: NotificationRequest): Promise<void> {
      assertDestination(request);
      const message = renderNotification(request);
      const now = new Date(deps.clock.nowMs());
      const inApp = request.channel === 'in_app';
      const cls = TEMPLATE_CATEGORIES[request.template];
      if (request.userId !== null) {
        await keepInInbox(executor, now.getTime(), {
          userId: request.userId,
          template: request.template,
          vars: request.vars,
        });
        if (!cls.critical && cls.category !== 'security' && !inApp) {
          const wanted = await channelEnabled(executor, {
            userId: request.userId,
            category: cls.category,
            channel: request.channel,
          });
          if (!wanted) return; // switched off by the user for this category
        }
      }
      await executor
        .insertInto('notification_outbox')
        .values({
          user_id: request.userId,
          channel: request.channel,
          destination: request.destination,
          template: request.template,
          locale: request.locale,
          subject: inApp ? redactSecrets(request.template, message.subject) : message.subject,
          body: inApp ? redactSecrets(request.template, message.body) : message.body,
          created_at: now,
          next_attempt_at: now,
          sent_at: inApp ? now : null,
        })
        .execute();
    },
  };
}

/** Destinations come from identity, which normalised them; a bad one here is a bug. */
function assertDestination(request: NotificationRequest): void {
  const { channel, destination } = request;
  switch (channel) {
    case 'sms':
      assert(PHONE_E164_PATTERN.test(destination), 'an SMS destination is an E.164 phone number');
      return;
    case 'email':
      assert(
        destination.length <= EMAIL_ADDRESS_CHARS_MAX && EMAIL_DESTINATION_PATTERN.test(destination),
        'an e-mail destination is one plain address',
      );
      return;
    case 'in_app':
      assert(
        request.userId !== null &&
          destination.length > 0 &&
          destination.length <= IN_APP_DESTINATION_CHARS_MAX,
        'an in-app message names its user',
      );
      assert(request.template !== 'otp_code', 'a one-time code is never sent to the in-app inbox');
      return;
    default:
      assert(false, `unknown notification channel ${String(channel)}`);
  }
}
