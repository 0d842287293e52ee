/**
 * Auto-debit agreements on the open API (issue 6 point 6), as Alipay's 周期扣款 / 商家扣款:
 * - `alipay.user.agreement.page.sign` (the SDK's pageExecute): the browser lands on the wallet's
 *   signing page; the request waits in `gateway_agreement_signs` until a signed-in user claims it,
 *   which creates the agreement in src/agreements (the user then signs with the payment password
 *   there, as for any agreement);
 * - `alipay.user.agreement.query` and `alipay.user.agreement.unsign`;
 * - `alipay.trade.pay` with `agreement_params.agreement_no` and product code `GENERAL_WITHHOLDING`
 *   (or `CYCLE_PAY_AUTH`): a trade paid by an agreement debit within its caps;
 * - `dut_user_sign` / `dut_user_unsign` notifications, written in the agreement change's own
 *   transaction (src/agreements' change port), signed and delivered like trade notifications.
 *
 * The agreements module owns agreements, caps and debits; this file only translates.
 */
import { randomBytes } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import {
  AGREEMENT_MONTHLY_CAP_MAX_MINOR,
  AGREEMENT_REQUEST_TTL_MS,
  type AgreementChange,
  type AgreementChangePort,
  capsValid,
  type MerchantAgreementView,
} from '../agreements/index.ts';
import { DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import { parseBiz, text, yuanField } from './biz.ts';
import {
  AGREEMENT_INVALID_TIME,
  AGREEMENT_PAY_PRODUCT_CODES,
  AGREEMENT_TRADE_GRACE_MS,
  DEFAULT_PERSONAL_PRODUCT_CODE,
  DEFAULT_SIGN_SCENE,
  DUE_BATCH_MAX,
  OUT_TRADE_NO_PATTERN,
} from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError, GATEWAY_ERRORS } from './errors.ts';
import { checkCallbackUrl } from './safe-url.ts';
import { lockTrade, markTradePaid, returnToPayer } from './settle.ts';
import { signedReturnUrl } from './signing.ts';
import { type Call, openTrade, orderSchema, refreshTrade } from './trades.ts';

export const AGREEMENT_SIGN_METHOD = 'alipay.user.agreement.page.sign';

const periodSchema = z.union([z.number().int(), z.string().regex(/^[0-9]{1,3}$/)]).transform(Number);

const signSchema = z.object({
  personal_product_code: z.string().min(1).max(64).optional(),
  product_code: z.string().max(64).optional(),
  sign_scene: z.string().min(1).max(64).optional(),
  external_agreement_no: z.string().regex(OUT_TRADE_NO_PATTERN),
  external_logon_id: z.string().max(100).optional(),
  // The caps: Rampart requires them (an agreement without a ceiling is not offered to a user).
  period_rule_params: z.object({
    period_type: z.enum(['DAY', 'MONTH']),
    period: periodSchema.pipe(z.number().int().min(1).max(366)),
    execute_time: z.string().max(19).optional(),
    single_amount: text(20),
    total_amount: text(20).optional(),
    total_payments: periodSchema.optional(),
  }),
});

/** Caps from Alipay's period rule: one debit of at most single_amount per period, so a month
 *  holds ceil(31 / period) debits for DAY periods and one for MONTH periods; total_amount (if
 *  given) bounds the month too. */
export function capsOfPeriodRule(rule: {
  periodType: 'DAY' | 'MONTH';
  period: number;
  singleMinor: bigint;
  totalMinor: bigint | undefined;
}): { perDebitCapMinor: bigint; monthlyCapMinor: bigint } {
  const debitsPerMonth = rule.periodType === 'MONTH' ? 1 : Math.ceil(31 / rule.period);
  let monthly = rule.singleMinor * BigInt(debitsPerMonth);
  if (rule.totalMinor !== undefined && rule.totalMinor < monthly) monthly = rule.totalMinor;
  if (monthly > AGREEMENT_MONTHLY_CAP_MAX_MINOR) monthly = AGREEMENT_MONTHLY_CAP_MAX_MINOR;
  return { perDebitCapMinor: rule.singleMinor, monthlyCapMinor: monthly };
}

/** page.sign: records the request; the browser is sent to the wallet's signing page with its id. */
export async function openAgreementSign(ctx: GatewayContext, call: Call): Promise<{ signId: string }> {
  const fields = parseBiz(signSchema, call.biz);
  const rule = fields.period_rule_params;
  const caps = capsOfPeriodRule({
    periodType: rule.period_type,
    period: rule.period,
    singleMinor: yuanField('period_rule_params.single_amount', rule.single_amount),
    totalMinor:
      rule.total_amount === undefined
        ? undefined
        : yuanField('period_rule_params.total_amount', rule.total_amount),
  });
  if (!capsValid(caps))
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: period_rule_params.single_amount');
  const notifyUrl = await checkCallbackUrl(ctx, call.params, 'notify_url');
  const returnUrl = await checkCallbackUrl(ctx, call.params, 'return_url');
  const nowMs = ctx.clock.nowMs();
  const values = {
    app_id: call.app.app_id,
    merchant_id: call.app.merchant_id,
    external_agreement_no: fields.external_agreement_no,
    personal_product_code: fields.personal_product_code ?? DEFAULT_PERSONAL_PRODUCT_CODE,
    sign_scene: fields.sign_scene ?? DEFAULT_SIGN_SCENE,
    // What the user reads as the purpose: the merchant's app, which the operator approved.
    purpose: call.app.name,
    per_debit_cap_minor: caps.perDebitCapMinor,
    monthly_cap_minor: caps.monthlyCapMinor,
    notify_url: notifyUrl,
    return_url: returnUrl,
  };
  const inserted = await ctx.db
    .insertInto('gateway_agreement_signs')
    .values({
      id: newId('gws'),
      ...values,
      created_at: new Date(nowMs),
      expires_at: new Date(nowMs + AGREEMENT_REQUEST_TTL_MS),
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'external_agreement_no']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { signId: inserted.id };
  // The same external_agreement_no again: the same request if the terms are the same.
  const existing = await ctx.db
    .selectFrom('gateway_agreement_signs')
    .selectAll()
    .where('merchant_id', '=', call.app.merchant_id)
    .where('external_agreement_no', '=', fields.external_agreement_no)
    .executeTakeFirstOrThrow();
  const same =
    existing.per_debit_cap_minor === values.per_debit_cap_minor &&
    existing.monthly_cap_minor === values.monthly_cap_minor &&
    existing.personal_product_code === values.personal_product_code &&
    existing.sign_scene === values.sign_scene;
  if (!same) throw new AlipayError(ALIPAY_ERRORS.AGREEMENT_NO_REUSED);
  return { signId: existing.id };
}

/**
 * The signed-in user opened the signing page: the request becomes an agreement of this user
 * (pending, in src/agreements), which the user signs there with the payment password. A request
 * claimed by someone else, expired or unknown is the same 404 (no oracle).
 */
export async function claimAgreementSign(
  ctx: GatewayContext,
  input: { signId: string; userId: string },
): Promise<{ agreementId: string }> {
  const nowMs = ctx.clock.nowMs();
  const bound = await ctx.db
    .updateTable('gateway_agreement_signs')
    .set({ user_id: input.userId })
    .where('id', '=', input.signId)
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', input.userId)]))
    .where('expires_at', '>', new Date(nowMs))
    .returningAll()
    .executeTakeFirst();
  if (!bound) throw new DomainError(GATEWAY_ERRORS.AGREEMENT_REQUEST_NOT_FOUND);
  if (bound.agreement_id) return { agreementId: bound.agreement_id };
  const { agreement } = await ctx.agreements.requestAgreement({
    merchantId: bound.merchant_id,
    userId: input.userId,
    purpose: bound.purpose,
    perDebitCapMinor: bound.per_debit_cap_minor,
    monthlyCapMinor: bound.monthly_cap_minor,
    currency: 'CNY',
    externalAgreementNo: bound.external_agreement_no,
  });
  await ctx.db
    .updateTable('gateway_agreement_signs')
    .set({ agreement_id: agreement.id })
    .where('id', '=', bound.id)
    .execute();
  return { agreementId: agreement.id };
}

type SignRow = Selectable<Database['gateway_agreement_signs']>;

/** The agreement's part of a dut_user_sign / dut_user_unsign notification and of the signing
 *  page's return redirect (Alipay's names): the same facts, told twice. */
function agreementOutcomeFields(
  sign: Pick<SignRow, 'external_agreement_no' | 'personal_product_code' | 'sign_scene'>,
  outcome: { agreementId: string; userId: string; kind: 'signed' | 'cancelled'; atMs: number },
): Record<string, string> {
  const at = formatBeijing(outcome.atMs);
  return {
    agreement_no: outcome.agreementId,
    external_agreement_no: sign.external_agreement_no,
    personal_product_code: sign.personal_product_code,
    sign_scene: sign.sign_scene,
    alipay_user_id: outcome.userId,
    status: outcome.kind === 'signed' ? 'NORMAL' : 'UNSIGN',
    ...(outcome.kind === 'signed'
      ? { sign_time: at, valid_time: at, invalid_time: AGREEMENT_INVALID_TIME }
      : { unsign_time: at }),
  };
}

/**
 * After the user signed or declined on the signing page: the merchant's return_url with the
 * outcome and the platform's signature (method `alipay.user.agreement.page.sign.return`, built
 * like the cashier's `alipay.trade.page.pay.return`; merchants verify it with checkNotifySignV2).
 * null when the merchant gave no return_url (the page stays on its own message). Only the user
 * who claimed the request may ask; an undecided request is the same 404 as an unknown one.
 */
export async function agreementSignReturnUrl(
  ctx: GatewayContext,
  input: { signId: string; userId: string },
): Promise<string | null> {
  const sign = await ctx.db
    .selectFrom('gateway_agreement_signs')
    .selectAll()
    .where('id', '=', input.signId)
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (!sign?.agreement_id) throw new DomainError(GATEWAY_ERRORS.AGREEMENT_REQUEST_NOT_FOUND);
  const agreement = await ctx.agreements.getMerchantAgreement({
    merchantId: sign.merchant_id,
    agreementId: sign.agreement_id,
  });
  // Signed (maybe suspended since) or declined: a decision the merchant is told about.
  const decidedAt = agreement.status === 'cancelled' ? agreement.cancelledAt : agreement.signedAt;
  if (agreement.status === 'pending' || agreement.status === 'expired' || decidedAt === null)
    throw new DomainError(GATEWAY_ERRORS.AGREEMENT_REQUEST_NOT_FOUND);
  if (!sign.return_url) return null;
  const fields: Record<string, string> = {
    charset: 'utf-8',
    method: `${AGREEMENT_SIGN_METHOD}.return`,
    app_id: sign.app_id,
    auth_app_id: sign.app_id,
    partner_id: sign.merchant_id,
    version: '1.0',
    sign_type: 'RSA2',
    timestamp: formatBeijing(ctx.clock.nowMs()),
    ...agreementOutcomeFields(sign, {
      agreementId: agreement.id,
      userId: agreement.userId,
      kind: agreement.status === 'cancelled' ? 'cancelled' : 'signed',
      atMs: decidedAt.getTime(),
    }),
  };
  return signedReturnUrl(sign.return_url, fields, await ctx.signingKeyOf(sign.app_id));
}

function notifyIdOf(nowMs: number): string {
  return formatBeijing(nowMs).slice(0, 10).replaceAll('-', '') + randomBytes(12).toString('hex');
}

/** dut_user_sign / dut_user_unsign fields (Alipay's names), for an agreement the open API made. */
async function enqueueAgreementNotification(trx: Transaction<Database>, change: AgreementChange) {
  const sign = await trx
    .selectFrom('gateway_agreement_signs')
    .selectAll()
    .where('agreement_id', '=', change.agreementId)
    .executeTakeFirst();
  if (!sign?.notify_url) return;
  const notifyId = notifyIdOf(change.atMs);
  const fields: Record<string, string> = {
    notify_type: change.kind === 'signed' ? 'dut_user_sign' : 'dut_user_unsign',
    notify_id: notifyId,
    notify_time: formatBeijing(change.atMs),
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    app_id: sign.app_id,
    auth_app_id: sign.app_id,
    partner_id: sign.merchant_id,
    ...agreementOutcomeFields(sign, change),
  };
  await trx
    .insertInto('gateway_notifications')
    .values({
      id: newId('gwn'),
      notify_id: notifyId,
      app_id: sign.app_id,
      trade_no: null,
      agreement_id: change.agreementId,
      url: sign.notify_url,
      fields: JSON.stringify(fields),
      status: 'pending',
      next_attempt_at: new Date(change.atMs),
      created_at: new Date(change.atMs),
    })
    .execute();
}

/** src/agreements' change port: signatures and cancellations of open-API agreements notify the merchant. */
export function agreementChangeNotifier(): AgreementChangePort {
  return { changed: (trx, change) => enqueueAgreementNotification(trx, change) };
}

const refSchema = z.object({
  agreement_no: z.string().min(1).max(64).optional(),
  external_agreement_no: z.string().min(1).max(64).optional(),
  personal_product_code: z.string().max(64).optional(),
  sign_scene: z.string().max(64).optional(),
  alipay_user_id: z.string().max(64).optional(),
});

/** The app's merchant's agreement named by agreement_no (wins) or external_agreement_no. */
async function findAgreement(ctx: GatewayContext, call: Call): Promise<MerchantAgreementView> {
  const ref = parseBiz(refSchema, call.biz);
  if (!ref.agreement_no && !ref.external_agreement_no)
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: agreement_no/external_agreement_no');
  try {
    return await ctx.agreements.getMerchantAgreement({
      merchantId: call.app.merchant_id,
      agreementId: ref.agreement_no,
      externalAgreementNo: ref.agreement_no ? undefined : ref.external_agreement_no,
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'agreement_not_found')
      throw new AlipayError(ALIPAY_ERRORS.USER_AGREEMENT_NOT_EXIST);
    throw error;
  }
}

/** Alipay's agreement states: TEMP (not signed yet), NORMAL, STOP (suspended). An unsigned or
 *  expired agreement no longer exists for Alipay, so the query answers USER_AGREEMENT_NOT_EXIST. */
function alipayStatusOf(status: MerchantAgreementView['status']): 'TEMP' | 'NORMAL' | 'STOP' | undefined {
  switch (status) {
    case 'pending':
      return 'TEMP';
    case 'active':
      return 'NORMAL';
    case 'suspended':
      return 'STOP';
    default:
      return undefined;
  }
}

export async function queryAgreement(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const agreement = await findAgreement(ctx, call);
  const status = alipayStatusOf(agreement.status);
  if (!status) throw new AlipayError(ALIPAY_ERRORS.USER_AGREEMENT_NOT_EXIST);
  const sign = await ctx.db
    .selectFrom('gateway_agreement_signs')
    .select(['personal_product_code', 'sign_scene'])
    .where('agreement_id', '=', agreement.id)
    .executeTakeFirst();
  const out: Record<string, string> = {
    agreement_no: agreement.id,
    external_agreement_no: agreement.externalAgreementNo,
    personal_product_code: sign?.personal_product_code ?? DEFAULT_PERSONAL_PRODUCT_CODE,
    sign_scene: sign?.sign_scene ?? DEFAULT_SIGN_SCENE,
    third_party_type: 'PARTNER',
    status,
    principal_id: agreement.userId,
    single_quota: formatYuan(agreement.perDebitCap.amountMinor),
    sign_time: formatBeijing((agreement.signedAt ?? agreement.createdAt).getTime()),
    invalid_time: AGREEMENT_INVALID_TIME,
  };
  if (agreement.signedAt) out.valid_time = formatBeijing(agreement.signedAt.getTime());
  if (agreement.lastUsedAt) out.last_deduct_time = formatBeijing(agreement.lastUsedAt.getTime());
  return out;
}

/** The merchant ends the agreement; ending an ended one answers success again (idempotent). */
export async function unsignAgreement(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const agreement = await findAgreement(ctx, call);
  await ctx.agreements.cancelByMerchant({ merchantId: call.app.merchant_id, agreementId: agreement.id });
  ctx.committed();
  return {};
}

const agreementPaySchema = orderSchema.extend({
  product_code: z.enum(AGREEMENT_PAY_PRODUCT_CODES),
  agreement_params: z.object({ agreement_no: z.string().min(1).max(64) }),
});

export function isAgreementPay(biz: unknown): boolean {
  return typeof biz === 'object' && biz !== null && Object.hasOwn(biz, 'agreement_params');
}

/** How src/agreements' refusals read on the open API. */
function alipayErrorOfDebit(error: unknown): AlipayError {
  if (error instanceof AlipayError) return error;
  if (!(error instanceof DomainError)) throw error;
  switch (error.code) {
    case 'agreement_not_found':
      return new AlipayError(ALIPAY_ERRORS.AGREEMENT_NOT_EXIST);
    case 'agreement_cancelled':
      return new AlipayError(ALIPAY_ERRORS.AGREEMENT_INVALID);
    case 'agreement_suspended':
    case 'agreement_not_active':
    case 'agreement_request_expired':
      return new AlipayError(ALIPAY_ERRORS.AGREEMENT_STATUS_NOT_NORMAL);
    case 'per_debit_cap_exceeded':
      return new AlipayError(ALIPAY_ERRORS.CYCLE_PAY_SINGLE_FEE_EXCEED);
    case 'monthly_cap_exceeded':
      return new AlipayError(ALIPAY_ERRORS.CYCLE_PAY_TOTAL_FEE_EXCEED);
    case 'insufficient_funds':
      return new AlipayError(ALIPAY_ERRORS.BUYER_BALANCE_NOT_ENOUGH);
    case 'account_frozen':
      return new AlipayError(ALIPAY_ERRORS.BUYER_ENABLE_STATUS_FORBID);
    case 'idempotency_key_reused':
      return new AlipayError(ALIPAY_ERRORS.CONTEXT_INCONSISTENT);
    // The risk engine stopped (challenge, review: nobody there to confirm) or declined the debit.
    // The merchant gets one code for both, never which: the decision and its reasons are ours.
    case 'agreement_debit_stopped':
    case 'payment_declined':
      return new AlipayError(ALIPAY_ERRORS.PAYMENT_REQUEST_HAS_RISK);
    default:
      return new AlipayError(ALIPAY_ERRORS.PAYMENT_FAIL, `支付失败: ${error.code}`);
  }
}

interface DebitFacts {
  readonly id: string;
  readonly transferId: string;
  readonly amountMinor: bigint;
  readonly payerAccountId: string;
  readonly createdAt: Date;
}

/**
 * The trade of an agreement debit is brought up to date, in one transaction (trade locked first,
 * then its agreement row, then accounts): a waiting trade is paid (fee, TRADE_SUCCESS,
 * notification); a trade closed meanwhile gets the money straight back to the payer.
 */
export async function settleAgreementTrade(
  ctx: GatewayContext,
  input: { tradeNo: string; payerId: string; debit: DebitFacts },
): Promise<'settled' | 'duplicate_refunded'> {
  const feesId = await ctx.feesAccountId();
  const nowMs = ctx.clock.nowMs();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const trade = await lockTrade(trx, input.tradeNo);
    if (!trade) throw new AlipayError(ALIPAY_ERRORS.SYSTEM_ERROR);
    const row = await trx
      .selectFrom('gateway_agreement_trades')
      .selectAll()
      .where('trade_no', '=', input.tradeNo)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.state === 'settled' || row.state === 'duplicate_refunded')
      return { state: row.state, changed: false };
    let state: 'settled' | 'duplicate_refunded';
    if (trade.status === 'WAIT_BUYER_PAY') {
      await markTradePaid(ctx, trx, {
        trade,
        payment: {
          payerId: input.payerId,
          payerAccountId: input.debit.payerAccountId,
          amountMinor: input.debit.amountMinor,
          intentId: null,
          paidAt: input.debit.createdAt,
        },
        nowMs,
        feesId,
      });
      state = 'settled';
    } else {
      await returnToPayer(ctx, trx, {
        transferId: `gwdup:${input.debit.transferId}`,
        merchantId: trade.merchant_id,
        payerAccountId: input.debit.payerAccountId,
        amountMinor: input.debit.amountMinor,
      });
      state = 'duplicate_refunded';
    }
    await trx
      .updateTable('gateway_agreement_trades')
      .set({ state, debit_id: input.debit.id })
      .where('trade_no', '=', input.tradeNo)
      .execute();
    return { state, changed: true };
  });
  if (result.changed) ctx.committed();
  return result.state;
}

/** alipay.trade.pay with agreement_params: the trade is paid by a debit of the user's agreement. */
export async function agreementPay(
  ctx: GatewayContext,
  call: Call,
): Promise<{ code: '10000'; fields: Record<string, string> }> {
  const fields = parseBiz(agreementPaySchema, call.biz);
  const totalMinor = yuanField('total_amount', fields.total_amount);
  const agreementId = fields.agreement_params.agreement_no;
  let agreement: MerchantAgreementView;
  try {
    agreement = await ctx.agreements.getMerchantAgreement({ merchantId: call.app.merchant_id, agreementId });
  } catch (error) {
    throw alipayErrorOfDebit(error);
  }
  if (agreement.status === 'cancelled') throw new AlipayError(ALIPAY_ERRORS.AGREEMENT_INVALID);
  if (agreement.status !== 'active') throw new AlipayError(ALIPAY_ERRORS.AGREEMENT_STATUS_NOT_NORMAL);
  const { trade } = await openTrade(ctx, call, { kind: 'pay', order: fields, buyerUserId: agreement.userId });
  const nowMs = ctx.clock.nowMs();
  // The same out_trade_no for another agreement is another payment: refused, never re-pointed.
  const linked = await ctx.db
    .insertInto('gateway_agreement_trades')
    .values({
      trade_no: trade.trade_no,
      agreement_id: agreementId,
      state: 'open',
      created_at: new Date(nowMs),
    })
    .onConflict((oc) =>
      oc
        .column('trade_no')
        .doUpdateSet({ state: 'open' })
        .where('gateway_agreement_trades.state', '=', 'void')
        .where('gateway_agreement_trades.agreement_id', '=', agreementId),
    )
    .returning('agreement_id')
    .executeTakeFirst();
  if (!linked) {
    const existing = await ctx.db
      .selectFrom('gateway_agreement_trades')
      .select('agreement_id')
      .where('trade_no', '=', trade.trade_no)
      .executeTakeFirstOrThrow();
    if (existing.agreement_id !== agreementId) throw new AlipayError(ALIPAY_ERRORS.CONTEXT_INCONSISTENT);
  }
  const current = await refreshTrade(ctx, trade);
  if (current.status !== 'WAIT_BUYER_PAY') throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_CLOSE);
  let debit: Awaited<ReturnType<GatewayContext['agreements']['debit']>>;
  try {
    debit = await ctx.agreements.debit({
      agreementId,
      merchantId: call.app.merchant_id,
      amount: { amountMinor: totalMinor, currency: 'CNY' },
      // One debit per trade, whatever the retries.
      idempotencyKey: trade.trade_no,
      ip: call.clientIp,
    });
  } catch (error) {
    const refusal = alipayErrorOfDebit(error);
    // Refused: nothing to settle; a retry with the same out_trade_no opens the row again.
    await ctx.db
      .updateTable('gateway_agreement_trades')
      .set({ state: 'void' })
      .where('trade_no', '=', trade.trade_no)
      .where('state', '=', 'open')
      .execute();
    throw refusal;
  }
  await settleAgreementTrade(ctx, {
    tradeNo: trade.trade_no,
    payerId: agreement.userId,
    debit: {
      id: debit.debit.id,
      transferId: debit.debit.transferId,
      amountMinor: debit.debit.amount.amountMinor,
      payerAccountId: debit.payerAccountId,
      createdAt: debit.debit.createdAt,
    },
  });
  const paid = await ctx.db
    .selectFrom('gateway_trades')
    .selectAll()
    .where('trade_no', '=', trade.trade_no)
    .executeTakeFirstOrThrow();
  // Paid by this debit, unless the trade closed first (then the money went back).
  if (paid.status !== 'TRADE_SUCCESS') throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_CLOSE);
  const total = formatYuan(paid.total_minor);
  return {
    code: '10000',
    fields: {
      trade_no: paid.trade_no,
      out_trade_no: paid.out_trade_no,
      buyer_user_id: agreement.userId,
      total_amount: total,
      receipt_amount: total,
      buyer_pay_amount: total,
      invoice_amount: total,
      ...(paid.paid_at ? { gmt_payment: formatBeijing(paid.paid_at.getTime()) } : {}),
    },
  };
}

/**
 * runDue: agreement trades left open (a process died between the debit and the settlement)
 * are finished: the debit, found by its idempotency key (the trade_no), pays the trade or goes
 * back; with no debit and a trade no longer waiting, the row is void.
 */
export async function settleOpenAgreementTrades(ctx: GatewayContext, nowMs: number): Promise<number> {
  const open = await ctx.db
    .selectFrom('gateway_agreement_trades as g')
    .innerJoin('gateway_trades as t', 't.trade_no', 'g.trade_no')
    .select(['g.trade_no', 'g.agreement_id', 't.merchant_id', 't.status', 't.buyer_user_id'])
    .where('g.state', '=', 'open')
    .where('g.created_at', '<=', new Date(nowMs - AGREEMENT_TRADE_GRACE_MS))
    .orderBy('g.created_at')
    .limit(DUE_BATCH_MAX)
    .execute();
  let settled = 0;
  for (const row of open) {
    const debit = await ctx.agreements.getMerchantDebit({
      merchantId: row.merchant_id,
      agreementId: row.agreement_id,
      idempotencyKey: row.trade_no,
    });
    if (debit && row.buyer_user_id) {
      await settleAgreementTrade(ctx, {
        tradeNo: row.trade_no,
        payerId: row.buyer_user_id,
        debit: {
          id: debit.id,
          transferId: debit.transferId,
          amountMinor: debit.amount.amountMinor,
          payerAccountId: debit.payerAccountId,
          createdAt: debit.createdAt,
        },
      });
      settled++;
    } else if (row.status !== 'WAIT_BUYER_PAY') {
      await ctx.db
        .updateTable('gateway_agreement_trades')
        .set({ state: 'void' })
        .where('trade_no', '=', row.trade_no)
        .where('state', '=', 'open')
        .execute();
    }
  }
  return settled;
}
