/**
 * Where messages leave Rampart. E-mail goes over real SMTP with nodemailer; SMS goes through the
 * `SmsProvider` interface, whose only built-in implementation (embedded/demo mode) writes to the
 * developer inbox. A real SMS gateway (Aliyun, Tencent Cloud, Twilio…) is one more object with a
 * `send` method. A provider resolves once the message is accepted and throws otherwise; the
 * delivery worker retries.
 */
import nodemailer from 'nodemailer';
import { assert } from '../shared/index.ts';
import type { DevInbox } from './dev-inbox.ts';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface SmsMessage {
  /** E.164, e.g. +8613812345678. */
  readonly to: string;
  readonly text: string;
}

export interface EmailProvider {
  send(message: EmailMessage): Promise<void>;
}

export interface SmsProvider {
  send(message: SmsMessage): Promise<void>;
}

/** Connecting and the server's greeting: a healthy relay answers in well under a second. */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
/** Silence on an open connection (nodemailer's default is 10 minutes; a worker cannot wait that long). */
export const SMTP_SOCKET_TIMEOUT_MS = 20_000;

/**
 * One plain mailbox, `local@domain.tld`: no display name, no list, no comments or quoting.
 * Commas, semicolons, angle brackets and quotes are refused because a mail library reads them as
 * address syntax, and a stored destination must never turn into a second recipient.
 */
export const EMAIL_ADDRESS_PATTERN =
  /^[^\s@,;:<>()[\]\\"\p{Cc}]+@[^\s@,;:<>()[\]\\"\p{Cc}]+\.[^\s@,;:<>()[\]\\"\p{Cc}]+$/u;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
export const EMAIL_ADDRESS_CHARS_MAX = 254;

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** true: TLS from the first byte (port 465). false: plain, upgraded by STARTTLS when offered. */
  readonly secure: boolean;
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  /** The From address, e.g. `"Rampart" <no-reply@example.com>`. */
  readonly from: string;
  /**
   * Refuse to send without TLS. Defaults to true whenever credentials are configured, so a
   * password never crosses the network in clear (ASVS 5.0 V12.3.1); set false only for a relay
   * on localhost.
   */
  readonly requireTls?: boolean | undefined;
}

/** E-mail over SMTP (RFC 5321) with nodemailer: one connection per message, plain-text body. */
export function createSmtpEmailProvider(options: SmtpOptions): EmailProvider {
  assert(options.host.length > 0, 'an SMTP host is configured');
  assert(Number.isInteger(options.port) && options.port > 0 && options.port < 65_536, 'an SMTP port');
  assert((options.user === undefined) === (options.pass === undefined), 'SMTP user and password go together');
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTls ?? (options.user !== undefined && !options.secure),
    auth: options.user !== undefined ? { user: options.user, pass: options.pass } : undefined,
    tls: { minVersion: 'TLSv1.2' },
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    // Messages are plain text built by templates.ts: never let content reach files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(message) {
      if (message.to.length > EMAIL_ADDRESS_CHARS_MAX || !EMAIL_ADDRESS_PATTERN.test(message.to)) {
        throw Object.assign(new Error('not a single plain e-mail address; not sent'), {
          code: 'invalid_recipient',
        });
      }
      const info = await transport.sendMail({
        from: options.from,
        // An address object is used as is: nodemailer does not parse it for further recipients.
        to: { name: '', address: message.to },
        subject: message.subject,
        text: message.text,
      });
      // With one recipient nodemailer throws on rejection; this guards a partial acceptance.
      if (info.rejected.length > 0 || info.accepted.length === 0) {
        throw new Error(`SMTP server did not accept the recipient (${String(info.response)})`);
      }
    },
  };
}

/** Embedded/demo mode only: the "SMS" lands in the developer inbox. */
export function createDevInboxSmsProvider(inbox: DevInbox): SmsProvider {
  return {
    async send(message) {
      inbox.record({ channel: 'sms', to: message.to, subject: null, text: message.text });
    },
  };
}

/** Embedded/demo mode without SMTP: e-mail lands in the developer inbox too. */
export function createDevInboxEmailProvider(inbox: DevInbox): EmailProvider {
  return {
    async send(message) {
      inbox.record({ channel: 'email', to: message.to, subject: message.subject, text: message.text });
    },
  };
}

/**
 * For a production start without a gateway for this channel: every send fails, so messages stay
 * in the outbox (retried, then marked failed with this reason) instead of vanishing silently.
 */
export function createUnconfiguredProvider(channel: 'sms' | 'email'): SmsProvider & EmailProvider {
  return {
    async send() {
      throw new Error(`no ${channel === 'sms' ? 'SMS' : 'e-mail'} provider is configured`);
    },
  };
}
