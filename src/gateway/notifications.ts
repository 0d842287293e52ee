/**
 * The notification outbox (issue 6 point 4): every status change writes one row in the same
 * transaction as the change; runDue claims due rows (conditional update, so several processes
 * never send one attempt twice at once), signs them with the app's current platform key, posts
 * them, and records the answer. Anything but `success` is retried at 4m,10m,10m,1h,2h,6h,15h
 * with the same notify_id; a process that dies mid-attempt leaves a claim that expires.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Transaction } from 'kysely';
import { newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import {
  NOTIFY_ATTEMPTS_MAX,
  NOTIFY_BATCH_MAX,
  NOTIFY_CLAIM_MS,
  NOTIFY_LOCAL_RETRY_MS,
  NOTIFY_RETRY_DELAYS_MS,
  NOTIFY_TIMEOUT_MS,
} from './constants.ts';
import type { GatewayContext } from './context.ts';
import { judgeCallbackUrl } from './safe-url.ts';
import { signNotification } from './signing.ts';
import type { TradeRow } from './trade-view.ts';

export interface RefundFacts {
  readonly outRequestNo: string;
  readonly refundFeeMinor: bigint;
  readonly atMs: number;
}

/** The trade_status_sync fields (Alipay's names), empty ones left out. */
export function notificationFields(
  trade: TradeRow,
  input: { notifyId: string; nowMs: number; refund?: RefundFacts | undefined },
): Record<string, string> {
  const total = formatYuan(trade.total_minor);
  const fields: Record<string, string | null | undefined> = {
    notify_type: 'trade_status_sync',
    notify_id: input.notifyId,
    notify_time: formatBeijing(input.nowMs),
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    app_id: trade.app_id,
    auth_app_id: trade.app_id,
    seller_id: trade.merchant_id,
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    trade_status: trade.status,
    total_amount: total,
    subject: trade.subject,
    body: trade.body,
    passback_params: trade.passback_params,
    gmt_create: formatBeijing(trade.created_at.getTime()),
    gmt_payment: trade.paid_at ? formatBeijing(trade.paid_at.getTime()) : null,
    gmt_close: trade.closed_at ? formatBeijing(trade.closed_at.getTime()) : null,
    buyer_id: trade.buyer_user_id,
    receipt_amount: trade.paid_at ? formatYuan(trade.total_minor - trade.refunded_minor) : null,
    buyer_pay_amount: trade.paid_at ? total : null,
    invoice_amount: trade.paid_at ? total : null,
    fund_bill_list: trade.paid_at ? JSON.stringify([{ amount: total, fundChannel: 'ALIPAYACCOUNT' }]) : null,
    refund_fee: input.refund ? formatYuan(input.refund.refundFeeMinor) : null,
    out_biz_no: input.refund?.outRequestNo ?? null,
    gmt_refund: input.refund ? `${formatBeijing(input.refund.atMs)}.000` : null,
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields))
    if (value !== null && value !== undefined && value !== '') out[key] = value;
  return out;
}

/** Writes the notification of a status change, in the caller's transaction. No notify_url: none. */
export async function enqueueNotification(
  trx: Transaction<Database>,
  trade: TradeRow,
  input: { nowMs: number; refund?: RefundFacts | undefined },
): Promise<void> {
  if (!trade.notify_url) return;
  const notifyId = `${trade.trade_no.slice(0, 8)}${randomBytes(12).toString('hex')}`;
  await trx
    .insertInto('gateway_notifications')
    .values({
      id: newId('gwn'),
      notify_id: notifyId,
      app_id: trade.app_id,
      trade_no: trade.trade_no,
      url: trade.notify_url,
      fields: JSON.stringify(
        notificationFields(trade, { notifyId, nowMs: input.nowMs, refund: input.refund }),
      ),
      status: 'pending',
      next_attempt_at: new Date(input.nowMs),
      created_at: new Date(input.nowMs),
    })
    .execute();
}

/**
 * The default transport: form POST, no redirects followed (Alipay's rule), bounded time. When
 * `addresses` is given the connection goes to those (already judged) addresses and does not
 * resolve the name again, so a DNS answer that changed since the check cannot redirect it.
 */
export function postForm(
  url: string,
  body: string,
  timeoutMs: number,
  addresses?: readonly string[],
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const pinned = addresses?.[0];
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        },
        timeout: timeoutMs,
        ...(pinned && addresses
          ? {
              lookup: ((_host: string, options: { all?: boolean }, callback: PinnedLookupCallback) => {
                if (options?.all)
                  callback(
                    null,
                    addresses.map((address) => ({ address, family: isIP(address) })),
                  );
                else callback(null, pinned, isIP(pinned));
              }) as unknown as LookupFunction,
            }
          : {}),
      },
      (response) => {
        // Only the first bytes matter ("success"); a huge answer is not read into memory.
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 64) text += chunk;
          else response.destroy();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: text.slice(0, 64) }));
        response.on('close', () => resolve({ status: response.statusCode ?? 0, text: text.slice(0, 64) }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
    );
    request.on('error', reject);
    request.end(body);
  });
}

type PinnedLookupCallback = (
  error: Error | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/** Claims due notifications: rows whose attempt is due and whose claim (if any) has lapsed. */
async function claimDue(ctx: GatewayContext, nowMs: number, onlyId?: string) {
  const now = new Date(nowMs);
  return ctx.db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('gateway_notifications')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(NOTIFY_BATCH_MAX)
      .forUpdate()
      .skipLocked();
    if (onlyId) query = query.where('id', '=', onlyId);
    const ids = (await query.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    return trx
      .updateTable('gateway_notifications')
      .set({ claimed_until: new Date(nowMs + NOTIFY_CLAIM_MS) })
      .where('id', 'in', ids)
      .returning(['id', 'app_id', 'url', 'fields', 'attempts'])
      .execute();
  });
}

/** Delivers every due notification once; returns how many were answered `success`. */
export async function deliverDueNotifications(
  ctx: GatewayContext,
  signingKeyOf: (appId: string) => Promise<string>,
  nowMs: number,
  onlyId?: string,
): Promise<{ delivered: number; failed: number }> {
  const claimed = await claimDue(ctx, nowMs, onlyId);
  const post = ctx.post ?? postForm;
  let delivered = 0;
  let failed = 0;
  await Promise.all(
    claimed.map(async (row) => {
      const fields: Record<string, string> =
        typeof row.fields === 'string' ? JSON.parse(row.fields) : row.fields;
      let outcome: string;
      let ok = false;
      let ourFault = false;
      try {
        // SSRF: judged again at each attempt (DNS may have changed since the order was made).
        const verdict = await judgeCallbackUrl(row.url, {
          allowPrivate: ctx.allowPrivateCallbacks,
          ...(ctx.resolveHost ? { resolve: ctx.resolveHost } : {}),
        });
        if (!verdict.ok) throw Object.assign(new Error(verdict.reason), { name: verdict.reason });
        let key: string;
        try {
          key = await signingKeyOf(row.app_id);
        } catch (error) {
          ourFault = true;
          throw error;
        }
        const sign = signNotification(fields, key);
        const body = new URLSearchParams({ ...fields, sign }).toString();
        const answer = await post(row.url, body, NOTIFY_TIMEOUT_MS, verdict.addresses);
        // The merchant prints "success"; a trailing newline from println is tolerated.
        ok = answer.status === 200 && answer.text.trim() === 'success';
        outcome = ok ? 'success' : `http ${answer.status}: ${answer.text.slice(0, 40)}`;
      } catch (error) {
        outcome = error instanceof Error ? `error: ${error.name}` : 'error';
      }
      if (ourFault) {
        // Nothing left our side: release the claim for a retry in seconds, counting no attempt.
        // If the store is still down this write fails too, and the claim lapses instead.
        await ctx.db
          .updateTable('gateway_notifications')
          .set({
            claimed_until: null,
            last_error: outcome,
            next_attempt_at: new Date(ctx.clock.nowMs() + NOTIFY_LOCAL_RETRY_MS),
          })
          .where('id', '=', row.id)
          .execute()
          .catch(() => undefined);
        failed++;
        return;
      }
      const attempt = row.attempts + 1;
      const doneAtMs = ctx.clock.nowMs();
      const delayMs = NOTIFY_RETRY_DELAYS_MS[attempt - 1];
      const status = ok
        ? 'delivered'
        : attempt >= NOTIFY_ATTEMPTS_MAX || delayMs === undefined
          ? 'failed'
          : 'pending';
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('gateway_notifications')
          .set({
            status,
            attempts: attempt,
            claimed_until: null,
            last_error: ok ? null : outcome,
            next_attempt_at: new Date(doneAtMs + (ok || delayMs === undefined ? 0 : delayMs)),
            ...(ok ? { delivered_at: new Date(doneAtMs) } : {}),
          })
          .where('id', '=', row.id)
          .execute();
        await trx
          .insertInto('gateway_notify_attempts')
          .values({ notification_id: row.id, attempt, at: new Date(doneAtMs), outcome })
          .onConflict((oc) => oc.columns(['notification_id', 'attempt']).doNothing())
          .execute();
      });
      if (ok) delivered++;
      else failed++;
    }),
  );
  return { delivered, failed };
}

/** Manual resend from the merchant page: one more attempt now (history keeps counting). */
export async function resendNotification(
  ctx: GatewayContext,
  input: { appId: string; notificationId: string },
) {
  const updated = await ctx.db
    .updateTable('gateway_notifications')
    .set({ status: 'pending', next_attempt_at: new Date(ctx.clock.nowMs()), claimed_until: null })
    .where('id', '=', input.notificationId)
    .where('app_id', '=', input.appId)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}
