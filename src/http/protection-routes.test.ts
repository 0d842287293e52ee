// Proves issue 4 points 8 and 11 over HTTP (app.inject on a real store, PGlite or PostgreSQL):
// the security lock is off by default; changing it (on, off, settings) needs a fresh step-up and
// refuses bad settings; when on, a new payee is refused with `payee_cooling_off` and the time it
// becomes payable until the cooling period has passed; transfers and withdrawals need a second
// factor beyond the payment password (an SMS step-up in this session; a payment-password step-up
// does not count) and a refused confirmation costs no password attempt; the night window in the
// user's time zone makes merchant payments need it too; and the check-up's score and items
// follow the settings, each with its fix route. The clock is a ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { luhnCheckDigit, SIMULATOR_SETTLE_DELAY_MS } from '../funding/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, type WalletClient } from '../testing/wallet-clients.ts';
import { STEP_UP_FRESH_MS } from './auth.ts';

/** Monday 2 March 2026, 10:00 in Beijing. */
const START_MS = Date.UTC(2026, 2, 2, 2, 0, 0);
const HOUR_MS = 3_600_000;

let t: TestApp;
let kit: ReturnType<typeof createClientKit>;

before(async () => {
  // The SMS budget per phone (5 an hour, on the wall clock) would stop the many step-ups here.
  t = await openTestApp({
    clock: new ManualClock(START_MS),
    rateLimiter: { consume: async () => ({ ok: true }) },
  });
  kit = createClientKit(t, { phone: '+8613562', ip: '10.62.0' });
});
after(async () => {
  await t?.close();
});

function setLock(client: WalletClient, body: object) {
  return kit.call(client, 'PUT', '/api/v1/me/security-lock', body);
}

function letStepUpGoStale(): void {
  t.clock.advance(STEP_UP_FRESH_MS + 60_000);
}

async function transferTo(payer: WalletClient, payee: WalletClient, amountMinor: number) {
  return kit.createIntent(payer, { payee: { phone: payee.phone }, amount: cny(amountMinor) });
}

/** A Luhn-valid UnionPay number ending in 1234. */
function cardNumber(): string {
  for (let d = 0; d < 10; d++) {
    const number = `62220200000${d}1234`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable');
}

async function checkUp(client: WalletClient, url = '/api/v1/me/security/check-up') {
  const r = await kit.call(client, 'GET', url);
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json() as { score: number; items: { id: string; on: boolean; fixRoute: string }[] };
  return {
    score: body.score,
    on: Object.fromEntries(body.items.map((i) => [i.id, i.on])),
    items: body.items,
  };
}

describe('security lock', () => {
  let payer: WalletClient;
  let friend: WalletClient;
  let stranger: WalletClient;

  before(async () => {
    payer = await kit.newClient(1_000_000n);
    friend = await kit.newClient(0n);
    stranger = await kit.newClient(0n);
    // Paid before the lock goes on: a known payee, never cooled off.
    const made = await transferTo(payer, friend, 1_000);
    assert.equal(made.statusCode, 201, made.body);
    const paid = await kit.confirm(payer, made.json().id, {
      paymentPassword: payer.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(paid.statusCode, 200, paid.body);
  });

  test('off by default, with a 24-hour cooling period and a 23:00–06:00 Asia/Shanghai night window', async () => {
    const r = await kit.call(payer, 'GET', '/api/v1/me/security-lock');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      enabled: false,
      coolingOffHours: 24,
      night: { enabled: false, start: '23:00', end: '06:00', timeZone: 'Asia/Shanghai', activeNow: false },
    });
  });

  test('changing it needs a fresh step-up; bad settings are refused; nothing changes', async () => {
    letStepUpGoStale();
    const refused = await setLock(payer, { enabled: true });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'step_up_required');
    await kit.stepUpByPassword(payer);
    for (const [body, code] of [
      [{ enabled: true, coolingOffHours: 0.5 }, 'invalid_cooling_off'],
      [{ enabled: true, coolingOffHours: 24 * 8 }, 'invalid_cooling_off'],
      [{ enabled: true, night: { enabled: true, timeZone: 'Mars/Olympus_Mons' } }, 'invalid_time_zone'],
      [{ enabled: true, night: { enabled: true, start: '25:00' } }, 'invalid_night_window'],
      [{ enabled: true, night: { enabled: true, start: '06:00', end: '06:00' } }, 'invalid_night_window'],
    ] as const) {
      const r = await setLock(payer, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.equal(r.json().error.code, code);
    }
    assert.equal((await kit.call(payer, 'GET', '/api/v1/me/security-lock')).json().enabled, false);

    const on = await setLock(payer, { enabled: true });
    assert.equal(on.statusCode, 200, on.body);
    assert.equal(on.json().enabled, true);
  });

  test('a new payee is cooled off for 24 hours from when the payer first named them', async () => {
    const transfers = await kit.transferCount();
    const first = await transferTo(payer, stranger, 5_000);
    assert.equal(first.statusCode, 403, first.body);
    assert.equal(first.json().error.code, 'payee_cooling_off');
    const payableAt = first.json().error.details.payableAt;
    assert.equal(Date.parse(payableAt), t.clock.nowMs() + 24 * HOUR_MS);

    t.clock.advance(HOUR_MS);
    await kit.signIn(payer);
    const again = await transferTo(payer, stranger, 5_000);
    assert.equal(again.json().error.code, 'payee_cooling_off');
    assert.equal(again.json().error.details.payableAt, payableAt, 'asking again does not restart the clock');
    assert.equal(await kit.transferCount(), transfers);

    t.clock.set(Date.parse(payableAt));
    await kit.signIn(payer);
    const payable = await transferTo(payer, stranger, 5_000);
    assert.equal(payable.statusCode, 201, payable.body);
    assert.notEqual(payable.json().confirmation, 'none');
  });

  test('a locked transfer needs a second factor beyond the payment password; a refusal costs no attempt', async () => {
    letStepUpGoStale();
    const made = await transferTo(payer, friend, 2_000);
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json().id;
    // Three refusals: were the password checked, the third would lock payments for 3 hours.
    for (let i = 0; i < 3; i++) {
      const r = await kit.confirm(payer, id, { paymentPassword: '000000', warningAcknowledged: true });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'second_factor_required');
      assert.equal(r.json().error.details.reason, 'security_lock');
    }
    // A step-up with the payment password is not a second factor.
    await kit.stepUpByPassword(payer);
    assert.equal(
      (
        await kit.confirm(payer, id, { paymentPassword: payer.paymentPassword, warningAcknowledged: true })
      ).json().error.code,
      'second_factor_required',
    );
    await kit.stepUpBySms(payer);
    const paid = await kit.confirm(payer, id, {
      paymentPassword: payer.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'succeeded');

    // The second factor goes stale after 5 minutes.
    letStepUpGoStale();
    const next = await transferTo(payer, friend, 2_000);
    const stale = await kit.confirm(payer, next.json().id, {
      paymentPassword: payer.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(stale.json().error.code, 'second_factor_required');
  });

  test('merchant payments need no second factor by day; in the night window they do', async () => {
    letStepUpGoStale();
    const day = await kit.createIntent(payer, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: cny(1_500),
    });
    assert.equal(day.statusCode, 201);
    const dayPaid = await kit.confirm(payer, day.json().id, {
      paymentPassword: payer.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(dayPaid.statusCode, 200, dayPaid.body);

    await kit.stepUpByPassword(payer);
    const night = await setLock(payer, { enabled: true, night: { enabled: true } });
    assert.equal(night.statusCode, 200, night.body);
    assert.equal(night.json().night.activeNow, false, '10:xx in Shanghai is not night');

    // 23:30 in Beijing.
    const nextDay = new Date(t.clock.nowMs() + 8 * HOUR_MS).toISOString().slice(0, 10);
    t.clock.set(Date.parse(`${nextDay}T23:30:00+08:00`));
    await kit.signIn(payer);
    letStepUpGoStale();
    assert.equal((await kit.call(payer, 'GET', '/api/v1/me/security-lock')).json().night.activeNow, true);
    const late = await kit.createIntent(payer, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: cny(1_500),
    });
    assert.equal(late.statusCode, 201);
    const refused = await kit.confirm(payer, late.json().id, {
      paymentPassword: payer.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'second_factor_required');
    assert.equal(refused.json().error.details.reason, 'night_window');
    await kit.stepUpBySms(payer);
    assert.equal(
      (
        await kit.confirm(payer, late.json().id, {
          paymentPassword: payer.paymentPassword,
          warningAcknowledged: true,
        })
      ).statusCode,
      200,
    );

    // The window is in the user's own time zone: 23:30 in Beijing is 15:30 in London.
    const london = await setLock(payer, {
      enabled: true,
      night: { enabled: true, timeZone: 'Europe/London' },
    });
    assert.equal(london.statusCode, 200, london.body);
    assert.equal(london.json().night.activeNow, false);
    letStepUpGoStale();
    const afternoon = await kit.createIntent(payer, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: cny(1_500),
    });
    assert.equal(
      (
        await kit.confirm(payer, afternoon.json().id, {
          paymentPassword: payer.paymentPassword,
          warningAcknowledged: true,
        })
      ).statusCode,
      200,
    );
  });

  test('a locked withdrawal needs the second factor too', async () => {
    const linked = await kit.call(payer, 'POST', '/api/v1/me/cards', { cardNumber: cardNumber() });
    assert.equal(linked.statusCode, 201, linked.body);
    letStepUpGoStale();
    const body = {
      cardId: linked.json().id,
      amount: cny(10_000),
      paymentPassword: payer.paymentPassword,
      clientRequestId: kit.nextRequestId(),
    };
    const refused = await kit.call(payer, 'POST', '/api/v1/funding/withdrawals', body);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'second_factor_required');
    await kit.stepUpBySms(payer);
    const started = await kit.call(payer, 'POST', '/api/v1/funding/withdrawals', body);
    assert.equal(started.statusCode, 201, started.body);
    t.clock.advance(SIMULATOR_SETTLE_DELAY_MS);
    while ((await t.modules.funding.settleDue()) > 0) {}
  });

  test('turning it off needs a fresh step-up too', async () => {
    letStepUpGoStale();
    const refused = await setLock(payer, { enabled: false });
    assert.equal(refused.json().error.code, 'step_up_required');
    await kit.stepUpBySms(payer);
    const off = await setLock(payer, { enabled: false });
    assert.equal(off.statusCode, 200);
    assert.equal(off.json().enabled, false);
    assert.equal(off.json().night.timeZone, 'Europe/London', 'settings are kept for next time');
    // Each change was told to the owner's phone; the last one says the lock was turned off.
    const notice = await t.store.db
      .selectFrom('notification_outbox')
      .select(['body'])
      .where('destination', '=', payer.phone)
      .where('template', '=', 'security_change')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(notice.body, /安全锁已关闭|security lock was turned off/);
  });
});

describe('security check-up', () => {
  test('a score out of 100 and every protection with its fix; it follows the settings', async () => {
    const user = await kit.newClient(0n);
    const fresh = await checkUp(user);
    // A new user: payment password set, password-free off, no agreements (the default port).
    assert.deepEqual(fresh.on, {
      payment_password: true,
      second_factor: false,
      passkey: false,
      security_lock: false,
      limits_lowered: false,
      password_free_off: true,
      agreements_reviewed: true,
    });
    assert.equal(fresh.score, 40);
    assert.deepEqual(
      fresh.items.map((i) => i.fixRoute),
      [
        '/security#payment-password',
        '/security#totp',
        '/security#passkeys',
        '/security#security-lock',
        '/security#payment-limits',
        '/security#password-free',
        '/security#protections',
      ],
    );
    assert.deepEqual(
      await checkUp(user, '/api/security/check-up'),
      fresh,
      'the issue’s path answers the same',
    );

    await kit.stepUpBySms(user);
    assert.equal((await setLock(user, { enabled: true })).statusCode, 200);
    for (const channel of ['balance', 'credit_line']) {
      const lowered = await kit.call(user, 'PUT', `/api/v1/me/limits/${channel}`, {
        perPayment: cny(100_000),
        perDay: cny(200_000),
      });
      assert.equal(lowered.statusCode, 200, lowered.body);
    }
    const better = await checkUp(user);
    assert.equal(better.on.security_lock, true);
    assert.equal(better.on.limits_lowered, true);
    assert.equal(better.score, 70);

    const unauthenticated = await t.app.inject({ method: 'GET', url: '/api/security/check-up' });
    assert.equal(unauthenticated.statusCode, 401);
  });

  test('the ledger still balances', async () => {
    const report = await verifyLedger(t.store.db, { nowMs: t.clock.nowMs() });
    assert.equal(report.ok, true, JSON.stringify(report));
  });
});
