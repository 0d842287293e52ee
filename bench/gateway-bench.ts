/**
 * `npm run bench -- gateway`: N merchant clients, each with the real alipay-sdk (validateSign)
 * and its own wallet buyer, loop for a fixed time: alipay.trade.precreate → the buyer pays the
 * QR code over HTTP (POST /api/v1/qr/pay, then confirm with the payment password: one argon2id
 * verify) → alipay.trade.query until TRADE_SUCCESS → the test merchant server receives the
 * notification, checks it with checkNotifySignV2 and answers `success`. On a scratch PostgreSQL
 * database, with the production wiring (deliver-on-commit plus the runDue timer) and a rate
 * limiter that never limits (the bench's buyers pay far past any budget meant for people).
 *
 * orders_per_s counts complete cycles (acknowledged notifications); p99_ms is precreate → paid
 * query as the merchant sees it; notify_p99_ms is from the buyer's confirmation answer to the
 * merchant's `success` (issue 6's goal: under 1 s).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AlipaySdk } from 'alipay-sdk';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { generateRsaKeyPair } from '../src/gateway/index.ts';
import { createModules } from '../src/main.ts';
import { systemClock } from '../src/shared/index.ts';
import {
  createScratchDatabase,
  dropScratchDatabase,
  migrateToLatest,
  openStore,
} from '../src/store/index.ts';
import { type BenchResult, type Log, round } from './bench-result.ts';
import { NO_LIMITS } from './bench-server.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { BenchOptions } from './options.ts';

const NOTIFY_P99_GOAL_MS = 1_000;
const PG_POOL_SIZE_DEFAULT = 16;
/** The server's runDue tick (config default 250 ms); deliver-on-commit usually beats it. */
const RUN_DUE_INTERVAL_MS = 250;
/** A notification not acknowledged within this is counted lost for the bench. */
const NOTIFY_WAIT_MAX_MS = 10_000;
const QUERY_POLLS_MAX = 20;
const PAYMENT_PASSWORD = '246813';
const ORDER_AMOUNT = '1.00';

interface Buyer {
  readonly phone: string;
  readonly password: string;
  token: string;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, response };
}

export async function gatewayBench(options: BenchOptions, log: Log): Promise<BenchResult> {
  const databaseUrl = await createScratchDatabase(options.adminUrl, 'rampart_bench_gateway');
  const store = await openStore({
    databaseUrl,
    dataDir: 'memory://unused',
    poolSizeMax: options.poolSizeMax ?? PG_POOL_SIZE_DEFAULT,
  });
  const waiters = new Map<string, (atMs: number) => void>();
  let badSignatures = 0;
  let sdkForChecks: AlipaySdk | undefined;
  const merchantServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      if (!sdkForChecks?.checkNotifySignV2(fields)) badSignatures++;
      res.end('success');
      if (fields.trade_status === 'TRADE_SUCCESS')
        waiters.get(fields.out_trade_no ?? '')?.(performance.now());
    });
  });
  await new Promise<void>((resolve) => merchantServer.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(merchantServer.address() as AddressInfo).port}/notify`;
  try {
    await migrateToLatest(store);
    const config = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port: 0,
        logLevel: 'silent',
        webDistDir: '/nonexistent',
        operatorToken: 'bench-operator-token-0123456789abcdef',
      },
    );
    const modules = createModules(store, config, systemClock, {
      masterKey: randomBytes(32),
      devMode: false,
      rateLimiter: NO_LIMITS,
      gatewayDeliverOnCommit: true,
      // The bench's merchant servers listen on 127.0.0.1: the SSRF guard is explicitly relaxed.
      gatewayAllowPrivateCallbacks: true,
    });
    const app = await buildApp({ config, clock: systemClock, ping: store.ping, ...modules, demo: false });
    let running: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (running) return;
      running = modules.gateway
        .runDue(Date.now())
        .catch((error: unknown) => log(`gateway: runDue failed: ${String(error)}`))
        .finally(() => {
          running = undefined;
        });
    }, RUN_DUE_INTERVAL_MS);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

      // The merchant and its app, through the gateway module (the operator API's use cases).
      await modules.gateway.onboardMerchant({
        merchantId: 'mch_bench',
        name: 'Bench Shop',
        contactEmail: null,
        feeRateBp: 60,
      });
      await modules.gateway.approveMerchant('mch_bench');
      const merchantKeys = generateRsaKeyPair();
      const created = await modules.gateway.createApp({
        merchantId: 'mch_bench',
        name: 'bench',
        merchantPublicKey: merchantKeys.publicKeyPem,
        ipAllowList: [],
      });
      const alipayPublicKey = created.platformPublicKeyPem.replace(/-----[A-Z ]+-----|\s/g, '');
      const newSdk = () =>
        new AlipaySdk({
          appId: created.appId,
          privateKey: merchantKeys.privateKeyPem,
          keyType: 'PKCS8',
          alipayPublicKey,
          gateway: `${baseUrl}/gateway.do`,
          timeout: 30_000,
        });
      sdkForChecks = newSdk();

      // Buyers: users with a payment password and money, signed in over HTTP (SMS code from the outbox).
      const bank = await modules.ledger.systemAccount('external_funding', 'CNY');
      const buyers: Buyer[] = [];
      for (let index = 0; index < options.clients; index++) {
        const buyer: Buyer = {
          phone: `+86138${String(index).padStart(8, '0')}`,
          password: `bench-gw-${randomBytes(9).toString('base64url')}`,
          token: '',
        };
        const user = await modules.identity.createUser({
          phoneE164: buyer.phone,
          displayName: `Buyer ${index}`,
          password: buyer.password,
          paymentPassword: PAYMENT_PASSWORD,
        });
        const wallet = await modules.wallet.openWallet(user.id, 'CNY');
        await modules.ledger.createTransfers([
          {
            id: `bench-gw-topup-${index}`,
            kind: 'posted',
            code: 'top_up',
            legs: [
              {
                debitAccountId: bank.id,
                creditAccountId: wallet.id,
                amountMinor: 10_000_000n,
                currency: 'CNY',
              },
            ],
          },
        ]);
        const first = await postJson(`${baseUrl}/api/v1/auth/sign-in`, {
          phone: buyer.phone,
          password: buyer.password,
        });
        const challengeToken = String(first.body.challengeToken);
        await postJson(`${baseUrl}/api/v1/auth/sign-in/send-code`, { challengeToken });
        const message = await store.db
          .selectFrom('notification_outbox')
          .select('body')
          .where('destination', '=', buyer.phone)
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow();
        const code = /\b\d{6}\b/.exec(message.body)?.[0];
        const verified = await postJson(`${baseUrl}/api/v1/auth/sign-in/verify`, {
          challengeToken,
          method: 'sms',
          code,
        });
        if (verified.status !== 200)
          throw new Error(`buyer sign-in: ${verified.status} ${JSON.stringify(verified.body)}`);
        buyer.token = String(verified.body.token);
        buyers.push(buyer);
      }
      log(
        `gateway: ${buyers.length} buyers ready; ${options.clients} merchant clients for ${options.seconds} s`,
      );

      const orderLatency = new LatencyHistogram();
      const notifyLatency = new LatencyHistogram();
      const failures = new Map<string, number>();
      const fail = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);
      let completed = 0;
      const loadAvg1m = loadavg()[0] ?? 0;
      const startMs = performance.now();
      const endMs = startMs + options.seconds * 1000;

      const client = async (index: number) => {
        const sdk = newSdk();
        const buyer = buyers[index];
        if (!buyer) return;
        const auth = { authorization: `Bearer ${buyer.token}` };
        // Bounded by the bench's duration.
        for (let n = 0; performance.now() < endMs; n++) {
          const outTradeNo = `b${index}_${n}_${randomBytes(4).toString('hex')}`;
          const t0 = performance.now();
          const ack = new Promise<number | undefined>((resolve) => {
            const timeout = setTimeout(() => resolve(undefined), NOTIFY_WAIT_MAX_MS);
            waiters.set(outTradeNo, (atMs) => {
              clearTimeout(timeout);
              resolve(atMs);
            });
          });
          try {
            const pre = (await sdk.exec(
              'alipay.trade.precreate',
              { notifyUrl, bizContent: { outTradeNo, totalAmount: ORDER_AMOUNT, subject: 'bench coffee' } },
              { validateSign: true },
            )) as Record<string, string>;
            if (pre.code !== '10000') throw new Error(`precreate ${pre.subCode}`);
            const intent = await postJson(
              `${baseUrl}/api/v1/qr/pay`,
              { code: pre.qrCode, clientRequestId: outTradeNo },
              auth,
            );
            if (intent.status !== 201) throw new Error(`qr pay ${intent.status}`);
            const confirmed = await postJson(
              `${baseUrl}/api/v1/payments/intents/${String(intent.body.id)}/confirm`,
              { paymentPassword: PAYMENT_PASSWORD },
              auth,
            );
            if (confirmed.status !== 200) throw new Error(`confirm ${confirmed.status}`);
            const paidAtMs = performance.now();
            let status = '';
            for (let poll = 0; poll < QUERY_POLLS_MAX && status !== 'TRADE_SUCCESS'; poll++) {
              const query = (await sdk.exec(
                'alipay.trade.query',
                { bizContent: { outTradeNo } },
                { validateSign: true },
              )) as Record<string, string>;
              status = query.tradeStatus ?? '';
            }
            if (status !== 'TRADE_SUCCESS') throw new Error('query never TRADE_SUCCESS');
            orderLatency.record(performance.now() - t0);
            const ackedAtMs = await ack;
            if (ackedAtMs === undefined) throw new Error('notification not acknowledged in time');
            notifyLatency.record(Math.max(0, ackedAtMs - paidAtMs));
            completed++;
          } catch (error) {
            fail(error instanceof Error ? error.message : String(error));
          } finally {
            waiters.delete(outTradeNo);
          }
        }
      };
      await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
      const elapsedS = (performance.now() - startMs) / 1000;
      for (const [what, count] of failures) log(`gateway: ${count} × ${what}`);
      const failureCount = [...failures.values()].reduce((a, b) => a + b, 0);
      const ok = failureCount === 0 && completed > 0 && badSignatures === 0;
      const notifyP99 = notifyLatency.quantileMs(0.99);
      return {
        ok,
        line: {
          bench: 'gateway',
          orders_per_s: round(completed / elapsedS, 1),
          p99_ms: round(orderLatency.quantileMs(0.99), 1),
          notify_p99_ms: round(notifyP99, 1),
          goal_met: notifyP99 < NOTIFY_P99_GOAL_MS,
          notify_p99_goal_ms: NOTIFY_P99_GOAL_MS,
          p50_ms: round(orderLatency.quantileMs(0.5), 1),
          notify_p50_ms: round(notifyLatency.quantileMs(0.5), 1),
          orders: completed,
          failures: failureCount,
          bad_notify_signatures: badSignatures,
          clients: options.clients,
          seconds: options.seconds,
          store: 'postgres',
          run_due_interval_ms: RUN_DUE_INTERVAL_MS,
          cores: availableParallelism(),
          load_avg_1m: round(loadAvg1m, 2),
          node: process.version,
        },
      };
    } finally {
      clearInterval(timer);
      await running;
      await app.close();
      await modules.ledger.drain();
    }
  } finally {
    await new Promise((resolve) => merchantServer.close(resolve));
    await store.close();
    await dropScratchDatabase(options.adminUrl, databaseUrl);
  }
}
