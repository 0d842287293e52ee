/**
 * Merchant orders for the fault tests (issue 8 point 3): a merchant onboarded on the cluster's
 * database with one app, the real alipay-sdk pointed at each API process, and a test merchant
 * server that answers `success` and remembers which orders it was told were paid (duplicates
 * allowed, as Alipay's at-least-once delivery allows them). `checkNotifications` then holds the
 * cluster to "every committed order payment's notification reached the merchant".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import type { Kysely } from 'kysely';
import { formatYuan, generateRsaKeyPair } from '../gateway/index.ts';
import type { Database } from '../store/index.ts';
import type { ApiCluster } from './api-cluster.ts';
import type { PaymentRecord } from './payment-driver.ts';

/** A precreate's answer as the driver sees it. */
export type PrecreateAnswer = { qrCode: string } | { retry: true } | { refused: unknown };

export interface MerchantOrders {
  readonly merchantId: string;
  /** alipay.trade.precreate with notify_url through API process `processIndex`. */
  precreate(processIndex: number, outTradeNo: string, amountMinor: bigint): Promise<PrecreateAnswer>;
  /** Orders the merchant server was told are paid (TRADE_SUCCESS), with how often. */
  readonly paidNotices: ReadonlyMap<string, number>;
  /** Waits until every paid order of `records` was notified; answers what is still missing. */
  checkNotifications(
    db: Kysely<Database>,
    records: readonly PaymentRecord[],
    timeoutMs: number,
  ): Promise<string[]>;
  close(): Promise<void>;
}

/** Alipay's "system busy" (the gateway's answer when its store is unreachable): try again. */
const RETRYABLE_GATEWAY_CODES = new Set(['20000']);

export async function openMerchantOrders(
  cluster: ApiCluster,
  merchantId = 'mch_fault',
): Promise<MerchantOrders> {
  const { gateway } = cluster.platform.modules;
  await gateway.onboardMerchant({ merchantId, name: 'Fault Test Shop', contactEmail: null, feeRateBp: 60 });
  await gateway.approveMerchant(merchantId);
  const keys = generateRsaKeyPair();
  const app = await gateway.createApp({
    merchantId,
    name: 'fault',
    merchantPublicKey: keys.publicKeyPem,
    ipAllowList: [],
  });
  const alipayPublicKey = app.platformPublicKeyPem.replace(/-----[A-Z ]+-----|\s/g, '');

  const paidNotices = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      if (fields.trade_status === 'TRADE_SUCCESS' && fields.out_trade_no)
        paidNotices.set(fields.out_trade_no, (paidNotices.get(fields.out_trade_no) ?? 0) + 1);
      res.end('success');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  const sdks = cluster.processes.map(
    (p) =>
      new AlipaySdk({
        appId: app.appId,
        privateKey: keys.privateKeyPem,
        keyType: 'PKCS8',
        alipayPublicKey,
        gateway: `${p.url}/gateway.do`,
        timeout: 5_000,
      }),
  );

  return {
    merchantId,
    paidNotices,
    async precreate(processIndex, outTradeNo, amountMinor) {
      try {
        const answer = (await sdks[processIndex]!.exec(
          'alipay.trade.precreate',
          {
            notifyUrl,
            bizContent: { outTradeNo, totalAmount: formatYuan(amountMinor), subject: 'fault coffee' },
          },
          { validateSign: true },
        )) as Record<string, string>;
        if (answer.code === '10000' && answer.qrCode) return { qrCode: answer.qrCode };
        if (RETRYABLE_GATEWAY_CODES.has(String(answer.code))) return { retry: true };
        return { refused: answer };
      } catch {
        // A dropped connection, a 503 or a timeout: the same out_trade_no is safe to send again.
        return { retry: true };
      }
    },
    async checkNotifications(db, records, timeoutMs) {
      const orders = records.filter((r) => r.outTradeNo !== undefined);
      const deadline = Date.now() + timeoutMs;
      let missing: string[] = [];
      while (true) {
        const trades = await db
          .selectFrom('gateway_trades')
          .select(['out_trade_no', 'status', 'paid_at'])
          .where('merchant_id', '=', merchantId)
          .execute();
        const byNo = new Map(trades.map((t) => [t.out_trade_no, t]));
        missing = [];
        for (const record of orders) {
          const trade = byNo.get(record.outTradeNo!);
          // A payment the client was told succeeded must end as a paid trade…
          if (record.outcome === 'acked' && trade?.paid_at == null)
            missing.push(`${record.outTradeNo}: acknowledged, trade ${trade?.status ?? 'missing'}`);
        }
        // …and every paid trade (acknowledged or not) must have reached the merchant.
        for (const trade of trades) {
          if (trade.paid_at !== null && !paidNotices.has(trade.out_trade_no))
            missing.push(`${trade.out_trade_no}: paid, merchant not notified`);
        }
        if (missing.length === 0 || Date.now() >= deadline) return missing;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
