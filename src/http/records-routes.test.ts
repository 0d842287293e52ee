// Proves the records read side over HTTP (app.inject on PGlite or PostgreSQL): one row per
// transfer touching the caller's wallet, typed and signed by direction, with the payee's masked
// name; filters by type, status, counterparty, Beijing dates and amounts (bad ones → 400);
// cursor paging; the CSV export byte for byte (RFC 4180 quoting, yuan from minor units); month
// totals in Beijing time; and that another user's rows never show. Users sign in through the SMS
// challenge; money moves through real payment intents and ledger top-ups on a manual clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

/** Tuesday 31 March 2026, 23:00 in Beijing (15:00 UTC): an hour before April there. */
const START_MS = Date.UTC(2026, 2, 31, 15, 0, 0);
const clock = new ManualClock(START_MS);
let t: TestApp;

interface Client {
  readonly phone: string;
  readonly ip: string;
  userId: string;
  token: string;
}

const PASSWORD = 'records-login-2026';
const PIN = '583917';
let counter = 0;

function latestCode(phone: string): Promise<string> {
  return lastSentCode(t.store.db, phone);
}

async function newUser(displayName: string): Promise<Client> {
  counter++;
  const phone = `+86137${String(30_000_000 + counter)}`;
  await t.modules.identity.createUser({
    phoneE164: phone,
    displayName,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  const ip = `10.30.0.${counter}`;
  const inject = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    const sent = await inject('/api/v1/auth/sign-in/send-code', { challengeToken });
    assert.equal(sent.statusCode, 200, sent.body);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await latestCode(phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  return { phone, ip, userId: response.json().user.id, token: response.json().token };
}

async function topUp(client: Client, amountMinor: bigint): Promise<string> {
  const bank = await t.modules.ledger.systemAccount('external_funding', 'CNY');
  const wallet = await t.modules.wallet.openWallet(client.userId, 'CNY');
  const id = `test-topup-${randomBytes(8).toString('hex')}`;
  const [result] = await t.modules.ledger.createTransfers([
    {
      id,
      kind: 'posted',
      code: 'top_up',
      legs: [{ debitAccountId: bank.id, creditAccountId: wallet.id, amountMinor, currency: 'CNY' }],
    },
  ]);
  assert.equal(result?.status, 'created');
  return id;
}

function get(client: Client, url: string) {
  return t.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
  });
}

async function pay(payer: Client, payee: Client, amountMinor: bigint, note: string): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/payments/intents',
    headers: { authorization: `Bearer ${payer.token}` },
    remoteAddress: payer.ip,
    payload: {
      channel: 'balance',
      clientRequestId: `req-${randomBytes(6).toString('hex')}`,
      payee: { phone: payee.phone },
      amount: { amountMinor: String(amountMinor), currency: 'CNY' },
      note,
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const confirmed = await t.app.inject({
    method: 'POST',
    url: `/api/v1/payments/intents/${created.json().id}/confirm`,
    headers: { authorization: `Bearer ${payer.token}` },
    remoteAddress: payer.ip,
    payload: { paymentPassword: PIN },
  });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  return `pay:${created.json().id}`;
}

/** Moves the clock on in steps under the 30-minute idle timeout, keeping the sessions alive. */
async function passMinutes(minutes: number, clients: Client[]): Promise<void> {
  for (let left = minutes; left > 0; left -= 10) {
    for (const client of clients) assert.equal((await get(client, '/api/v1/wallet')).statusCode, 200);
    clock.advance(Math.min(10, left) * 60_000);
  }
  for (const client of clients) assert.equal((await get(client, '/api/v1/wallet')).statusCode, 200);
}

let ann: Client;
let ben: Client;
let eve: Client;
let topUpId: string;
let marchPayId: string;
let aprilPayId: string;

before(async () => {
  t = await openTestApp({ clock });
  ann = await newUser('Ann Lee');
  ben = await newUser('Ben Wu');
  eve = await newUser('Eve Stone');
  topUpId = await topUp(ann, 100_000n); // 23:00 31 March, Beijing
  await passMinutes(10, [ann, ben, eve]);
  marchPayId = await pay(ann, ben, 1_250n, 'lunch, "the usual"'); // 23:10 31 March
  await passMinutes(60, [ann, ben, eve]);
  aprilPayId = await pay(ann, ben, 30_005n, 'rent'); // 00:10 1 April
  await topUp(eve, 7_700n);
});
after(async () => {
  await t?.close();
});

describe('records', () => {
  test('lists the caller’s rows newest first, typed, signed and with masked counterparties', async () => {
    const r = await get(ann, '/api/v1/me/records');
    assert.equal(r.statusCode, 200, r.body);
    const rows = r.json().records;
    assert.deepEqual(
      rows.map((x: { transferId: string; type: string; amount: { amountMinor: string } }) => [
        x.transferId,
        x.type,
        x.amount.amountMinor,
      ]),
      [
        [aprilPayId, 'transfer_out', '-30005'],
        [marchPayId, 'transfer_out', '-1250'],
        [topUpId, 'top_up', '100000'],
      ],
    );
    assert.equal(rows[0].counterparty, '*****u');
    assert.equal(rows[0].status, 'posted');
    assert.equal(r.json().nextBefore, null);
    const payee = (await get(ben, '/api/v1/me/records')).json().records;
    assert.equal(payee.length, 2);
    assert.equal(payee[0].type, 'transfer_in');
    assert.equal(payee[0].amount.amountMinor, '30005');
    assert.equal(payee[0].counterparty, '******e');
  });

  test('another user’s rows never show', async () => {
    const rows = (await get(eve, '/api/v1/me/records?limit=100')).json().records;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].amount.amountMinor, '7700');
    const csv = (await get(eve, '/api/v1/me/records.csv')).body;
    assert.ok(!csv.includes('pay:'));
  });

  test('filters by type, status, counterparty, dates and amounts', async () => {
    const ids = async (query: string) =>
      (await get(ann, `/api/v1/me/records?${query}`))
        .json()
        .records.map((x: { transferId: string }) => x.transferId);
    assert.deepEqual(await ids('type=top_up'), [topUpId]);
    assert.deepEqual(await ids('type=transfer_in'), []);
    assert.deepEqual(await ids('status=pending'), []);
    assert.deepEqual(await ids('counterparty=U'), [aprilPayId, marchPayId]);
    assert.deepEqual(await ids('counterparty=nobody'), []);
    assert.deepEqual(await ids('from=2026-04-01'), [aprilPayId]);
    assert.deepEqual(await ids('to=2026-03-31'), [marchPayId, topUpId]);
    assert.deepEqual(await ids('minAmount=1250&maxAmount=30005'), [aprilPayId, marchPayId]);
    assert.deepEqual(await ids('maxAmount=1249'), []);
  });

  test('rejects bad filters with 400 validation_failed', async () => {
    for (const query of [
      'from=2026-02-30',
      'from=yesterday',
      'from=2026-04-02&to=2026-04-01',
      'minAmount=-1',
      'minAmount=1.5',
      'minAmount=10&maxAmount=9',
      'type=gift',
      'limit=101',
      'limit=0',
      'before=abc',
      'colour=red',
    ]) {
      const r = await get(ann, `/api/v1/me/records?${query}`);
      assert.equal(r.statusCode, 400, query);
      assert.equal(r.json().error.code, 'validation_failed', query);
    }
    assert.equal((await get(ann, '/api/v1/me/records.csv?to=2026-13-01')).statusCode, 400);
    assert.equal((await get(ann, '/api/v1/me/bills/2026-13')).statusCode, 400);
  });

  test('pages with a cursor', async () => {
    const first = (await get(ann, '/api/v1/me/records?limit=2')).json();
    assert.deepEqual(
      first.records.map((x: { transferId: string }) => x.transferId),
      [aprilPayId, marchPayId],
    );
    assert.ok(first.nextBefore);
    const second = (await get(ann, `/api/v1/me/records?limit=2&before=${first.nextBefore}`)).json();
    assert.deepEqual(
      second.records.map((x: { transferId: string }) => x.transferId),
      [topUpId],
    );
    assert.equal(second.nextBefore, null);
  });

  test('exports CSV exactly, quoting per RFC 4180, amounts in yuan', async () => {
    const r = await get(ann, '/api/v1/me/records.csv');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="rampart-records.csv"');
    assert.equal(
      r.body,
      [
        'time,type,status,counterparty,amount,currency,transfer_id,note',
        `2026-03-31T16:10:00.000Z,transfer_out,posted,*****u,-300.05,CNY,${aprilPayId},rent`,
        `2026-03-31T15:10:00.000Z,transfer_out,posted,*****u,-12.50,CNY,${marchPayId},"lunch, ""the usual"""`,
        `2026-03-31T15:00:00.000Z,top_up,posted,,1000.00,CNY,${topUpId},`,
        '',
      ].join('\r\n'),
    );
    const filtered = await get(ann, '/api/v1/me/records.csv?type=top_up');
    assert.equal(filtered.body.split('\r\n').length, 3);
  });

  test('totals a Beijing month by type', async () => {
    const march = (await get(ann, '/api/v1/me/bills/2026-03')).json();
    assert.equal(march.from, '2026-02-28T16:00:00.000Z');
    assert.equal(march.to, '2026-03-31T16:00:00.000Z');
    assert.deepEqual(march.categories, [
      {
        type: 'top_up',
        count: 1,
        in: { amountMinor: '100000', currency: 'CNY' },
        out: { amountMinor: '0', currency: 'CNY' },
      },
      {
        type: 'transfer_out',
        count: 1,
        in: { amountMinor: '0', currency: 'CNY' },
        out: { amountMinor: '1250', currency: 'CNY' },
      },
    ]);
    assert.equal(march.truncated, false);
    const april = (await get(ben, '/api/v1/me/bills/2026-04')).json();
    assert.deepEqual(april.categories, [
      {
        type: 'transfer_in',
        count: 1,
        in: { amountMinor: '30005', currency: 'CNY' },
        out: { amountMinor: '0', currency: 'CNY' },
      },
    ]);
    assert.deepEqual((await get(eve, '/api/v1/me/bills/2026-03')).json().categories, []);
  });

  test('requires a session', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/me/records' });
    assert.equal(r.statusCode, 401);
  });
});

/** Every Flate stream of a PDF, inflated and joined (to read its text maps). */
function inflatedStreams(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  const out: string[] = [];
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = (match.index ?? 0) + match[0].length;
    const end = text.indexOf('endstream', start);
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // Not a Flate stream (or trailing bytes): skipped.
    }
  }
  return out.join('\n');
}

describe('the monthly bill as a PDF', () => {
  test('a real PDF naming the month, with the CJK font embedded when installed', async () => {
    const { findCjkFont } = await import('../records/index.ts');
    const r = await get(ann, '/api/v1/me/bills/2026-04.pdf?lang=zh-CN');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.match(String(r.headers['content-disposition']), /rampart-bill-2026-04\.pdf/);
    const pdf = r.rawPayload;
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdf.toString('latin1'), /Rampart bill 2026-04/);
    assert.match(pdf.toString('latin1'), /%%EOF\s*$/);
    if (findCjkFont()) {
      assert.equal(r.headers['x-rampart-bill-language'], 'zh-CN');
      assert.match(pdf.toString('latin1'), /FontFile2/);
      // The embedded font's ToUnicode map covers the Chinese title "月度账单" (月 = U+6708).
      assert.match(inflatedStreams(pdf), /<6708>/i);
    } else {
      assert.equal(r.headers['x-rampart-bill-language'], 'en');
    }
    // Bad months and other users: refused / only one's own rows (eve's bill has none of ann's).
    assert.equal((await get(ann, '/api/v1/me/bills/2026-13.pdf')).statusCode, 400);
    const english = await get(eve, '/api/v1/me/bills/2026-04.pdf?lang=en');
    assert.equal(english.statusCode, 200);
    assert.equal(english.headers['x-rampart-bill-language'], 'en');
    const unsigned = await t.app.inject({ method: 'GET', url: '/api/v1/me/bills/2026-04.pdf' });
    assert.equal(unsigned.statusCode, 401);
  });

  test('without a CJK font the bill falls back to English and Latin-1 text', async () => {
    const { renderBillPdf } = await import('../records/index.ts');
    const { pdf, language } = await renderBillPdf(
      {
        month: '2026-04',
        holder: '王小明 (+86 138****8000)',
        language: 'zh-CN',
        fromTime: new Date(Date.UTC(2026, 2, 31, 16)),
        toTime: new Date(Date.UTC(2026, 3, 30, 16)),
        categories: [{ type: 'merchant_payment', currency: 'CNY', count: 1, inMinor: 0n, outMinor: 1_250n }],
        rows: [],
        rowsTruncated: false,
        nowMs: START_MS,
      },
      { font: undefined },
    );
    assert.equal(language, 'en');
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.doesNotMatch(pdf.toString('latin1'), /FontFile2/);
  });
});
