// Proves over HTTP (PGlite or PostgreSQL) that the records read the credit line too: a payment on
// credit is a `merchant_payment` row of the payer with `source: credit_line` (the wallet untouched),
// a repayment is one `credit_repayment` row from the wallet (not a second row from the credit
// line's side), both filter and export like any row, nobody else sees them, and the month bill
// lists the repayment as its own category but leaves it out of the totals, because the spending it
// pays for was already counted as money out (docs/records.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, type WalletClient } from '../testing/wallet-clients.ts';

/** Wednesday 11 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 11, 2, 0, 0));
let t: TestApp;
let kit: ReturnType<typeof createClientKit>;
let payer: WalletClient;
let stranger: WalletClient;
let creditPaymentTransfer: string;
let repaymentTransfer: string;

interface WireRecord {
  transferId: string;
  type: string;
  source: string;
  amount: { amountMinor: string; currency: string };
  counterparty: string | null;
}

async function records(client: WalletClient, query = ''): Promise<WireRecord[]> {
  const r = await kit.call(client, 'GET', `/api/v1/me/records${query}`);
  assert.equal(r.statusCode, 200, r.body);
  return r.json().records;
}

before(async () => {
  t = await openTestApp({ clock });
  kit = createClientKit(t, { phone: '+8613571', ip: '10.71.0' });
  payer = await kit.newClient(100_000n);
  stranger = await kit.newClient(5_000n);
  const granted = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/operator/credit-lines/${payer.userId}`,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    payload: { limit: cny(500_000) },
  });
  assert.equal(granted.statusCode, 200, granted.body);

  const created = await kit.createIntent(payer, {
    payee: { merchantId: DEMO_MERCHANT.id },
    amount: cny(12_345),
    channel: 'credit_line',
  });
  assert.equal(created.statusCode, 201, created.body);
  const paid = await kit.confirm(payer, created.json().id, {
    paymentPassword: payer.paymentPassword,
    warningAcknowledged: true,
  });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().status, 'succeeded');
  // docs/credit.md: a payment's one ledger transfer is `pay:<intentId>`.
  creditPaymentTransfer = `pay:${created.json().id}`;

  clock.advance(60_000);
  const repaid = await kit.call(payer, 'POST', '/api/v1/me/credit/repayments', {
    amount: cny(10_000),
    clientRequestId: kit.nextRequestId(),
  });
  assert.equal(repaid.statusCode, 201, repaid.body);
  repaymentTransfer = repaid.json().transferId;
});
after(async () => {
  if (t) {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    await t.close();
  }
});

describe('records of the credit line', () => {
  test('a payment on credit and a repayment are each one row of the payer, newest first', async () => {
    const rows = await records(payer);
    assert.deepEqual(
      rows.map((r) => [r.transferId, r.type, r.source, r.amount.amountMinor]),
      [
        [repaymentTransfer, 'credit_repayment', 'wallet', '-10000'],
        [creditPaymentTransfer, 'merchant_payment', 'credit_line', '-12345'],
        [rows[2]?.transferId, 'top_up', 'wallet', '100000'],
      ],
    );
    assert.equal(rows[1]?.counterparty, DEMO_MERCHANT.name);
    // The wallet paid only the repayment.
    assert.equal(await kit.balanceOf(payer), 90_000n);
  });

  test('filters by the new type, exports it, and shows nobody else', async () => {
    const repayments = await records(payer, '?type=credit_repayment');
    assert.deepEqual(
      repayments.map((r) => r.transferId),
      [repaymentTransfer],
    );
    const spending = await records(payer, '?type=merchant_payment');
    assert.deepEqual(
      spending.map((r) => r.transferId),
      [creditPaymentTransfer],
    );
    const csv = await kit.call(payer, 'GET', '/api/v1/me/records.csv');
    assert.equal(csv.statusCode, 200);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines.length, 4);
    assert.ok(
      lines.some((l) => l.includes(',credit_repayment,posted,,-100.00,CNY,')),
      csv.body,
    );
    assert.ok(lines.some((l) => l.includes(',merchant_payment,posted,') && l.includes(',-123.45,CNY,')));
    const theirs = await records(stranger);
    assert.deepEqual(
      theirs.map((r) => r.type),
      ['top_up'],
    );
  });

  test('the month bill lists the repayment but counts it outside the totals', async () => {
    const r = await kit.call(payer, 'GET', '/api/v1/me/bills/2026-03');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().categories, [
      { type: 'top_up', count: 1, in: cny(100_000), out: cny(0) },
      { type: 'merchant_payment', count: 1, in: cny(0), out: cny(12_345) },
      { type: 'credit_repayment', count: 1, in: cny(0), out: cny(10_000) },
    ]);
    assert.deepEqual(r.json().totals, [{ in: cny(100_000), out: cny(12_345), net: cny(100_000 - 12_345) }]);
    const pdf = await kit.call(payer, 'GET', '/api/v1/me/bills/2026-03.pdf');
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  });
});
