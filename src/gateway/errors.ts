/**
 * Two tables. ALIPAY_ERRORS: the open API's own codes (code/msg/sub_code/sub_msg), answered in
 * the signed envelope (v2) or as HTTP errors (v3) — merchants' code branches on these, so they
 * are Alipay's. GATEWAY_ERRORS: DomainErrors of the Rampart-side APIs (operator, merchant
 * console, wallet), mapped to HTTP statuses like every module's.
 */
import { defineErrors } from '../shared/index.ts';

export interface AlipayErrorCode {
  /** 40001 missing, 40002 invalid, 40004 business failed, 40006 no permission, 20000 unknown. */
  readonly code: '20000' | '40001' | '40002' | '40004' | '40006';
  readonly subCode: string;
  readonly subMsg: string;
}

const MSG: Record<AlipayErrorCode['code'], string> = {
  '20000': 'Service Currently Unavailable',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

export function alipayMsgOf(code: AlipayErrorCode['code']): string {
  return MSG[code];
}

function e(code: AlipayErrorCode['code'], subCode: string, subMsg: string): AlipayErrorCode {
  return { code, subCode, subMsg };
}

export const ALIPAY_ERRORS = Object.freeze({
  MISSING_METHOD: e('40001', 'isv.missing-method', '缺少方法名参数'),
  MISSING_APP_ID: e('40001', 'isv.missing-app-id', '缺少AppID参数'),
  MISSING_SIGNATURE: e('40001', 'isv.missing-signature', '缺少签名参数'),
  MISSING_TIMESTAMP: e('40001', 'isv.missing-timestamp', '缺少时间戳参数'),
  INVALID_METHOD: e('40002', 'isv.invalid-method', '不存在的方法名'),
  INVALID_APP_ID: e('40002', 'isv.invalid-app-id', '无效的AppID参数'),
  INVALID_SIGNATURE: e('40002', 'isv.invalid-signature', '验签出错'),
  INVALID_SIGNATURE_TYPE: e('40002', 'isv.invalid-signature-type', '无效的签名类型'),
  INVALID_TIMESTAMP: e('40002', 'isv.invalid-timestamp', '非法的时间戳参数'),
  INVALID_CHARSET: e('40002', 'isv.invalid-charset', '字符集错误'),
  INVALID_PARAMETER_FORMAT: e('40002', 'isv.invalid-parameter', '参数格式错误'),
  IP_NOT_ALLOWED: e('40006', 'isv.invalid-client-ip', '调用方IP不在应用的IP白名单中'),
  APP_DISABLED: e('40006', 'isv.app-disabled', '应用已停用或商户未审核通过'),
  INVALID_PARAMETER: e('40004', 'ACQ.INVALID_PARAMETER', '参数无效'),
  TRADE_NOT_EXIST: e('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在'),
  CONTEXT_INCONSISTENT: e('40004', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'),
  TRADE_HAS_SUCCESS: e('40004', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付'),
  TRADE_HAS_CLOSE: e('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭'),
  TRADE_HAS_FINISHED: e('40004', 'ACQ.TRADE_HAS_FINISHED', '交易已结束'),
  TRADE_STATUS_ERROR: e('40004', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法'),
  REFUND_AMT_NOT_EQUAL_TOTAL: e('40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'),
  REFUND_CONTEXT_INCONSISTENT: e(
    '40004',
    'ACQ.CONTEXT_INCONSISTENT',
    '退款请求号已使用，且退款金额与原请求不一致',
  ),
  SELLER_BALANCE_NOT_ENOUGH: e('40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足'),
  BUYER_BALANCE_NOT_ENOUGH: e('40004', 'ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'),
  PAYMENT_AUTH_CODE_INVALID: e(
    '40004',
    'ACQ.PAYMENT_AUTH_CODE_INVALID',
    '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
  ),
  BUYER_ENABLE_STATUS_FORBID: e('40004', 'ACQ.BUYER_ENABLE_STATUS_FORBID', '买家状态非法'),
  PAYMENT_AMOUNT_LIMIT: e('40004', 'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', '买家付款日限额超限'),
  PAYMENT_FAIL: e('40004', 'ACQ.PAYMENT_FAIL', '支付失败'),
  // Alipay's answer when its risk control refuses a payment; its advice is "更换其它付款方式"
  // (ask the buyer to pay another way), which is what a stopped auto-debit needs.
  PAYMENT_REQUEST_HAS_RISK: e('40004', 'ACQ.PAYMENT_REQUEST_HAS_RISK', '支付有风险'),
  BILL_NOT_EXIST: e('40004', 'isp.bill_not_exist', '账单不存在'),
  // Agreements (alipay.user.agreement.*, and alipay.trade.pay with agreement_params).
  USER_AGREEMENT_NOT_EXIST: e('40004', 'USER_AGREEMENT_NOT_EXIST', '用户协议不存在'),
  AGREEMENT_NO_REUSED: e('40004', 'INVALID_PARAMETER', '商户签约号已用于不同的签约条件'),
  AGREEMENT_NOT_EXIST: e('40004', 'ACQ.AGREEMENT_NOT_EXIST', '用户协议不存在'),
  AGREEMENT_INVALID: e('40004', 'ACQ.AGREEMENT_INVALID', '用户协议失效'),
  AGREEMENT_STATUS_NOT_NORMAL: e('40004', 'ACQ.AGREEMENT_STATUS_NOT_NORMAL', '用户协议状态非NORMAL'),
  CYCLE_PAY_SINGLE_FEE_EXCEED: e(
    '40004',
    'ACQ.CYCLE_PAY_SINGLE_FEE_EXCEED',
    '周期扣款的单笔金额超过签约时限制',
  ),
  CYCLE_PAY_TOTAL_FEE_EXCEED: e(
    '40004',
    'ACQ.CYCLE_PAY_TOTAL_FEE_EXCEED',
    '周期扣款的累计金额超过签约时限制',
  ),
  // notify_url / return_url pointing inside the platform's network (SSRF).
  INVALID_NOTIFY_URL: e('40004', 'ACQ.INVALID_PARAMETER', '参数无效: notify_url 不能指向内网地址'),
  SYSTEM_ERROR: e('20000', 'isp.unknow-error', '系统繁忙'),
});

/** A refusal on the open API: answered in the signed envelope, never a 4xx (v2). */
export class AlipayError extends Error {
  override name = 'AlipayError';
  constructor(
    readonly error: AlipayErrorCode,
    /** Overrides sub_msg to say which parameter (never secrets). */
    readonly detail?: string,
  ) {
    super(detail ?? error.subMsg);
  }
  get subMsg(): string {
    return this.detail ?? this.error.subMsg;
  }
}

export const GATEWAY_ERRORS = defineErrors({
  MERCHANT_NOT_FOUND: { code: 'merchant_not_found', message: 'No such merchant.', status: 404 },
  MERCHANT_EXISTS: { code: 'merchant_exists', message: 'A merchant with this id exists.', status: 409 },
  MERCHANT_NOT_APPROVED: {
    code: 'merchant_not_approved',
    message: 'The merchant is not approved yet.',
    status: 409,
  },
  APP_NOT_FOUND: { code: 'app_not_found', message: 'No such app.', status: 404 },
  INVALID_PUBLIC_KEY: {
    code: 'invalid_public_key',
    message: 'The public key must be an RSA key of at least 2048 bits (PEM or base64).',
    status: 400,
  },
  INVALID_IP_ALLOW_LIST: {
    code: 'invalid_ip_allow_list',
    message: 'Each entry must be an IP address.',
    status: 400,
  },
  TRADE_NOT_FOUND: { code: 'trade_not_found', message: 'No such order.', status: 404 },
  TRADE_NOT_PAYABLE: { code: 'trade_not_payable', message: 'This order can no longer be paid.', status: 409 },
  NOTIFICATION_NOT_FOUND: { code: 'notification_not_found', message: 'No such notification.', status: 404 },
  AGREEMENT_REQUEST_NOT_FOUND: {
    code: 'agreement_request_not_found',
    message: 'This agreement request does not exist, has expired or belongs to someone else.',
    status: 404,
  },
  CONSOLE_SIGN_IN_FAILED: {
    code: 'console_sign_in_failed',
    message: 'The app id or the console token is wrong.',
    status: 401,
  },
  BILL_LINK_INVALID: {
    code: 'bill_link_invalid',
    message: 'The bill link is invalid or expired.',
    status: 410,
  },
});
