// Proves issue 4 point 9 (and issue 6 point 6's wallet side) over HTTP, on PGlite or PostgreSQL:
// a merchant's agreement request (operator-token merchant routes) is pending until the user signs
// it with the payment password; debits move money wallet → merchant settlement in one idempotent
// ledger transfer within the per-debit and monthly caps (concurrent debits never pass the monthly
// cap); cancelled, suspended, unsigned and expired agreements are refused with their codes and a
// debit racing a cancel either lands before it or is refused; family cards spend the owner's
// wallet at a merchant with the member's payment password, inside the monthly cap even under
// concurrency, and never after a cancel; authorised apps are listed and revoked; and nobody sees
// or changes another user's agreement, card or app. Every check reads balances back from the
// ledger, and verifyLedger passes at the end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_MERCHANT, DEMO_USERS } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { type AgreementClient, cny, createAgreementKit } from '../testing/agreement-kit.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

/** Tuesday 10 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 10, 2, 0, 0));
let t: TestApp;

type Client = AgreementClient;

const PASSWORD = 'agreements-login-2026';
const PIN = '583917';
const MERCHANT: string = DEMO_MERCHANT.id;
const OTHER_MERCHANT = 'mch_test_other';
const {
  lastExternalAgreementNo,
  createUser,
  signIn,
  newUser,
  call,
  merchantCall,
  topUp,
  walletBalance,
  merchantBalance,
  requestAgreement,
  signedAgreement,
  debit,
} = createAgreementKit(() => t, { phoneBase: 40_000_000, ipPrefix: '10.50', password: PASSWORD, pin: PIN });

before(async () => {
  t = await openTestApp({ clock });
  // A second merchant, to prove one merchant cannot debit another's agreement.
  const settlement = await t.modules.ledger.createAccount({
    kind: 'merchant_settlement',
    currency: 'CNY',
    ownerId: OTHER_MERCHANT,
    label: 'Other settlement',
  });
  await t.store.db
    .insertInto('merchants')
    .values({
      id: OTHER_MERCHANT,
      name: 'Other Shop',
      settlement_account_id: settlement.id,
      currency: 'CNY',
      created_at: new Date(clock.nowMs()),
    })
    .execute();
});
after(async () => {
  if (t) {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    await t.close();
  }
});

describe('demo seed', () => {
  test('the first demo user has a signed agreement and an authorised app', async () => {
    const alice = DEMO_USERS[0];
    assert.ok(alice);
    const user = await t.modules.identity.findUserByPhone(alice.phoneE164);
    assert.ok(user);
    const agreements = await t.modules.agreements.listAgreements(user.id);
    assert.equal(agreements.length, 1);
    assert.equal(agreements[0]?.status, 'active');
    assert.equal(agreements[0]?.merchant.name, DEMO_MERCHANT.name);
    const apps = await t.modules.agreements.listApps(user.id);
    assert.equal(apps.length, 1);
  });
});

describe('auto-debit agreements', () => {
  test('request → sign with the payment password → debit within caps → cancel → refused', async () => {
    const ann = await newUser();
    const eve = await newUser();
    await topUp(ann.userId, 100_000n);
    const id = await requestAgreement(ann.userId, { perDebit: 5_000, monthly: 10_000 });

    // The same request again answers the same agreement; the same number with other terms is refused.
    const replay = await merchantCall('POST', `/api/v1/merchants/${MERCHANT}/agreements`, {
      userId: ann.userId,
      purpose: 'Video streaming monthly plan',
      perDebitCap: cny(5_000),
      monthlyCap: cny(10_000),
      externalAgreementNo: lastExternalAgreementNo(),
    });
    assert.equal(replay.statusCode, 200, replay.body);
    assert.equal(replay.json().id, id);
    const changed = await merchantCall('POST', `/api/v1/merchants/${MERCHANT}/agreements`, {
      userId: ann.userId,
      purpose: 'Video streaming monthly plan',
      perDebitCap: cny(9_000),
      monthlyCap: cny(10_000),
      externalAgreementNo: lastExternalAgreementNo(),
    });
    assert.equal(changed.statusCode, 409);
    assert.equal(changed.json().error.code, 'external_agreement_no_reused');

    // Not signed yet: no debit.
    const early = await debit(id, 1_000, 'early');
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().error.code, 'agreement_not_active');

    // Only Ann sees it; Eve cannot read, sign or cancel it.
    const shown = await call(ann, 'GET', `/api/v1/me/agreements/${id}`);
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().agreement.merchant.name, DEMO_MERCHANT.name);
    assert.deepEqual(shown.json().agreement.perDebitCap, cny(5_000));
    for (const [method, url, payload] of [
      ['GET', `/api/v1/me/agreements/${id}`, undefined],
      ['POST', `/api/v1/me/agreements/${id}/confirm`, { paymentPassword: PIN }],
      ['POST', `/api/v1/me/agreements/${id}/cancel`, undefined],
      ['POST', `/api/v1/me/agreements/${id}/review`, undefined],
    ] as const) {
      const r = await call(eve, method, url, payload);
      assert.equal(r.statusCode, 404, `${method} ${url}`);
      assert.equal(r.json().error.code, 'agreement_not_found');
    }
    assert.equal((await call(eve, 'GET', '/api/v1/me/agreements')).json().agreements.length, 0);

    const wrong = await call(ann, 'POST', `/api/v1/me/agreements/${id}/confirm`, {
      paymentPassword: '000000',
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'wrong_payment_password');
    const signed = await call(ann, 'POST', `/api/v1/me/agreements/${id}/confirm`, { paymentPassword: PIN });
    assert.equal(signed.statusCode, 200, signed.body);
    assert.equal(signed.json().status, 'active');
    assert.ok(signed.json().signedAt);

    const annBefore = await walletBalance(ann.userId);
    const merchantBefore = await merchantBalance();
    const first = await debit(id, 3_000, 'order-1');
    assert.equal(first.statusCode, 201, first.body);
    assert.match(first.json().transferId, /^agd:/);
    // A retry with the same key answers the same debit and moves nothing.
    const again = await debit(id, 3_000, 'order-1');
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, first.json().id);
    const reused = await debit(id, 3_100, 'order-1');
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'idempotency_key_reused');
    assert.equal(await walletBalance(ann.userId), annBefore - 3_000n);
    assert.equal(await merchantBalance(), merchantBefore + 3_000n);

    const overPerDebit = await debit(id, 5_001, 'order-2');
    assert.equal(overPerDebit.statusCode, 422);
    assert.equal(overPerDebit.json().error.code, 'per_debit_cap_exceeded');
    assert.equal((await debit(id, 5_000, 'order-3')).statusCode, 201);
    const overMonth = await debit(id, 2_001, 'order-4');
    assert.equal(overMonth.statusCode, 422);
    assert.equal(overMonth.json().error.code, 'monthly_cap_exceeded');
    assert.deepEqual(overMonth.json().error.details.leftThisMonth, cny(2_000));
    // Another merchant cannot debit it, nor even learn it exists.
    const foreign = await debit(id, 100, 'order-5', OTHER_MERCHANT);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, 'agreement_not_found');

    // Keeping it on purpose moves the review clock (the check-up's 90 days) to now.
    clock.advance(60_000);
    const reviewed = await call(ann, 'POST', `/api/v1/me/agreements/${id}/review`);
    assert.equal(reviewed.statusCode, 200);
    assert.equal(reviewed.json().reviewedAt, new Date(clock.nowMs()).toISOString());
    assert.notEqual(reviewed.json().reviewedAt, signed.json().reviewedAt);
    const listed = (await call(ann, 'GET', '/api/v1/me/agreements')).json().agreements;
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0].usedThisMonth, cny(8_000));
    assert.ok(listed[0].lastUsedAt);
    const detail = (await call(ann, 'GET', `/api/v1/me/agreements/${id}`)).json();
    assert.equal(detail.debits.length, 2);
    // Ann's records show each debit as a merchant payment to the merchant that took it.
    const records = (await call(ann, 'GET', '/api/v1/me/records?type=merchant_payment')).json().records;
    assert.deepEqual(
      records.map((r: { amount: { amountMinor: string }; counterparty: string }) => [
        r.amount.amountMinor,
        r.counterparty,
      ]),
      [
        ['-5000', DEMO_MERCHANT.name],
        ['-3000', DEMO_MERCHANT.name],
      ],
    );

    const cancelled = await call(ann, 'POST', `/api/v1/me/agreements/${id}/cancel`);
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().status, 'cancelled');
    const afterCancel = await debit(id, 100, 'order-6');
    assert.equal(afterCancel.statusCode, 409);
    assert.equal(afterCancel.json().error.code, 'agreement_cancelled');
    // Cancelling twice is harmless; signing a cancelled agreement is refused.
    assert.equal((await call(ann, 'POST', `/api/v1/me/agreements/${id}/cancel`)).statusCode, 200);
    const resign = await call(ann, 'POST', `/api/v1/me/agreements/${id}/confirm`, { paymentPassword: PIN });
    assert.equal(resign.statusCode, 409);
    assert.equal(resign.json().error.code, 'agreement_not_pending');
    // Not even a direct UPDATE can bring it back: the database refuses.
    await assert.rejects(
      t.store.db.updateTable('agreements').set({ status: 'active' }).where('id', '=', id).execute(),
    );
    assert.equal(await walletBalance(ann.userId), annBefore - 8_000n);

    // Every step is on the audit trail, refusals included, and the trail cannot be edited.
    const audit = await t.store.db
      .selectFrom('agreement_audit')
      .select(['type', 'details'])
      .where('subject_id', '=', id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.type, a.details.code ?? a.details.by ?? null]),
      [
        ['agreement_requested', null],
        ['agreement_debit_refused', 'agreement_not_active'],
        ['agreement_signed', null],
        ['agreement_debited', null],
        ['agreement_debit_refused', 'idempotency_key_reused'],
        ['agreement_debit_refused', 'per_debit_cap_exceeded'],
        ['agreement_debited', null],
        ['agreement_debit_refused', 'monthly_cap_exceeded'],
        ['agreement_cancelled', 'user'],
        ['agreement_debit_refused', 'agreement_cancelled'],
      ],
    );
    await assert.rejects(t.store.db.deleteFrom('agreement_audit').where('subject_id', '=', id).execute());
  });

  test('insufficient funds and bad amounts change nothing', async () => {
    const ann = await newUser();
    await topUp(ann.userId, 500n);
    const id = await signedAgreement(ann, { perDebit: 5_000, monthly: 10_000 });
    const poor = await debit(id, 600, 'p-1');
    assert.equal(poor.statusCode, 422);
    assert.equal(poor.json().error.code, 'insufficient_funds');
    assert.equal(await walletBalance(ann.userId), 500n);
    const zero = await debit(id, 0, 'p-2');
    assert.equal(zero.statusCode, 400);
    const usd = await merchantCall('POST', `/api/v1/merchants/${MERCHANT}/agreements/${id}/debits`, {
      amount: { amountMinor: '100', currency: 'USD' },
      idempotencyKey: 'p-3',
    });
    assert.equal(usd.statusCode, 422);
    assert.equal(usd.json().error.code, 'currency_mismatch');
    // The failed attempts used nothing of the cap.
    assert.equal((await debit(id, 500, 'p-4')).statusCode, 201);
  });

  test('bad caps are refused at request time', async () => {
    const { userId } = await createUser();
    for (const [perDebit, monthly] of [
      [0, 100],
      [200, 100],
      [5_000_001, 20_000_000],
    ] as const) {
      const r = await merchantCall('POST', `/api/v1/merchants/${MERCHANT}/agreements`, {
        userId,
        purpose: 'x',
        perDebitCap: cny(perDebit),
        monthlyCap: cny(monthly),
        externalAgreementNo: `bad-${perDebit}-${monthly}`,
      });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, perDebit === 0 ? 'invalid_amount' : 'invalid_caps');
    }
    const noMerchant = await merchantCall('POST', '/api/v1/merchants/mch_nope/agreements', {
      userId,
      purpose: 'x',
      perDebitCap: cny(100),
      monthlyCap: cny(100),
      externalAgreementNo: 'nm-1',
    });
    assert.equal(noMerchant.statusCode, 404);
    const noToken = await t.app.inject({
      method: 'POST',
      url: `/api/v1/merchants/${MERCHANT}/agreements/x/debits`,
      payload: { amount: cny(100), idempotencyKey: 'nt-1' },
    });
    assert.equal(noToken.statusCode, 401);
  });

  test('concurrent debits never pass the monthly cap', async () => {
    const ann = await newUser();
    await topUp(ann.userId, 100_000n);
    const id = await signedAgreement(ann, { perDebit: 2_000, monthly: 10_000 });
    const before = await walletBalance(ann.userId);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => debit(id, 2_000, `c-${i}`)));
    const ok = results.filter((r) => r.statusCode === 201);
    const refused = results.filter((r) => r.statusCode !== 201);
    assert.equal(ok.length, 5);
    for (const r of refused) assert.equal(r.json().error.code, 'monthly_cap_exceeded', r.body);
    assert.equal(await walletBalance(ann.userId), before - 10_000n);
  });

  test('a debit racing a cancel lands before it or is refused; none after', async () => {
    const ann = await newUser();
    await topUp(ann.userId, 100_000n);
    const id = await signedAgreement(ann, { perDebit: 1_000, monthly: 100_000 });
    const before = await walletBalance(ann.userId);
    const debits = Array.from({ length: 8 }, (_, i) => debit(id, 1_000, `r-${i}`));
    const cancel = call(ann, 'POST', `/api/v1/me/agreements/${id}/cancel`);
    const [cancelled, ...results] = await Promise.all([cancel, ...debits]);
    assert.equal(cancelled?.statusCode, 200);
    let landed = 0;
    for (const r of results) {
      if (r.statusCode === 201) landed++;
      else assert.equal(r.json().error.code, 'agreement_cancelled', r.body);
    }
    // Whatever landed was committed before the cancel; the money matches the rows exactly.
    const rows = await t.store.db
      .selectFrom('agreement_debits')
      .selectAll()
      .where('agreement_id', '=', id)
      .execute();
    assert.equal(rows.length, landed);
    assert.equal(await walletBalance(ann.userId), before - BigInt(landed) * 1_000n);
    const late = await debit(id, 1_000, 'r-late');
    assert.equal(late.json().error.code, 'agreement_cancelled');
  });

  test('suspendAll stops debits; an expired request cannot be signed; caps renew each month', async () => {
    const ann = await newUser();
    await topUp(ann.userId, 100_000n);
    const suspended = await signedAgreement(ann, { perDebit: 1_000, monthly: 1_000 });
    const monthly = await signedAgreement(ann, { perDebit: 1_000, monthly: 1_000 });
    assert.equal((await debit(monthly, 1_000, 'm-1')).statusCode, 201);
    assert.equal((await debit(monthly, 1, 'm-2')).json().error.code, 'monthly_cap_exceeded');

    const late = await createUser();
    const lateId = await requestAgreement(late.userId, { perDebit: 100, monthly: 100 });

    // Suspend only the first user's other agreements: sign a third to suspend.
    const bob = await newUser();
    const bobs = await signedAgreement(bob, { perDebit: 1_000, monthly: 1_000 });
    const counts = await t.modules.agreements.suspendAll(bob.userId);
    assert.deepEqual(counts, { agreements: 1, familyCards: 0 });
    const refused = await debit(bobs, 100, 's-1');
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'agreement_suspended');
    assert.equal((await debit(suspended, 100, 's-2')).statusCode, 201);

    // 25 hours later the request has expired; next month the cap is whole again.
    clock.advance(25 * 3_600_000);
    const lateClient = await signIn(late.phone);
    const expired = await call(lateClient, 'POST', `/api/v1/me/agreements/${lateId}/confirm`, {
      paymentPassword: PIN,
    });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error.code, 'agreement_request_expired');
    clock.advance(31 * 24 * 3_600_000);
    assert.equal((await debit(monthly, 1_000, 'm-3')).statusCode, 201);
  });
});

describe('family cards', () => {
  test('owner gives, member accepts and pays from the owner within the cap; cancel is final', async () => {
    const owner = await newUser();
    const member = await newUser();
    const stranger = await newUser();
    await topUp(owner.userId, 100_000n);
    await topUp(member.userId, 1_000n);

    const self = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: owner.phone,
      monthlyCap: cny(10_000),
      paymentPassword: PIN,
    });
    assert.equal(self.json().error.code, 'cannot_add_self');
    const unknown = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: '+8613012345678',
      monthlyCap: cny(10_000),
      paymentPassword: PIN,
    });
    assert.equal(unknown.statusCode, 404);
    // Without the payment password nobody learns whether a number is registered.
    const probe = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: '+8613012345678',
      monthlyCap: cny(10_000),
      paymentPassword: '000000',
    });
    assert.equal(probe.statusCode, 401);
    assert.equal(probe.json().error.code, 'wrong_payment_password');
    const noPin = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: member.phone,
      monthlyCap: cny(10_000),
      paymentPassword: '000000',
    });
    assert.equal(noPin.statusCode, 401);
    const offered = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: member.phone,
      monthlyCap: cny(10_000),
      paymentPassword: PIN,
    });
    assert.equal(offered.statusCode, 201, offered.body);
    const cardId = offered.json().id;
    assert.equal(offered.json().role, 'owner');
    assert.equal(offered.json().status, 'pending');
    const twice = await call(owner, 'POST', '/api/v1/me/family-cards', {
      memberPhone: member.phone,
      monthlyCap: cny(10_000),
      paymentPassword: PIN,
    });
    assert.equal(twice.json().error.code, 'family_card_exists');

    const pay = (client: Client, amountMinor: number, key: string, pin = PIN) =>
      call(client, 'POST', `/api/v1/me/family-cards/${cardId}/payments`, {
        merchantId: MERCHANT,
        amount: cny(amountMinor),
        paymentPassword: pin,
        clientRequestId: key,
      });

    assert.equal((await pay(member, 100, 'early')).json().error.code, 'family_card_not_active');
    // The stranger can neither see, accept, pay with nor cancel it.
    assert.equal((await call(stranger, 'POST', `/api/v1/me/family-cards/${cardId}/accept`)).statusCode, 404);
    assert.equal((await call(stranger, 'POST', `/api/v1/me/family-cards/${cardId}/cancel`)).statusCode, 404);
    assert.equal((await call(stranger, 'GET', `/api/v1/me/family-cards/${cardId}/payments`)).statusCode, 404);
    assert.equal((await pay(stranger, 100, 'x')).statusCode, 404);
    assert.equal((await call(stranger, 'GET', '/api/v1/me/family-cards')).json().cards.length, 0);
    // The owner cannot accept on the member's behalf.
    assert.equal((await call(owner, 'POST', `/api/v1/me/family-cards/${cardId}/accept`)).statusCode, 409);

    const accepted = await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().role, 'member');
    assert.equal(accepted.json().status, 'active');

    const ownerBefore = await walletBalance(owner.userId);
    const merchantBefore = await merchantBalance();
    const wrongPin = await pay(member, 6_000, 'f-1', '000000');
    assert.equal(wrongPin.statusCode, 401);
    const paid = await pay(member, 6_000, 'f-1');
    assert.equal(paid.statusCode, 201, paid.body);
    assert.equal((await pay(member, 6_000, 'f-1')).statusCode, 200);
    assert.equal(await walletBalance(owner.userId), ownerBefore - 6_000n);
    assert.equal(await walletBalance(member.userId), 1_000n);
    assert.equal(await merchantBalance(), merchantBefore + 6_000n);
    // The owner cannot pay with a card given away.
    assert.equal((await pay(owner, 100, 'o-1')).statusCode, 404);

    const over = await pay(member, 4_001, 'f-2');
    assert.equal(over.statusCode, 422);
    assert.equal(over.json().error.code, 'monthly_cap_exceeded');
    assert.deepEqual(over.json().error.details.leftThisMonth, cny(4_000));

    // Concurrent payments: 4,000 left, eight payments of 1,000 → exactly four.
    const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => pay(member, 1_000, `cc-${i}`)));
    assert.equal(concurrent.filter((r) => r.statusCode === 201).length, 4);
    for (const r of concurrent.filter((r) => r.statusCode !== 201)) {
      assert.equal(r.json().error.code, 'monthly_cap_exceeded', r.body);
    }
    assert.equal(await walletBalance(owner.userId), ownerBefore - 10_000n);

    // The owner sees each use.
    const uses = await call(owner, 'GET', `/api/v1/me/family-cards/${cardId}/payments`);
    assert.equal(uses.json().payments.length, 5);
    assert.equal(uses.json().payments[0].merchant.name, DEMO_MERCHANT.name);
    const ownerRecords = (await call(owner, 'GET', '/api/v1/me/records?type=merchant_payment')).json()
      .records;
    assert.equal(ownerRecords.length, 5);
    assert.equal(ownerRecords[0].counterparty, DEMO_MERCHANT.name);
    const ownerView = (await call(owner, 'GET', '/api/v1/me/family-cards')).json().cards[0];
    assert.deepEqual(ownerView.usedThisMonth, cny(10_000));
    assert.ok(ownerView.lastUsedAt);

    const cancelled = await call(owner, 'POST', `/api/v1/me/family-cards/${cardId}/cancel`);
    assert.equal(cancelled.json().status, 'cancelled');
    clock.advance(40 * 24 * 3_600_000); // a new month: the cap would allow it, the cancel does not
    const memberAgain = await signIn(member.phone);
    const refused = await pay(memberAgain, 100, 'after');
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'family_card_cancelled');
    await assert.rejects(
      t.store.db.updateTable('family_cards').set({ status: 'active' }).where('id', '=', cardId).execute(),
    );
  });

  test('the member can cancel too, and suspendAll stops a card', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 10_000n);
    const offer = async () => {
      const r = await call(owner, 'POST', '/api/v1/me/family-cards', {
        memberPhone: member.phone,
        monthlyCap: cny(5_000),
        paymentPassword: PIN,
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(
        (await call(member, 'POST', `/api/v1/me/family-cards/${r.json().id}/accept`)).statusCode,
        200,
      );
      return r.json().id as string;
    };
    const first = await offer();
    const byMember = await call(member, 'POST', `/api/v1/me/family-cards/${first}/cancel`);
    assert.equal(byMember.json().status, 'cancelled');
    const second = await offer();
    assert.deepEqual(await t.modules.agreements.suspendAll(member.userId), { agreements: 0, familyCards: 1 });
    const r = await call(member, 'POST', `/api/v1/me/family-cards/${second}/payments`, {
      merchantId: MERCHANT,
      amount: cny(100),
      paymentPassword: PIN,
      clientRequestId: 'sus-1',
    });
    assert.equal(r.json().error.code, 'family_card_suspended');
    assert.equal(await walletBalance(owner.userId), 10_000n);
  });
});

describe('authorised apps', () => {
  test('listed with merchant and scopes, revoked in one step, only by their user', async () => {
    const ann = await newUser();
    const eve = await newUser();
    await t.modules.agreements.grantApp({
      userId: ann.userId,
      merchantId: MERCHANT,
      appId: 'app-1',
      appName: 'Coffee app',
      scopes: ['auth_base'],
    });
    assert.equal(
      await t.modules.agreements.touchApp({ userId: ann.userId, appId: 'app-1', scope: 'auth_base' }),
      true,
    );
    assert.equal(
      await t.modules.agreements.touchApp({ userId: ann.userId, appId: 'app-1', scope: 'auth_user' }),
      false,
    );
    const apps = (await call(ann, 'GET', '/api/v1/me/authorised-apps')).json().apps;
    assert.equal(apps.length, 1);
    assert.equal(apps[0].merchant.name, DEMO_MERCHANT.name);
    assert.deepEqual(apps[0].scopes, ['auth_base']);
    assert.ok(apps[0].lastUsedAt);
    assert.equal((await call(eve, 'DELETE', `/api/v1/me/authorised-apps/${apps[0].id}`)).statusCode, 404);
    assert.equal((await call(ann, 'DELETE', `/api/v1/me/authorised-apps/${apps[0].id}`)).statusCode, 204);
    assert.equal((await call(ann, 'GET', '/api/v1/me/authorised-apps')).json().apps.length, 0);
    assert.equal((await call(ann, 'DELETE', `/api/v1/me/authorised-apps/${apps[0].id}`)).statusCode, 404);
    assert.equal(
      await t.modules.agreements.touchApp({ userId: ann.userId, appId: 'app-1', scope: 'auth_base' }),
      false,
    );
  });
});
