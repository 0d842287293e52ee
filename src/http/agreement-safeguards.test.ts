// Proves two safeguards of agreements and family cards over HTTP, on PGlite or PostgreSQL:
// issue 7 point 1 (a frozen account signs no agreement, offers or accepts no family card, and no
// agreement debit or family-card payment draws on a frozen owner's wallet; nothing moves), and the
// notices of issue 9 (agreement signed, agreement debited, family card offered, family card used
// reach the inbox, and the outbox for the channels the user keeps on).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { type AgreementClient, cny, createAgreementKit } from '../testing/agreement-kit.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

/** Tuesday 10 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 10, 2, 0, 0));
let t: TestApp;

type Client = AgreementClient;

const PASSWORD = 'safeguards-login-2026';
const PIN = '583917';
const MERCHANT: string = DEMO_MERCHANT.id;
const { newUser, call, topUp, walletBalance, merchantBalance, requestAgreement, signedAgreement, debit } =
  createAgreementKit(() => t, { phoneBase: 41_000_000, ipPrefix: '10.51', password: PASSWORD, pin: PIN });

before(async () => {
  t = await openTestApp({ clock });
});
after(async () => {
  if (t) {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    await t.close();
  }
});

async function setFrozen(userId: string, frozen: boolean): Promise<void> {
  await t.store.db
    .updateTable('users')
    .set(
      frozen
        ? { frozen_at: new Date(clock.nowMs()), frozen_reason: 'test' }
        : { frozen_at: null, frozen_reason: null },
    )
    .where('id', '=', userId)
    .execute();
}

function offerCard(owner: Client, member: Client, monthlyCapMinor = 10_000) {
  return call(owner, 'POST', '/api/v1/me/family-cards', {
    memberPhone: member.phone,
    monthlyCap: cny(monthlyCapMinor),
    paymentPassword: PIN,
  });
}

function payWithCard(member: Client, cardId: string, amountMinor: number, key: string) {
  return call(member, 'POST', `/api/v1/me/family-cards/${cardId}/payments`, {
    merchantId: MERCHANT,
    amount: cny(amountMinor),
    paymentPassword: PIN,
    clientRequestId: key,
  });
}

function assertFrozen(response: { statusCode: number; body: string; json(): { error: { code: string } } }) {
  assert.equal(response.statusCode, 423, response.body);
  assert.equal(response.json().error.code, 'account_frozen');
}

describe('a frozen account (issue 7 point 1)', () => {
  test('cannot sign an agreement, and its signed agreement is not debited', async () => {
    const user = await newUser();
    await topUp(user.userId, 10_000n);
    const pending = await requestAgreement(user.userId, { perDebit: 1_000, monthly: 5_000 });
    const active = await signedAgreement(user, { perDebit: 1_000, monthly: 5_000 });
    await setFrozen(user.userId, true);

    assertFrozen(
      await call(user, 'POST', `/api/v1/me/agreements/${pending}/confirm`, { paymentPassword: PIN }),
    );
    const still = await call(user, 'GET', `/api/v1/me/agreements/${pending}`);
    assert.equal(still.json().agreement.status, 'pending');

    const merchantBefore = await merchantBalance();
    assertFrozen(await debit(active, 500, 'frozen-1'));
    assert.equal(await walletBalance(user.userId), 10_000n);
    assert.equal(await merchantBalance(), merchantBefore);
    const debits = await call(user, 'GET', `/api/v1/me/agreements/${active}`);
    assert.equal(debits.json().debits.length, 0);

    // Unfrozen, the same key debits once: the refusal left nothing behind.
    await setFrozen(user.userId, false);
    assert.equal((await debit(active, 500, 'frozen-1')).statusCode, 201);
    assert.equal(await walletBalance(user.userId), 9_500n);
  });

  test('cannot offer a family card, and a frozen member cannot accept one', async () => {
    const owner = await newUser();
    const member = await newUser();
    await setFrozen(owner.userId, true);
    assertFrozen(await offerCard(owner, member));
    assert.equal((await call(owner, 'GET', '/api/v1/me/family-cards')).json().cards.length, 0);
    await setFrozen(owner.userId, false);

    const offered = await offerCard(owner, member);
    assert.equal(offered.statusCode, 201, offered.body);
    const cardId = offered.json().id;
    await setFrozen(member.userId, true);
    assertFrozen(await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`));
    await setFrozen(member.userId, false);
    // A card whose owner froze meanwhile is not taken on either.
    await setFrozen(owner.userId, true);
    assertFrozen(await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`));
    const cards = (await call(member, 'GET', '/api/v1/me/family-cards')).json().cards;
    assert.equal(cards[0].status, 'pending');
    await setFrozen(owner.userId, false);
    const accepted = await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().status, 'active');
  });

  test("a family-card payment never draws on a frozen owner's wallet", async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 20_000n);
    const cardId = (await offerCard(owner, member)).json().id;
    assert.equal((await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`)).statusCode, 200);
    await setFrozen(owner.userId, true);
    const merchantBefore = await merchantBalance();
    assertFrozen(await payWithCard(member, cardId, 1_000, 'fz-1'));
    assert.equal(await walletBalance(owner.userId), 20_000n);
    assert.equal(await merchantBalance(), merchantBefore);
    assert.equal(
      (await call(owner, 'GET', `/api/v1/me/family-cards/${cardId}/payments`)).json().payments.length,
      0,
    );
    await setFrozen(owner.userId, false);
    assert.equal((await payWithCard(member, cardId, 1_000, 'fz-1')).statusCode, 201);
    assert.equal(await walletBalance(owner.userId), 19_000n);
  });
});

interface InboxMessage {
  template: string;
  category: string;
  critical: boolean;
  body: string;
}

async function inbox(client: Client): Promise<InboxMessage[]> {
  const r = await call(client, 'GET', '/api/v1/me/inbox?limit=50');
  assert.equal(r.statusCode, 200, r.body);
  return r.json().messages;
}

async function outbox(destination: string, template: string) {
  return t.store.db
    .selectFrom('notification_outbox')
    .select(['channel', 'body', 'user_id'])
    .where('destination', '=', destination)
    .where('template', '=', template)
    .execute();
}

describe('notices (issue 9)', () => {
  test('signing and each debit of an agreement reach the user; a refused debit tells nobody', async () => {
    const user = await newUser();
    await topUp(user.userId, 10_000n);
    const agreementId = await signedAgreement(user, { perDebit: 2_000, monthly: 5_000 });
    const signed = (await inbox(user)).filter((m) => m.template === 'agreement_signed');
    assert.equal(signed.length, 1);
    assert.equal(signed[0]?.category, 'security');
    assert.equal(signed[0]?.critical, true);
    assert.ok(signed[0]?.body.includes(DEMO_MERCHANT.name), signed[0]?.body);
    assert.match(signed[0]?.body ?? '', /50\.00/);
    const sms = await outbox(user.phone, 'agreement_signed');
    assert.equal(sms.length, 1);
    assert.equal(sms[0]?.channel, 'sms');
    assert.equal(sms[0]?.user_id, user.userId);

    assert.equal((await debit(agreementId, 1_234, 'n-1')).statusCode, 201);
    clock.advance(60_000);
    assert.equal((await debit(agreementId, 1_500, 'n-2')).statusCode, 201);
    // Refused (per-debit cap) and replayed debits add no notice.
    assert.equal((await debit(agreementId, 2_001, 'n-3')).statusCode, 422);
    assert.equal((await debit(agreementId, 1_234, 'n-1')).statusCode, 200);
    const debited = (await inbox(user)).filter((m) => m.template === 'agreement_debited');
    assert.equal(debited.length, 2);
    assert.match(debited[0]?.body ?? '', /15\.00/);
    assert.match(debited[1]?.body ?? '', /12\.34/);
    assert.ok(debited.every((m) => m.category === 'payments' && m.body.includes(DEMO_MERCHANT.name)));
    assert.equal((await outbox(user.userId, 'agreement_debited')).length, 2, 'in-app rows in the outbox');
  });

  test('a family card offered reaches the member, each use reaches the owner', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 50_000n);
    const offered = await offerCard(owner, member, 20_000);
    assert.equal(offered.statusCode, 201, offered.body);
    const cardId = offered.json().id;
    const offers = (await inbox(member)).filter((m) => m.template === 'family_card_offered');
    assert.equal(offers.length, 1);
    assert.match(offers[0]?.body ?? '', /200\.00/);
    assert.ok(!offers[0]?.body.includes(`Signer`), 'the owner’s name is masked');
    assert.equal((await outbox(member.phone, 'family_card_offered')).length, 1);
    assert.equal((await inbox(owner)).filter((m) => m.template === 'family_card_offered').length, 0);

    assert.equal((await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`)).statusCode, 200);
    assert.equal((await payWithCard(member, cardId, 2_345, 'use-1')).statusCode, 201);
    // Over the cap: refused, no notice.
    assert.equal((await payWithCard(member, cardId, 20_000, 'use-2')).statusCode, 422);
    const uses = (await inbox(owner)).filter((m) => m.template === 'family_card_used');
    assert.equal(uses.length, 1);
    assert.match(uses[0]?.body ?? '', /23\.45/);
    assert.ok(uses[0]?.body.includes(DEMO_MERCHANT.name), uses[0]?.body);
    assert.equal((await inbox(member)).filter((m) => m.template === 'family_card_used').length, 0);
  });
});
