/**
 * The developer inbox: in embedded/demo mode the built-in SMS (and, without SMTP, e-mail)
 * providers "send" by recording the message here, and the web app shows it at
 * GET /api/v1/dev/inbox, so a person can try every flow without a phone. Memory only, one
 * process, bounded: the oldest message goes when the ring is full. Never wired in production: it
 * shows anyone every code.
 */
import { assert, type Clock } from '../shared/index.ts';

/** Messages kept; enough for a long manual session, small enough to never matter. */
export const DEV_INBOX_MESSAGES_MAX = 200;

export interface DevInboxMessage {
  readonly channel: 'sms' | 'email';
  readonly to: string;
  /** null for SMS. */
  readonly subject: string | null;
  readonly text: string;
  readonly sentAt: Date;
}

export interface DevInbox {
  record(message: Omit<DevInboxMessage, 'sentAt'>): void;
  /** Newest first; `to` matches a phone number or an e-mail address (case, spaces and dashes ignored). */
  list(query: { readonly to?: string | undefined; readonly limit: number }): DevInboxMessage[];
}

export function createDevInbox(options: { clock: Clock; messagesMax?: number }): DevInbox {
  const messagesMax = options.messagesMax ?? DEV_INBOX_MESSAGES_MAX;
  assert(Number.isSafeInteger(messagesMax) && messagesMax > 0, 'the dev inbox holds at least one message');
  const ring: (DevInboxMessage | undefined)[] = new Array(messagesMax);
  let written = 0; // messages recorded so far; the next goes to ring[written % messagesMax]

  return {
    record(message) {
      ring[written % messagesMax] = Object.freeze({ ...message, sentAt: new Date(options.clock.nowMs()) });
      written += 1;
    },
    list({ to, limit }) {
      assert(Number.isSafeInteger(limit) && limit > 0, 'a dev inbox page holds at least one message');
      const wanted = to === undefined ? undefined : normalizeAddress(to);
      const found: DevInboxMessage[] = [];
      const held = Math.min(written, messagesMax);
      for (let back = 1; back <= held && found.length < limit; back++) {
        const message = ring[(written - back) % messagesMax];
        assert(message !== undefined, 'every slot below the write count is filled');
        if (wanted === undefined || normalizeAddress(message.to) === wanted) found.push(message);
      }
      return found;
    },
  };
}

function normalizeAddress(address: string): string {
  return address.replace(/[\s()-]/g, '').toLowerCase();
}
