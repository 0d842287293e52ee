// Proves GET /api/v1/dev/inbox lists what the dev providers "sent", newest first, filtered by
// recipient (however the number is typed) and bounded by limit, never cached; bad queries are
// 400s. A bare Fastify app with the real error handler, through inject().
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import {
  createDevInbox,
  createDevInboxEmailProvider,
  createDevInboxSmsProvider,
  DEV_INBOX_MESSAGES_MAX,
} from '../../notify/index.ts';
import { ManualClock } from '../../shared/index.ts';
import { installErrorHandling } from '../errors.ts';
import { DEV_INBOX_PAGE_DEFAULT, devInboxRoutes } from './dev-inbox-routes.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0));
const inbox = createDevInbox({ clock });
let app: FastifyInstance;

before(async () => {
  app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  await app.register(devInboxRoutes, { inbox });
  await app.ready();

  const sms = createDevInboxSmsProvider(inbox);
  const email = createDevInboxEmailProvider(inbox);
  await sms.send({
    to: '+8613800000001',
    text: '【Rampart】验证码 111111，5分钟内有效。请勿告诉任何人，包括客服。',
  });
  clock.advance(1_000);
  await email.send({ to: 'Zhang.San@example.com', subject: 'Rampart 注册验证码', text: '验证码 222222' });
  clock.advance(1_000);
  await sms.send({ to: '+8613800000002', text: '[Rampart] Your code is 333333, valid for 5 minutes.' });
  clock.advance(1_000);
  await sms.send({
    to: '+8613800000001',
    text: '【Rampart】验证码 444444，5分钟内有效。请勿告诉任何人，包括客服。',
  });
});
after(async () => {
  await app?.close();
});

describe('dev inbox route', () => {
  test('lists the latest messages, newest first, with their channel, subject and time', async () => {
    const r = await app.inject({ url: '/api/v1/dev/inbox' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    const { messages } = r.json();
    assert.deepEqual(
      messages.map((m: { text: string }) => m.text.match(/\d{6}/)?.[0]),
      ['444444', '333333', '222222', '111111'],
    );
    assert.deepEqual(messages[2], {
      channel: 'email',
      to: 'Zhang.San@example.com',
      subject: 'Rampart 注册验证码',
      text: '验证码 222222',
      sentAt: new Date(Date.UTC(2026, 2, 1, 8, 0, 1)).toISOString(),
    });
    assert.equal(messages[0].subject, null);
  });

  test('filters by recipient, however the number or address is written', async () => {
    const phone = await app.inject({
      url: `/api/v1/dev/inbox?to=${encodeURIComponent('+86 138-0000-0001')}`,
    });
    assert.deepEqual(
      phone.json().messages.map((m: { text: string }) => m.text.match(/\d{6}/)?.[0]),
      ['444444', '111111'],
    );
    const mail = await app.inject({ url: '/api/v1/dev/inbox?to=zhang.san@EXAMPLE.com' });
    assert.equal(mail.json().messages.length, 1);
    const none = await app.inject({ url: '/api/v1/dev/inbox?to=%2B8613999999999' });
    assert.deepEqual(none.json(), { messages: [] });
  });

  test('limit bounds the page; bad queries are 400 validation_failed', async () => {
    const one = await app.inject({ url: '/api/v1/dev/inbox?limit=1' });
    assert.equal(one.json().messages.length, 1);
    for (const query of ['limit=0', `limit=${DEV_INBOX_MESSAGES_MAX + 1}`, 'limit=abc', 'to=', 'other=1']) {
      const r = await app.inject({ url: `/api/v1/dev/inbox?${query}` });
      assert.equal(r.statusCode, 400, query);
      assert.equal(r.json().error.code, 'validation_failed');
    }
    assert.ok(DEV_INBOX_PAGE_DEFAULT <= DEV_INBOX_MESSAGES_MAX);
  });
});
