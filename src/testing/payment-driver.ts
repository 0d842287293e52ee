/**
 * A seeded, replayable random-operation driver for the fault tests: concurrent clients pay the
 * demo merchant over HTTP across several API processes, retrying like real clients — the same
 * idempotency key (`clientRequestId`) on every retry, sometimes two copies of one request at
 * once (a double-click, a proxy retry), sometimes a later payment started before an earlier
 * one's retry (reordered). Every answer is recorded; `checkPayments` then holds the database to
 * what the clients were told. The seed fixes every choice (payer, amount, process, duplicates,
 * delays) except what the faults themselves decide (timing), so a failing run names its seed.
 */
import { type Kysely, sql } from 'kysely';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import type { Database } from '../store/index.ts';
import type { ApiCluster, Payer } from './api-cluster.ts';
import type { MerchantOrders } from './merchant-orders.ts';

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Outcome = 'acked' | 'refused' | 'unknown';

export interface PaymentRecord {
  readonly key: string;
  readonly payer: Payer;
  readonly amountMinor: bigint;
  outcome: Outcome;
  intentId: string | undefined;
  /** Every HTTP status (or 'network') the client saw, in order. */
  readonly answers: (number | 'network')[];
  /** A 2xx whose body was not what a success must look like. */
  wrongSuccess: string | undefined;
  /** What the intent asked to confirm with. */
  confirmation?: string;
  /** The body of the answer that refused it (for the test's log). */
  refusal?: unknown;
  /** A merchant order (precreate with notify_url, paid through its QR code): its out_trade_no. */
  outTradeNo?: string;
}

export interface DriveOptions {
  readonly seed: number;
  readonly payers: readonly Payer[];
  /** Clients in flight at once. */
  readonly concurrency: number;
  /** Stop starting payments after this long (faults happen meanwhile). */
  readonly durationMs: number;
  /** Tries per request before the client gives up (the payment is then "unknown"). */
  readonly attemptsMax?: number;
  readonly requestTimeoutMs?: number;
  /** Called between payments; faults hook in here. */
  readonly onProgress?: (started: number) => void;
  /** Merchant orders in the mix: this share of the operations (0–1) pays one instead. */
  readonly orders?: { readonly merchant: MerchantOrders; readonly share: number };
}

const RETRY_DELAY_MS = 150;

async function call(
  url: string,
  token: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number | 'network'; body: Record<string, unknown> | undefined }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  } catch {
    return { status: 'network', body: undefined };
  }
}

const retryable = (status: number | 'network') => status === 'network' || status === 503 || status === 429;

/** Drives payments until `durationMs`; resolves to one record per payment (key). */
export async function drivePayments(cluster: ApiCluster, options: DriveOptions): Promise<PaymentRecord[]> {
  const random = seededRandom(options.seed);
  const attemptsMax = options.attemptsMax ?? 40;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const records: PaymentRecord[] = [];
  const endAt = Date.now() + options.durationMs;
  let started = 0;
  const pickProcess = () => cluster.processes[Math.floor(random() * cluster.processes.length)]!;

  /** Sends one request with retries on the same key; the last answer decides. */
  async function withRetries(
    record: PaymentRecord,
    path: (intentId: string | undefined) => string,
    body: unknown,
  ): Promise<{ status: number | 'network'; body: Record<string, unknown> | undefined }> {
    let last: { status: number | 'network'; body: Record<string, unknown> | undefined } = {
      status: 'network',
      body: undefined,
    };
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      const api = pickProcess();
      // Sometimes the same request twice at once: both must answer the same payment.
      const copies = random() < 0.15 ? 2 : 1;
      const answers = await Promise.all(
        Array.from({ length: copies }, () =>
          call(`${api.url}${path(record.intentId)}`, record.payer.token, body, timeoutMs),
        ),
      );
      for (const answer of answers) record.answers.push(answer.status);
      last = answers.find((a) => !retryable(a.status)) ?? answers[0]!;
      if (!retryable(last.status)) return last;
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS + Math.floor(random() * RETRY_DELAY_MS)));
    }
    return last;
  }

  /** Creates the merchant's order (same out_trade_no on every retry); its QR code, or undefined. */
  async function precreate(record: PaymentRecord, outTradeNo: string): Promise<string | undefined> {
    const merchant = options.orders!.merchant;
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      const answer = await merchant.precreate(
        Math.floor(random() * cluster.processes.length),
        outTradeNo,
        record.amountMinor,
      );
      if ('qrCode' in answer) return answer.qrCode;
      if ('refused' in answer) {
        record.outcome = 'refused';
        record.refusal = answer.refused;
        return undefined;
      }
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS + Math.floor(random() * RETRY_DELAY_MS)));
    }
    return undefined; // gave up: no intent, outcome stays unknown
  }

  async function pay(record: PaymentRecord): Promise<void> {
    let created: Awaited<ReturnType<typeof withRetries>>;
    if (record.outTradeNo !== undefined) {
      const qrCode = await precreate(record, record.outTradeNo);
      if (qrCode === undefined) return;
      created = await withRetries(record, () => '/api/v1/qr/pay', {
        code: qrCode,
        clientRequestId: record.key,
      });
    } else {
      created = await withRetries(record, () => '/api/v1/payments/intents', {
        payee: { merchantId: DEMO_MERCHANT.id },
        amount: { amountMinor: record.amountMinor.toString(), currency: 'CNY' },
        channel: 'balance',
        clientRequestId: record.key,
      });
    }
    if (created.status === 200 || created.status === 201) {
      const id = created.body?.id;
      if (typeof id !== 'string') {
        record.wrongSuccess = `intent answer without an id: ${JSON.stringify(created.body)}`;
        return;
      }
      record.intentId = id;
      record.confirmation = String(created.body?.confirmation);
    } else {
      record.outcome = retryable(created.status) ? 'unknown' : 'refused';
      record.refusal = created.body;
      return;
    }
    const confirmed = await withRetries(
      record,
      (id) => `/api/v1/payments/intents/${id}/confirm`,
      record.confirmation === 'none' ? {} : { paymentPassword: record.payer.paymentPassword },
    );
    if (confirmed.status === 200) {
      if (confirmed.body?.status !== 'succeeded' || typeof confirmed.body?.transferId !== 'string') {
        record.wrongSuccess = `confirm 200 without success: ${JSON.stringify(confirmed.body)}`;
      }
      record.outcome = 'acked';
    } else {
      record.outcome = retryable(confirmed.status) ? 'unknown' : 'refused';
      record.refusal = confirmed.body;
    }
  }

  async function client(): Promise<void> {
    while (Date.now() < endAt) {
      const index = started++;
      options.onProgress?.(index);
      const payer = options.payers[Math.floor(random() * options.payers.length)]!;
      const record: PaymentRecord = {
        key: `op-${options.seed}-${index}`,
        payer,
        amountMinor: BigInt(1 + Math.floor(random() * 500)),
        outcome: 'unknown',
        intentId: undefined,
        answers: [],
        wrongSuccess: undefined,
      };
      if (options.orders && random() < options.orders.share) record.outTradeNo = record.key;
      records.push(record);
      await pay(record);
      // Reordered retries: now and then a client re-sends an OLD payment's confirm (same key,
      // after newer payments went through); it must answer that payment's receipt, nothing more.
      if (random() < 0.1 && records.length > 5) {
        const old = records[Math.floor(random() * (records.length - 1))]!;
        if (old.intentId && old.payer === payer) {
          const replay = await call(
            `${pickProcess().url}/api/v1/payments/intents/${old.intentId}/confirm`,
            payer.token,
            old.confirmation === 'none' ? {} : { paymentPassword: payer.paymentPassword },
            timeoutMs,
          );
          if (replay.status === 200 && old.outcome === 'refused') {
            old.wrongSuccess = `a refused payment later confirmed on replay: ${JSON.stringify(replay.body)}`;
          }
        }
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => client()));
  return records;
}

export interface PaymentCheck {
  readonly acked: number;
  readonly refused: number;
  readonly unknown: number;
  readonly unknownThatCommitted: number;
  readonly answers503: number;
  readonly violations: string[];
}

/** Holds the database to what the clients were told (see the fault tests for the list). */
export async function checkPayments(
  db: Kysely<Database>,
  records: readonly PaymentRecord[],
  payers: readonly Payer[],
  openingBalanceMinor: bigint,
): Promise<PaymentCheck> {
  const violations: string[] = [];
  const report = await verifyLedger(db, { nowMs: Date.now() });
  for (const v of report.violations) violations.push(`ledger: ${JSON.stringify(v)}`);

  const intents = await db
    .selectFrom('payment_intents')
    .select(['id', 'payer_id', 'client_request_id', 'amount_minor', 'status', 'transfer_id'])
    .where('client_request_id', 'like', 'op-%')
    .execute();
  const intentsByKey = new Map<string, typeof intents>();
  for (const intent of intents) {
    const key = `${intent.payer_id}/${intent.client_request_id}`;
    intentsByKey.set(key, [...(intentsByKey.get(key) ?? []), intent]);
  }
  const transfers = await db
    .selectFrom('ledger_transfers as t')
    .innerJoin('ledger_entries as e', 'e.transfer_id', 't.id')
    .select([
      't.id',
      sql<string>`count(*)`.as('entries'),
      sql<string>`max(abs(e.posted_delta_minor))`.as('amount'),
    ])
    .where('t.id', 'like', 'pay:%')
    .groupBy('t.id')
    .execute();
  const transferById = new Map(transfers.map((t) => [t.id, t]));

  let unknownThatCommitted = 0;
  let answers503 = 0;
  const paidByPayer = new Map<string, bigint>();
  for (const record of records) {
    answers503 += record.answers.filter((a) => a === 503).length;
    for (const answer of record.answers) {
      if (typeof answer === 'number' && answer >= 500 && answer !== 503) {
        violations.push(`${record.key}: answered ${answer} (only 503 may signal an outage)`);
      }
    }
    if (record.wrongSuccess) violations.push(`${record.key}: ${record.wrongSuccess}`);
    const found = intentsByKey.get(`${record.payer.userId}/${record.key}`) ?? [];
    if (found.length > 1) violations.push(`${record.key}: ${found.length} intents for one idempotency key`);
    const intent = found[0];
    const transfer = intent ? transferById.get(`pay:${intent.id}`) : undefined;
    if (transfer && Number(transfer.entries) !== 2) {
      violations.push(`${record.key}: transfer has ${transfer.entries} entries (applied more than once?)`);
    }
    if (transfer && BigInt(transfer.amount) !== record.amountMinor) {
      violations.push(`${record.key}: moved ${transfer.amount}, asked ${record.amountMinor}`);
    }
    if (transfer)
      paidByPayer.set(record.payer.userId, (paidByPayer.get(record.payer.userId) ?? 0n) + record.amountMinor);
    if (record.outcome === 'acked' && !transfer)
      violations.push(`${record.key}: acknowledged but no money moved`);
    if (record.outcome === 'refused' && transfer) violations.push(`${record.key}: refused but money moved`);
    if (record.outcome === 'unknown' && transfer) unknownThatCommitted += 1;
    if (intent && intent.status === 'succeeded' && !transfer)
      violations.push(`${record.key}: succeeded intent without transfer`);
  }
  // Every pay: transfer belongs to a payment a client started.
  const known = new Set(
    records.flatMap((r) => {
      const intent = intentsByKey.get(`${r.payer.userId}/${r.key}`)?.[0];
      return intent ? [`pay:${intent.id}`] : [];
    }),
  );
  for (const t of transfers) {
    if (!known.has(t.id)) violations.push(`${t.id}: money moved for no client's payment`);
  }
  // Money exact: each payer's balance is the opening balance less what its payments moved.
  const accounts = await db
    .selectFrom('ledger_accounts')
    .select(['id', 'debits_posted_minor', 'credits_posted_minor'])
    .where(
      'id',
      'in',
      payers.map((p) => p.walletAccountId),
    )
    .execute();
  for (const payer of payers) {
    const account = accounts.find((a) => a.id === payer.walletAccountId);
    const balance = account ? account.credits_posted_minor - account.debits_posted_minor : -1n;
    const expected = openingBalanceMinor - (paidByPayer.get(payer.userId) ?? 0n);
    if (balance !== expected) violations.push(`${payer.phone}: balance ${balance}, expected ${expected}`);
  }
  return {
    acked: records.filter((r) => r.outcome === 'acked').length,
    refused: records.filter((r) => r.outcome === 'refused').length,
    unknown: records.filter((r) => r.outcome === 'unknown').length,
    unknownThatCommitted,
    answers503,
    violations,
  };
}

/** Waits until every posted `pay:` transfer's event was consumed once by the projection. */
export async function waitForEventsConsumed(db: Kysely<Database>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let problems: string[] = [];
  while (Date.now() < deadline) {
    const rows = await db
      .selectFrom('ledger_transfers as t')
      .leftJoin('event_consumptions as c', (join) =>
        join
          .on('c.event_id', '=', sql<string>`'ledger.posted:' || t.id`)
          .on('c.consumer', '=', 'account-activity'),
      )
      .select(['t.id', sql<string>`count(c.event_id)`.as('consumed')])
      .where('t.id', 'like', 'pay:%')
      .groupBy('t.id')
      .execute();
    problems = rows
      .filter((r) => Number(r.consumed) !== 1)
      .map((r) => `${r.id}: consumed ${r.consumed} times`);
    if (problems.length === 0) return [];
    await new Promise((r) => setTimeout(r, 250));
  }
  return problems;
}
