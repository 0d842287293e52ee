// Proves over HTTP (PGlite or PostgreSQL) that withdrawals count in the daily usage of the
// bank_card channel (docs/funding.md): `GET /me/limits` shows them in `spentToday`, the day's
// allowance refuses a withdrawal past it with `limit_exceeded` and what is left, concurrent
// withdrawals never pass it together, a withdrawal the bank fails gives its amount back, and the
// balance channel's usage is untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { luhnCheckDigit, SIMULATOR_SETTLE_DELAY_MS } from '../funding/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, type WalletClient } from '../testing/wallet-clients.ts';

/** Thursday 12 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 12, 2, 0, 0));
let t: TestApp;
let kit: ReturnType<typeof createClientKit>;

before(async () => {
  t = await openTestApp({ clock });
  kit = createClientKit(t, { phone: '+8613581', ip: '10.81.0' });
});
after(async () => {
  if (t) {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    await t.close();
  }
});

/** A Luhn-valid 16-digit UnionPay number ending in `last4` (0002: the simulator declines it). */
function cardEnding(last4: string): string {
  for (let d = 0; d < 10; d++) {
    const number = `62220200000${d}${last4}`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable: one digit reaches every check residue');
}

async function linkCard(client: WalletClient, last4: string): Promise<string> {
  const r = await kit.call(client, 'POST', '/api/v1/me/cards', { cardNumber: cardEnding(last4) });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id;
}

function withdraw(client: WalletClient, cardId: string, amountMinor: number) {
  return kit.call(client, 'POST', '/api/v1/funding/withdrawals', {
    cardId,
    amount: cny(amountMinor),
    paymentPassword: client.paymentPassword,
    clientRequestId: kit.nextRequestId(),
  });
}

async function spentToday(client: WalletClient, channel: string): Promise<string> {
  const r = await kit.call(client, 'GET', '/api/v1/me/limits');
  assert.equal(r.statusCode, 200, r.body);
  return r.json().channels.find((c: { channel: string }) => c.channel === channel).spentToday.amountMinor;
}

describe('withdrawals and the bank_card daily allowance', () => {
  test('count in spentToday, are refused past the allowance, and a failed one gives it back', async () => {
    const user = await kit.newClient(100_000n);
    const set = await kit.call(user, 'PUT', '/api/v1/me/limits/bank_card', {
      perPayment: cny(8_000),
      perDay: cny(10_000),
    });
    assert.equal(set.statusCode, 200, set.body);
    const card = await linkCard(user, '1234');
    const declining = await linkCard(user, '0002');

    assert.equal((await withdraw(user, card, 6_000)).statusCode, 201);
    assert.equal(await spentToday(user, 'bank_card'), '6000');
    assert.equal(await spentToday(user, 'balance'), '0', 'a withdrawal is not balance spending');

    const over = await withdraw(user, card, 5_000);
    assert.equal(over.statusCode, 422, over.body);
    assert.equal(over.json().error.code, 'limit_exceeded');
    assert.equal(over.json().error.details.exceeded, 'per_day');
    assert.deepEqual(over.json().error.details.allowanceLeftToday, cny(4_000));
    assert.equal(await spentToday(user, 'bank_card'), '6000', 'a refusal uses no allowance');

    // The bank declines this one: once it answers, its 30.00 counts no more.
    assert.equal((await withdraw(user, declining, 3_000)).statusCode, 201);
    assert.equal(await spentToday(user, 'bank_card'), '9000');
    clock.advance(SIMULATOR_SETTLE_DELAY_MS);
    while ((await t.modules.funding.settleDue()) > 0) {}
    assert.equal(await spentToday(user, 'bank_card'), '6000');
    assert.equal(await kit.balanceOf(user), 94_000n);
  });

  test('concurrent withdrawals never pass the allowance together', async () => {
    const user = await kit.newClient(100_000n);
    const set = await kit.call(user, 'PUT', '/api/v1/me/limits/bank_card', {
      perPayment: cny(5_000),
      perDay: cny(5_000),
    });
    assert.equal(set.statusCode, 200, set.body);
    const card = await linkCard(user, '5678');
    const responses = await Promise.all(Array.from({ length: 5 }, () => withdraw(user, card, 2_000)));
    const ok = responses.filter((r) => r.statusCode === 201);
    assert.equal(ok.length, 2, responses.map((r) => r.body).join('\n'));
    for (const r of responses.filter((r) => r.statusCode !== 201)) {
      assert.equal(r.json().error.code, 'limit_exceeded', r.body);
    }
    assert.equal(await spentToday(user, 'bank_card'), '4000');
    assert.equal(
      await kit.balanceOf(user),
      100_000n,
      'holds only: posted balance unchanged until the bank answers',
    );
  });
});
