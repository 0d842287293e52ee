// Proves e-mail really goes out over SMTP: a local smtp-server on 127.0.0.1 (port 0) receives what
// the delivery worker sends through nodemailer, and the test decodes the raw message (recipient,
// sender, UTF-8 subject and body). Also: a refused recipient becomes a retry with the server's
// reason; credentials are never sent without TLS unless explicitly allowed; an unreachable server
// fails the attempt fast.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { createDeliveryWorker, type DeliveryLogger } from './delivery-worker.ts';
import { createDevInbox } from './dev-inbox.ts';
import { createNotifier } from './outbox.ts';
import { createDevInboxSmsProvider, createSmtpEmailProvider, type SmtpOptions } from './providers.ts';
import { renderTemplate } from './templates.ts';

interface Received {
  mailFrom: string | null;
  rcptTo: string[];
  user: unknown;
  raw: string;
}

interface LocalSmtp {
  port: number;
  received: Received[];
  authAttempts: number;
  close(): Promise<void>;
}

/** A real SMTP server on a free loopback port that keeps every message it accepts. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<LocalSmtp> {
  const received: Received[] = [];
  const local = { received, authAttempts: 0 };
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce')) {
        callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onAuth(auth, _session, callback) {
      local.authAttempts += 1;
      if (auth.username === 'rampart' && auth.password === 'smtp-secret') {
        callback(null, { user: auth.username });
        return;
      }
      callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          rcptTo: session.envelope.rcptTo.map((a) => a.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    received,
    get authAttempts() {
      return local.authAttempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- a minimal MIME reader: enough for nodemailer's single-part text/plain messages ----------

function parseMessage(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headerBlock = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' '); // unfold
  const headers = new Map<string, string>();
  for (const line of headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase() ?? '7bit';
  let text = body;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  return { headers, text: text.replace(/\r\n/g, '\n').replace(/\n$/, '') };
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=), as nodemailer writes non-ASCII headers. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_all, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

// ---- the tests ----------------------------------------------------------------------------------

const silent: DeliveryLogger = { warn: () => {}, error: () => {} };
let store: TestStore;
let smtp: LocalSmtp;
const clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0));
const notifier = createNotifier({ clock });
const FROM = 'no-reply@rampart.test';

function workerFor(options: Partial<SmtpOptions> & { port: number }) {
  return createDeliveryWorker({
    db: store.db,
    clock,
    email: createSmtpEmailProvider({
      host: '127.0.0.1',
      secure: false,
      from: `"Rampart" <${FROM}>`,
      ...options,
    }),
    sms: createDevInboxSmsProvider(createDevInbox({ clock })),
    logger: silent,
  });
}

before(async () => {
  store = await openTestStore();
  smtp = await startSmtp();
});
after(async () => {
  await smtp?.close();
  await store?.close();
});
beforeEach(async () => {
  await store.db.deleteFrom('notification_outbox').execute();
  smtp.received.length = 0;
});

async function queueEmail(to: string, locale: 'zh-CN' | 'en'): Promise<void> {
  await notifier.enqueue(store.db, {
    userId: null,
    channel: 'email',
    destination: to,
    template: 'otp_code',
    locale,
    vars: { code: '864209', purpose: 'change_email', minutes: '5' },
  });
}

describe('e-mail over real SMTP', () => {
  test('the worker delivers a Chinese code e-mail; the server receives recipient, subject and body intact', async () => {
    await queueEmail('zhang.san@example.com', 'zh-CN');
    assert.equal(await workerFor({ port: smtp.port }).runOnce(), 1);
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.deepEqual(mail?.rcptTo, ['zhang.san@example.com']);
    assert.equal(mail?.mailFrom, FROM);
    const { headers, text } = parseMessage(mail!.raw);
    const expected = renderTemplate('otp_code', 'zh-CN', {
      code: '864209',
      purpose: 'change_email',
      minutes: '5',
    });
    assert.equal(decodeHeader(headers.get('subject') ?? ''), 'Rampart 更换邮箱验证码');
    assert.equal(headers.get('to'), 'zhang.san@example.com');
    assert.match(headers.get('from') ?? '', /Rampart.*<no-reply@rampart\.test>/);
    assert.match(headers.get('content-type') ?? '', /text\/plain; charset=utf-8/i);
    assert.equal(text, expected.emailText);
    assert.match(text, /864209/);
    const row = await store.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
    assert.ok(row.sent_at);
    assert.doesNotMatch(row.body, /864209/);
  });

  test('an English e-mail arrives too', async () => {
    await queueEmail('john@example.com', 'en');
    assert.equal(await workerFor({ port: smtp.port }).runOnce(), 1);
    const { headers, text } = parseMessage(smtp.received[0]!.raw);
    assert.equal(decodeHeader(headers.get('subject') ?? ''), 'Your Rampart e-mail change code');
    assert.match(text, /^Your code for e-mail change is:\n\n {4}864209\n/);
  });

  test("a refused recipient is a failed attempt with the server's reason, retried later", async () => {
    await queueEmail('bounce@example.com', 'en');
    assert.equal(await workerFor({ port: smtp.port }).runOnce(), 0);
    assert.equal(smtp.received.length, 0);
    const row = await store.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.attempts, 1);
    assert.equal(row.failed_at, null);
    assert.match(row.last_error ?? '', /550/);
    assert.ok(row.next_attempt_at.getTime() > clock.nowMs());
  });

  test('an address that would read as two recipients is refused before any connection', async () => {
    await queueEmail('victim,attacker@example.com', 'en');
    assert.equal(await workerFor({ port: smtp.port }).runOnce(), 0);
    assert.equal(smtp.received.length, 0);
    const row = await store.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
    assert.match(row.last_error ?? '', /^invalid_recipient: /);
  });

  test('credentials go to the server only over TLS, unless a loopback relay is explicitly allowed', async () => {
    const authSmtp = await startSmtp({ authOptional: false, allowInsecureAuth: true });
    try {
      await queueEmail('auth@example.com', 'en');
      const credentials = { port: authSmtp.port, user: 'rampart', pass: 'smtp-secret' };
      assert.equal(await workerFor(credentials).runOnce(), 0, 'no STARTTLS offered: refused to log in');
      assert.equal(authSmtp.authAttempts, 0, 'the password never left the process');
      const row = await store.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
      assert.doesNotMatch(row.last_error ?? '', /smtp-secret/);

      clock.advance(60_000);
      assert.equal(await workerFor({ ...credentials, requireTls: false }).runOnce(), 1);
      assert.equal(authSmtp.received[0]?.user, 'rampart');
    } finally {
      await authSmtp.close();
    }
  });

  test('an unreachable server fails the attempt quickly', async () => {
    const gone = await startSmtp();
    await gone.close();
    await queueEmail('nobody@example.com', 'en');
    const started = Date.now();
    assert.equal(await workerFor({ port: gone.port }).runOnce(), 0);
    assert.ok(Date.now() - started < 5_000);
    const row = await store.db.selectFrom('notification_outbox').selectAll().executeTakeFirstOrThrow();
    assert.match(row.last_error ?? '', /ECONNREFUSED|ESOCKET|ECONNECTION/);
  });
});
