/**
 * Reconciliation bills (issue 6 point 5): daily (yyyy-MM-dd) or monthly (yyyy-MM) CSV files in
 * Beijing time, `trade` (every payment and refund of the merchant's trades) and `signcustomer`
 * (every movement of the merchant's settlement account, from the ledger), behind a download
 * link signed with HMAC-SHA-256 that lives 30 s. Only a finished period has a bill (T+1).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../shared/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import { parseBiz } from './biz.ts';
import { BEIJING_OFFSET_MS, BILL_ROWS_MAX, BILL_URL_TTL_MS } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError, GATEWAY_ERRORS } from './errors.ts';
import type { Call } from './trades.ts';

export type BillType = 'trade' | 'signcustomer';

const billSchema = z.object({
  bill_type: z.enum(['trade', 'signcustomer']),
  bill_date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
});

/** The period [fromMs, toMs) of a bill date in Beijing time, or undefined if not a real date. */
export function billPeriod(billDate: string): { fromMs: number; toMs: number } | undefined {
  const [y, m, d] = billDate.split('-').map(Number) as [number, number, number | undefined];
  if (!(m >= 1 && m <= 12)) return undefined;
  if (d === undefined) {
    return { fromMs: Date.UTC(y, m - 1, 1) - BEIJING_OFFSET_MS, toMs: Date.UTC(y, m, 1) - BEIJING_OFFSET_MS };
  }
  const start = Date.UTC(y, m - 1, d);
  if (new Date(start).getUTCDate() !== d) return undefined;
  return { fromMs: start - BEIJING_OFFSET_MS, toMs: start + 86_400_000 - BEIJING_OFFSET_MS };
}

function linkMac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function billLink(
  ctx: GatewayContext,
  input: { appId: string; billType: BillType; billDate: string },
): string {
  const expires = ctx.clock.nowMs() + BILL_URL_TTL_MS;
  const payload = `${input.appId}|${input.billType}|${input.billDate}|${expires}`;
  const query = new URLSearchParams({
    app_id: input.appId,
    bill_type: input.billType,
    bill_date: input.billDate,
    expires: String(expires),
    sig: linkMac(ctx.billLinkKey, payload),
  });
  return `${ctx.publicUrl}/gateway/bills/download?${query.toString()}`;
}

export async function billDownloadUrl(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const { bill_type, bill_date } = parseBiz(billSchema, call.biz);
  const period = billPeriod(bill_date);
  if (!period) throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: bill_date');
  // T+1: today's (or this month's) bill does not exist yet.
  if (period.toMs > ctx.clock.nowMs()) throw new AlipayError(ALIPAY_ERRORS.BILL_NOT_EXIST);
  return {
    bill_download_url: billLink(ctx, { appId: call.app.app_id, billType: bill_type, billDate: bill_date }),
  };
}

/** Checks a download link (constant time) and answers the bill's CSV. */
export async function downloadBill(
  ctx: GatewayContext,
  query: { app_id: string; bill_type: BillType; bill_date: string; expires: string; sig: string },
): Promise<{ filename: string; csv: string }> {
  const payload = `${query.app_id}|${query.bill_type}|${query.bill_date}|${query.expires}`;
  const expected = Buffer.from(linkMac(ctx.billLinkKey, payload));
  const given = Buffer.from(query.sig);
  const expiresMs = Number(query.expires);
  if (
    expected.length !== given.length ||
    !timingSafeEqual(expected, given) ||
    !(ctx.clock.nowMs() < expiresMs)
  ) {
    throw new DomainError(GATEWAY_ERRORS.BILL_LINK_INVALID);
  }
  const csv = await buildBill(ctx, {
    appId: query.app_id,
    billType: query.bill_type,
    billDate: query.bill_date,
  });
  return { filename: `${query.app_id}_${query.bill_type}_${query.bill_date}.csv`, csv };
}

function csvCell(value: string): string {
  // A leading = + - @ would be a formula in a spreadsheet (CSV injection): quote and prefix.
  // A plain negative amount is data, not a formula.
  const safe = /^[=+\-@]/.test(value) && !/^-\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) || safe !== value ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvOf(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

export const TRADE_BILL_HEADER = [
  'trade_no',
  'out_trade_no',
  'type',
  'subject',
  'created_at',
  'completed_at',
  'amount',
  'fee',
  'status',
  'out_request_no',
] as const;

export async function buildBill(
  ctx: GatewayContext,
  input: { appId: string; billType: BillType; billDate: string },
): Promise<string> {
  const period = billPeriod(input.billDate);
  if (!period) throw new DomainError(GATEWAY_ERRORS.BILL_LINK_INVALID);
  const from = new Date(period.fromMs);
  const to = new Date(period.toMs);
  const app = await ctx.db
    .selectFrom('gateway_apps')
    .select('merchant_id')
    .where('app_id', '=', input.appId)
    .executeTakeFirst();
  if (!app) throw new DomainError(GATEWAY_ERRORS.APP_NOT_FOUND);
  if (input.billType === 'trade') {
    const payments = await ctx.db
      .selectFrom('gateway_trades')
      .selectAll()
      .where('app_id', '=', input.appId)
      .where('paid_at', '>=', from)
      .where('paid_at', '<', to)
      .orderBy('paid_at')
      .limit(BILL_ROWS_MAX)
      .execute();
    const refunds = await ctx.db
      .selectFrom('gateway_refunds as r')
      .innerJoin('gateway_trades as t', 't.trade_no', 'r.trade_no')
      .select([
        't.trade_no',
        't.out_trade_no',
        't.subject',
        't.created_at',
        'r.created_at as refunded_at',
        'r.amount_minor',
        'r.fee_back_minor',
        'r.out_request_no',
      ])
      .where('t.app_id', '=', input.appId)
      .where('r.created_at', '>=', from)
      .where('r.created_at', '<', to)
      .orderBy('r.created_at')
      .limit(BILL_ROWS_MAX)
      .execute();
    const rows = [
      ...payments.map((t) => [
        t.trade_no,
        t.out_trade_no,
        'payment',
        t.subject,
        formatBeijing(t.created_at.getTime()),
        t.paid_at ? formatBeijing(t.paid_at.getTime()) : '',
        formatYuan(t.total_minor),
        formatYuan(t.fee_minor),
        'TRADE_SUCCESS',
        '',
      ]),
      ...refunds.map((r) => [
        r.trade_no,
        r.out_trade_no,
        'refund',
        r.subject,
        formatBeijing(r.created_at.getTime()),
        formatBeijing(r.refunded_at.getTime()),
        formatYuan(-r.amount_minor),
        formatYuan(-r.fee_back_minor),
        'REFUND_SUCCESS',
        r.out_request_no,
      ]),
    ];
    return csvOf(TRADE_BILL_HEADER, rows);
  }
  const merchant = await ctx.db
    .selectFrom('merchants')
    .select('settlement_account_id')
    .where('id', '=', app.merchant_id)
    .executeTakeFirstOrThrow();
  const entries = await ctx.db
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_transfers as t', 't.id', 'e.transfer_id')
    .select(['e.transfer_id', 't.code', 'e.side', 'e.posted_delta_minor', 'e.created_at'])
    .where('e.account_id', '=', merchant.settlement_account_id)
    .where('e.created_at', '>=', from)
    .where('e.created_at', '<', to)
    .where('e.posted_delta_minor', '<>', 0n)
    .orderBy('e.id')
    .limit(BILL_ROWS_MAX)
    .execute();
  const rows = entries.map((e) => {
    const credit = e.side === 'C';
    return [
      formatBeijing(e.created_at.getTime()),
      e.transfer_id,
      e.code,
      credit ? formatYuan(e.posted_delta_minor) : '',
      credit ? '' : formatYuan(e.posted_delta_minor),
    ];
  });
  return csvOf(['time', 'transfer_id', 'business', 'income', 'expense'], rows);
}
