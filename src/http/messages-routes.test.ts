// Proves issue 9's notification centre over HTTP (app.inject on a real store, PGlite or
// PostgreSQL): a new-device sign-in alert lands once in the signed-in user's inbox (though it went
// out on SMS and in-app), in the user's language and re-read in the other after a language
// switch; read/unread, the badge count, mark-all-read, filters and pagination; a user never sees
// or marks another's messages; security preferences cannot be switched off (preference_locked);
// operators' announcements are refused with HTML, reach only their segment, and only once their
// scheduled time has come; the quiz is scored by the server and kept; and API errors are told in
// zh-CN or English by the user's setting, then Accept-Language, with English for anything else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createModules, type Modules } from '../main.ts';
import { createNotifier } from '../notify/index.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
let store: TestStore;
let modules: Modules;
let app: FastifyInstance;

before(async () => {
  store = await openTestStore();
  const config = loadConfig(
    {},
    { logLevel: 'silent', webDistDir: '/nonexistent', operatorToken: TEST_OPERATOR_TOKEN },
  );
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
  });
  app = await buildApp({ config, clock, ping: store.ping, ...modules, demo: false });
  await app.ready();
});
after(async () => {
  await app?.close();
  await modules?.ledger.drain();
  await store?.close();
});

interface Client {
  readonly phone: string;
  readonly ip: string;
  readonly userId: string;
  readonly token: string;
}

const PASSWORD = 'inbox-reader-2026';
let counter = 0;

/** A new user signed in through the SMS challenge of a new device (which sends a sign-in alert). */
async function newUser(locale: 'zh-CN' | 'en' = 'en'): Promise<Client> {
  counter++;
  const phone = `+86137${String(40_000_000 + counter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName: `Reader ${counter}`,
    password: PASSWORD,
    paymentPassword: '583917',
  });
  await store.db.updateTable('users').set({ locale }).where('id', '=', user.id).execute();
  const ip = `10.41.0.${counter}`;
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    clock.advance(61_000);
    assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await lastSentCode(store.db, phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  return { phone, ip, userId: response.json().user.id, token: response.json().token };
}

function call(
  client: Client,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}`, ...headers },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

function operator(method: 'GET' | 'POST', url: string, payload?: object, token = TEST_OPERATOR_TOKEN) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
}

async function inboxOk(client: Client, url: string) {
  const response = await call(client, 'GET', url);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** A security notice as identity sends it: SMS, then in-app, in one transaction. */
async function securityNotice(client: Client, change: string): Promise<void> {
  const notifier = createNotifier({ clock });
  const time = new Date(clock.nowMs()).toISOString();
  await store.db.transaction().execute(async (trx) => {
    for (const channel of ['sms', 'in_app'] as const) {
      await notifier.enqueue(trx, {
        userId: client.userId,
        channel,
        destination: channel === 'sms' ? client.phone : client.userId,
        template: 'security_change',
        locale: 'en',
        vars: { change, time },
      });
    }
  });
}

describe('notification centre', () => {
  test('a sign-in alert is kept once, in both languages, with read state and a badge', async () => {
    const alice = await newUser('zh-CN');
    assert.deepEqual((await call(alice, 'GET', '/api/v1/me/locale')).json(), {
      locale: 'zh-CN',
      chosen: false,
    });
    const inbox = await call(alice, 'GET', '/api/v1/me/inbox');
    assert.equal(inbox.statusCode, 200, inbox.body);
    const { messages, unread } = inbox.json();
    const alerts = messages.filter((m: { template: string }) => m.template === 'new_sign_in');
    assert.equal(alerts.length, 1, 'SMS and in-app copies of one alert are one inbox message');
    assert.equal(alerts[0].category, 'security');
    assert.equal(alerts[0].critical, true);
    assert.match(alerts[0].title, /新设备登录/, 'zh-CN user reads Chinese');
    assert.doesNotMatch(alerts[0].body, /token=/, 'the not-me link token is not kept in the inbox');
    assert.equal(alerts[0].readAt, null);
    assert.equal(unread, messages.length);
    assert.deepEqual((await call(alice, 'GET', '/api/v1/me/inbox/unread-count')).json(), { unread });

    // Switching the language re-reads the same message in English.
    assert.equal((await call(alice, 'PUT', '/api/v1/me/locale', { locale: 'en' })).statusCode, 200);
    assert.deepEqual((await call(alice, 'GET', '/api/v1/me/locale')).json(), { locale: 'en', chosen: true });
    const english = (await call(alice, 'GET', '/api/v1/me/inbox')).json().messages[0];
    assert.equal(english.id, alerts[0].id);
    assert.match(english.title, /New sign-in/);

    const read = await call(alice, 'POST', `/api/v1/me/inbox/${alerts[0].id}/read`);
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().unread, unread - 1);
    const again = await call(alice, 'POST', `/api/v1/me/inbox/${alerts[0].id}/read`);
    assert.equal(again.json().unread, unread - 1, 'marking read twice changes nothing');
    const after = (await call(alice, 'GET', '/api/v1/me/inbox')).json().messages[0];
    assert.ok(after.readAt, 'read state is kept');
  });

  test('filters, unread-only, mark all read and pagination', async () => {
    const bob = await newUser();
    for (const change of ['password', 'phone', 'totp', 'passkey', 'email']) {
      clock.advance(1_000);
      await securityNotice(bob, change);
    }
    const all = (await call(bob, 'GET', '/api/v1/me/inbox?limit=50')).json();
    const total = all.messages.length;
    assert.ok(total >= 6, `five notices and the sign-in alert (got ${total})`);
    assert.equal(
      all.messages.filter((m: { template: string }) => m.template === 'security_change').length,
      5,
      'one row per notice though each went out on two channels',
    );

    // Pages of 2, newest first, no message twice, none missed.
    const seen: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = `/api/v1/me/inbox?limit=2${before ? `&before=${before}` : ''}`;
      const page = (await call(bob, 'GET', query)).json();
      assert.ok(page.messages.length <= 2);
      seen.push(...page.messages.map((m: { id: string }) => m.id));
      before = page.nextBefore;
      if (before === null) break;
    }
    assert.deepEqual(
      seen,
      all.messages.map((m: { id: string }) => m.id),
    );

    const security = (await call(bob, 'GET', '/api/v1/me/inbox?category=security')).json();
    assert.equal(security.messages.length, Math.min(20, total));
    const payments = (await call(bob, 'GET', '/api/v1/me/inbox?category=payments')).json();
    assert.equal(payments.messages.length, 0);
    const bad = await call(bob, 'GET', '/api/v1/me/inbox?category=spam');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');

    const marked = await call(bob, 'POST', '/api/v1/me/inbox/read-all', {});
    assert.equal(marked.statusCode, 200, marked.body);
    assert.equal(marked.json().marked, total);
    assert.equal(marked.json().unread, 0);
    assert.equal((await call(bob, 'GET', '/api/v1/me/inbox?unread=true')).json().messages.length, 0);
  });

  test('a user sees and marks only their own messages', async () => {
    const carol = await newUser();
    const dave = await newUser();
    const carolsId = (await call(carol, 'GET', '/api/v1/me/inbox')).json().messages[0].id;
    const davesIds = (await call(dave, 'GET', '/api/v1/me/inbox'))
      .json()
      .messages.map((m: { id: string }) => m.id);
    assert.ok(!davesIds.includes(carolsId));
    const stolen = await call(dave, 'POST', `/api/v1/me/inbox/${carolsId}/read`);
    assert.equal(stolen.statusCode, 404);
    assert.equal(stolen.json().error.code, 'message_not_found');
    const still = (await call(carol, 'GET', '/api/v1/me/inbox')).json().messages[0];
    assert.equal(still.readAt, null, "Dave's attempt did not mark Carol's message");
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/me/inbox' });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('preferences', () => {
  test('security notices cannot be switched off; other categories can, per channel', async () => {
    const erin = await newUser();
    const initial = (await call(erin, 'GET', '/api/v1/me/notification-preferences')).json();
    const security = initial.categories.find((c: { category: string }) => c.category === 'security');
    assert.deepEqual(security, {
      category: 'security',
      locked: true,
      channels: { sms: true, email: true, in_app: true },
    });
    const announcements = initial.categories.find(
      (c: { category: string }) => c.category === 'announcements',
    );
    assert.deepEqual(announcements.channels, { in_app: true }, 'announcements are in-app only');

    const refused = await call(erin, 'PUT', '/api/v1/me/notification-preferences', {
      category: 'security',
      channel: 'sms',
      enabled: false,
    });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'preference_locked');

    const notOffered = await call(erin, 'PUT', '/api/v1/me/notification-preferences', {
      category: 'announcements',
      channel: 'sms',
      enabled: true,
    });
    assert.equal(notOffered.statusCode, 400);
    assert.equal(notOffered.json().error.code, 'channel_not_offered');

    const off = await call(erin, 'PUT', '/api/v1/me/notification-preferences', {
      category: 'payments',
      channel: 'sms',
      enabled: false,
    });
    assert.equal(off.statusCode, 200, off.body);
    const payments = off.json().categories.find((c: { category: string }) => c.category === 'payments');
    assert.deepEqual(payments.channels, { sms: false, email: true, in_app: true });

    // A security notice still reaches every channel after all that.
    const before = await store.db
      .selectFrom('notification_outbox')
      .select('id')
      .where('user_id', '=', erin.userId)
      .execute();
    await securityNotice(erin, 'password');
    const afterRows = await store.db
      .selectFrom('notification_outbox')
      .select('channel')
      .where('user_id', '=', erin.userId)
      .execute();
    assert.equal(afterRows.length, before.length + 2);
  });
});

describe('announcements', () => {
  const texts = {
    en: { title: 'Beware of fake customer service', body: 'Rampart never asks for your codes.' },
    zhCN: { title: '谨防冒充客服诈骗', body: 'Rampart 不会向您索取验证码。' },
  };

  test('operators only; HTML refused; scheduled; reaches its segment once, in the right language', async () => {
    const noToken = await app.inject({
      method: 'POST',
      url: '/api/v1/operator/announcements',
      payload: texts,
    });
    assert.equal(noToken.statusCode, 401);
    const wrongToken = await operator('POST', '/api/v1/operator/announcements', texts, 'x'.repeat(40));
    assert.equal(wrongToken.statusCode, 401);
    const frank = await newUser('en');
    const userToken = await call(frank, 'POST', '/api/v1/operator/announcements', texts);
    assert.equal(userToken.statusCode, 401, "a user's session token is not an operator token");

    for (const body of [
      '<script>alert(1)</script>',
      'Click <a href="https://evil.example">here</a>',
      'Hello &lt;b&gt;',
      'Open javascript:alert(1)',
      '<!-- hidden -->',
      '<img src=x onerror=alert(1)>',
    ]) {
      const unsafe = await operator('POST', '/api/v1/operator/announcements', {
        ...texts,
        en: { ...texts.en, body },
      });
      assert.equal(unsafe.statusCode, 400, body);
      assert.equal(unsafe.json().error.code, 'unsafe_content', body);
    }
    const safeLooking = await operator('POST', '/api/v1/operator/announcements', {
      ...texts,
      en: { title: 'Limits: 1 < 2 and 3 > 2', body: 'Plain text with a < sign & an ampersand is fine.' },
      segment: 'locale_zh',
    });
    assert.equal(safeLooking.statusCode, 201, safeLooking.body);

    const published = await operator('POST', '/api/v1/operator/announcements', { ...texts, segment: 'all' });
    assert.equal(published.statusCode, 201, published.body);
    const scheduled = await operator('POST', '/api/v1/operator/announcements', {
      en: { title: 'Scheduled', body: 'Later.' },
      zhCN: { title: '定时', body: '稍后。' },
      publishAt: new Date(clock.nowMs() + 600_000).toISOString(),
    });
    assert.equal(scheduled.statusCode, 201);
    const tooFar = await operator('POST', '/api/v1/operator/announcements', {
      ...texts,
      publishAt: new Date(clock.nowMs() + 400 * 86_400_000).toISOString(),
    });
    assert.equal(tooFar.statusCode, 400);
    const listed = (await operator('GET', '/api/v1/operator/announcements')).json().announcements;
    assert.ok(listed.some((a: { id: string }) => a.id === scheduled.json().id));

    const grace = await newUser('zh-CN');
    const titles = async (client: Client) =>
      (await inboxOk(client, '/api/v1/me/inbox?category=announcements')).messages.map(
        (m: { title: string }) => m.title,
      );
    assert.deepEqual(await titles(frank), ['Beware of fake customer service']);
    assert.deepEqual(
      await titles(grace),
      ['谨防冒充客服诈骗', '谨防冒充客服诈骗'],
      'all + locale_zh, in Chinese',
    );
    assert.equal((await titles(frank)).length, 1, 'reading again does not deliver twice');

    clock.advance(600_000);
    assert.deepEqual(await titles(frank), ['Scheduled', 'Beware of fake customer service']);
    const badge = (await call(frank, 'GET', '/api/v1/me/inbox/unread-count')).json().unread;
    assert.ok(badge >= 2);

    // Announcements switched off in-app: still in the centre, but already read (no badge).
    const hank = await newUser('en');
    const off = await call(hank, 'PUT', '/api/v1/me/notification-preferences', {
      category: 'announcements',
      channel: 'in_app',
      enabled: false,
    });
    assert.equal(off.statusCode, 200);
    assert.equal(
      (await call(hank, 'GET', '/api/v1/me/inbox/unread-count')).json().unread,
      1,
      'the sign-in alert',
    );
    assert.equal((await titles(hank)).length, 2);
  });
});

describe('security quiz', () => {
  test('scored by the server and kept on the profile', async () => {
    const ivy = await newUser();
    assert.deepEqual((await call(ivy, 'GET', '/api/v1/me/security-quiz')).json(), {
      questions: 5,
      choices: 3,
      result: null,
    });
    const wrongCount = await call(ivy, 'POST', '/api/v1/me/security-quiz', { answers: [1, 0, 2] });
    assert.equal(wrongCount.statusCode, 400);
    const outOfRange = await call(ivy, 'POST', '/api/v1/me/security-quiz', { answers: [1, 0, 2, 1, 7] });
    assert.equal(outOfRange.statusCode, 400);
    const submitted = await call(ivy, 'POST', '/api/v1/me/security-quiz', { answers: [1, 0, 2, 0, 2] });
    assert.equal(submitted.statusCode, 200, submitted.body);
    assert.equal(submitted.json().score, 4);
    assert.deepEqual(submitted.json().correct, [true, true, true, false, true]);
    const kept = (await call(ivy, 'GET', '/api/v1/me/security-quiz')).json().result;
    assert.equal(kept.score, 4);
    assert.equal(kept.questions, 5);
  });
});

describe('error messages in two languages', () => {
  test('user setting, then Accept-Language, then English', async () => {
    const anonymous = (language?: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/me/inbox',
        headers: language === undefined ? {} : { 'accept-language': language },
      });
    assert.equal((await anonymous('zh-CN,zh;q=0.9')).json().error.message, '请先登录。');
    assert.equal((await anonymous('en-GB')).json().error.message, 'Sign in first.');
    assert.equal(
      (await anonymous('fr-FR,de;q=0.8')).json().error.message,
      'Sign in first.',
      'unknown → English',
    );
    assert.equal((await anonymous()).json().error.message, 'Sign in first.');
    assert.equal(
      (await anonymous('en;q=0.5, zh;q=0.9')).json().error.message,
      '请先登录。',
      'quality values count',
    );
    assert.equal((await anonymous('zh;q=0, en')).json().error.message, 'Sign in first.');

    const jack = await newUser('zh-CN');
    const refused = await call(
      jack,
      'PUT',
      '/api/v1/me/notification-preferences',
      { category: 'security', channel: 'sms', enabled: false },
      { 'accept-language': 'en' },
    );
    assert.equal(refused.json().error.code, 'preference_locked');
    assert.match(refused.json().error.message, /无法关闭/, "the user's own setting wins over the header");
    await call(jack, 'PUT', '/api/v1/me/locale', { locale: 'en' });
    const english = await call(jack, 'PUT', '/api/v1/me/notification-preferences', {
      category: 'security',
      channel: 'sms',
      enabled: false,
    });
    assert.match(english.json().error.message, /cannot be switched off/);
    const badLocale = await call(jack, 'PUT', '/api/v1/me/locale', { locale: 'fr' });
    assert.equal(badLocale.statusCode, 400);
  });
});
