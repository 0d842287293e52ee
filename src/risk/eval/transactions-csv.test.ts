// Proves the labelled-payments CSV reader with fast-check: any well-formed file (any column order,
// extra columns, CRLF) reads back exactly, and a malformed row is refused with its line number and
// the reason; the scenario column is never read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CsvFormatError,
  REQUIRED_COLUMNS,
  type TransactionRow,
  transactionRows,
} from './transactions-csv.ts';

async function read(lines: string[]): Promise<TransactionRow[]> {
  async function* source() {
    yield* lines;
  }
  const rows: TransactionRow[] = [];
  for await (const row of transactionRows(source())) rows.push(row);
  return rows;
}

const rowArb = fc.record({
  id: fc.stringMatching(/^[0-9]{1,9}$/),
  secondsOfDay: fc.integer({ min: 0, max: 86_399 }),
  customer: fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/),
  terminal: fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/),
  cents: fc.integer({ min: 0, max: 10_000_000 }),
  fraud: fc.boolean(),
  scenario: fc.string({ maxLength: 5 }).filter((s) => !/[,"\r\n]/.test(s)),
});

type Row = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

const COLUMNS = [...REQUIRED_COLUMNS, 'TX_FRAUD_SCENARIO', 'TX_TIME_DAYS'];

function line(order: string[], r: Row, dayMs: number): string {
  const at = new Date(dayMs + r.secondsOfDay * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const cells: Record<string, string> = {
    TRANSACTION_ID: r.id,
    TX_DATETIME: at,
    CUSTOMER_ID: r.customer,
    TERMINAL_ID: r.terminal,
    TX_AMOUNT: (r.cents / 100).toString(),
    TX_FRAUD: r.fraud ? '1' : '0',
    TX_FRAUD_SCENARIO: r.scenario,
    TX_TIME_DAYS: '3',
  };
  return order.map((c) => cells[c]).join(',');
}

describe('transactions CSV', () => {
  test('any well-formed file reads back exactly, whatever the column order', async () => {
    const dayMs = Date.UTC(2018, 3, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(COLUMNS, { minLength: COLUMNS.length }),
        fc.array(rowArb, { maxLength: 30 }),
        async (order, rows) => {
          const sorted = [...rows].sort((a, b) => a.secondsOfDay - b.secondsOfDay);
          const got = await read([order.join(','), ...sorted.map((r) => `${line(order, r, dayMs)}`)]);
          assert.equal(got.length, sorted.length);
          got.forEach((row, i) => {
            const r = sorted[i]!;
            assert.equal(row.line, i + 2);
            assert.equal(row.transactionId, r.id);
            assert.equal(row.atMs, dayMs + r.secondsOfDay * 1000);
            assert.equal(row.customerId, r.customer);
            assert.equal(row.terminalId, r.terminal);
            assert.equal(row.amountMinor, r.cents);
            assert.equal(row.fraud, r.fraud);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a malformed row is refused with its line number and the reason', async () => {
    const header = COLUMNS.join(',');
    const good = '1,2018-04-01 00:00:31,596,3156,57.16,0,0,0';
    const cases: [string, RegExp][] = [
      ['2,2018-04-01 00:01:00,596,3156,57.16,0,0', /has 7 fields, the header has 8/],
      ['2,2018-04-31 00:01:00,596,3156,57.16,0,0,0', /TX_DATETIME "2018-04-31 00:01:00"/],
      ['2,2018-04-01 00:01:00,596,3156,abc,0,0,0', /TX_AMOUNT "abc" is not a decimal amount/],
      ['2,2018-04-01 00:01:00,596,3156,-4.5,0,0,0', /TX_AMOUNT "-4.5"/],
      ['2,2018-04-01 00:01:00,596,3156,57.16,2,0,0', /TX_FRAUD "2" is not 0 or 1/],
      ['2,2018-04-01 00:01:00,,3156,57.16,0,0,0', /CUSTOMER_ID "" is not an id/],
      ['2,2018-04-01 00:00:00,596,3156,57.16,0,0,0', /goes back in time/],
      ['2,"2018-04-01 00:01:00",596,3156,57.16,0,0,0', /quoted fields/],
    ];
    for (const [bad, reason] of cases) {
      await assert.rejects(read([header, good, good.replace(/^1,/, '9,'), bad]), (error: unknown) => {
        assert.ok(error instanceof CsvFormatError, String(error));
        assert.equal(error.line, 4);
        assert.match(error.message, /^line 4: /);
        assert.match(error.message, reason);
        return true;
      });
    }
    await assert.rejects(
      read(['TRANSACTION_ID,TX_DATETIME', good]),
      /line 1: the header lacks column CUSTOMER_ID/,
    );
    await assert.rejects(read([]), /line 1: the file is empty/);
  });

  test('float artefacts in amounts round to the cent; the scenario column may hold anything', async () => {
    const rows = await read([
      COLUMNS.join(','),
      '1,2018-04-01 00:00:31,596,3156,85.64999999999999,0,whatever,0',
    ]);
    assert.equal(rows[0]!.amountMinor, 8565);
  });
});
