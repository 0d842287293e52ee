/**
 * API error messages in Chinese (issue 9 point 2). The English message of a code is the one its
 * module's table declares (src/<module>/errors.ts); this table gives the zh-CN text for every
 * code, keyed by code. A code in any module's table without a line here fails
 * error-messages.test.ts, so a new code cannot ship in one language only.
 *
 * A zh-CN response always carries this table's text; an English one keeps the thrown message,
 * which sometimes names specifics (which limit was hit). The specifics are also in `details`.
 */
import type { Locale } from '../identity/index.ts';

export const ZH_CN_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  // shared/errors.ts COMMON_ERRORS, and the 500 answer
  validation_failed: '请求内容不正确。',
  malformed_json: '请求内容不是有效的 JSON。',
  body_too_large: '请求内容过大。',
  unsupported_media_type: '请求内容必须是 application/json。',
  not_found: '未找到。',
  unauthenticated: '请先登录。',
  forbidden: '您无权进行此操作。',
  csrf_failed: '请求缺少有效的安全令牌，请刷新页面后重试。',
  step_up_required: '请先验证身份：需要在 5 分钟内重新验证。',
  rate_limited: '请求过于频繁，请稍后再试。',
  unavailable: '服务繁忙，请稍后重试。',
  internal: '系统出了点问题，请稍后再试。',
  // identity/errors.ts
  invalid_credentials: '手机号或密码错误。',
  invalid_phone: '请输入带国家代码的手机号，例如 +8613800138000。',
  weak_password: '密码长度须为 8 到 128 个字符。',
  phone_taken: '此手机号无法注册。',
  common_password: '此密码过于常见，请换一个别人不太可能使用的密码。',
  password_contains_phone: '密码中不能包含您的手机号。',
  invalid_payment_password: '支付密码须为 6 位数字。',
  trivial_payment_password: '支付密码太容易被猜到（重复或连续数字、生日或手机号）。',
  payment_password_same_as_login: '支付密码不能与登录密码相同。',
  invalid_email: '请输入有效的邮箱地址。',
  invalid_code: '验证码错误或已过期。',
  resend_too_soon: '请等待一分钟后再获取验证码。',
  sign_up_expired: '本次注册已过期，请重新开始。',
  login_locked: '密码错误次数过多，密码登录已锁定 15 分钟。',
  payment_locked: '支付密码错误次数过多，支付已锁定 3 小时，验证身份后可提前解锁。',
  wrong_payment_password: '支付密码错误。',
  no_payment_password: '请先设置支付密码。',
  challenge_invalid: '本次登录请求已过期或已使用，请重新登录。',
  method_not_available: '此账户未设置该验证方式。',
  account_frozen: '为保护您的资金安全，账户已冻结。请联系客服或验证身份后解冻。',
  link_invalid: '此链接已过期或已使用。',
  session_not_found: '未找到该登录会话。',
  device_not_found: '未找到该设备。',
  // identity/factor-errors.ts
  invalid_totp_code: '身份验证器验证码错误或已使用，请等待下一个验证码。',
  totp_not_enrolled: '尚未设置身份验证器，请先开始绑定。',
  totp_already_enabled: '已设置身份验证器，请先移除再添加新的。',
  invalid_backup_code: '备用验证码错误或已使用。',
  passkey_challenge_invalid: '此通行密钥请求已过期或已使用，请重新开始。',
  passkey_subject_mismatch: '此通行密钥确认是为其他操作（另一笔支付或用途）生成的。',
  passkey_verification_failed: '无法验证通行密钥的响应。',
  passkey_counter_regressed: '此通行密钥的使用计数比之前小，可能已被复制，已拒绝。',
  passkey_unknown: '此通行密钥未绑定到您的账户（可能已被删除）。',
  passkey_already_registered: '此通行密钥已绑定。',
  passkey_limit_reached: '此账户的通行密钥已达上限，请先删除一个。',
  passkey_not_found: '未找到该通行密钥。',
  no_passkeys: '此账户尚未绑定通行密钥，请先添加。',
  // payments/errors.ts
  cannot_pay_self: '不能向自己付款。',
  payee_not_found: '没有与此收款方匹配的 Rampart 账户或商户。',
  currency_mismatch: '金额的币种与您的钱包或收款方账户的币种不一致。',
  channel_not_available: '此付款方式暂不可用，请使用余额付款。',
  invalid_amount: '金额须为大于零的整数最小单位（分），且不超过 10^15。',
  limit_exceeded: '此笔付款超过了您的支付限额。',
  insufficient_funds: '余额不足。',
  payment_declined: '此笔付款无法完成。如您认为有误，请联系客服。',
  intent_not_found: '未找到该笔付款。',
  intent_expired: '此笔付款未在规定时间内确认，请重新发起。',
  intent_already_confirmed: '此笔付款已完成。',
  client_request_id_reused: '此 clientRequestId 已用于另一笔请求。',
  confirmation_required: '请使用支付密码或通行密钥确认此笔付款。',
  limit_above_platform_max: '限额不能高于平台上限。',
  invalid_limits: '单笔限额不能大于每日限额。',
  warning_not_acknowledged: '请先阅读防诈骗提醒，勾选确认后再付款。',
  // funding/errors.ts
  invalid_card_number: '银行卡号为 12 到 19 位数字。',
  luhn_failed: '银行卡号无效，请检查是否输入有误。',
  card_not_found: '未找到该银行卡。',
  operation_not_found: '未找到该笔充值或提现。',
  card_already_linked: '此银行卡已绑定。',
  cards_too_many: '绑定的银行卡数量已达上限。',
  // qr/errors.ts
  qr_invalid: '这不是有效的 Rampart 收付款码。',
  qr_expired: '此收付款码已过期，请向对方索取新的。',
  qr_amount_mismatch: '此码要求固定金额，请按该金额付款。',
  qr_amount_required: '此码没有固定金额，请输入付款金额。',
  // notify/errors.ts
  preference_locked: '安全提醒（新设备登录、修改密码或手机号、冻结、找回账户）无法关闭。',
  channel_not_offered: '此类消息不通过该渠道发送。',
  message_not_found: '您的消息中心没有这条消息。',
  unsafe_content: '公告只能是纯文本：不接受 HTML 标签、实体和脚本链接。',
  quiz_answers_invalid: '请为每道题选择一个选项。',
  // ledger/errors.ts LEDGER_ERRORS and rejection reasons
  negative_not_allowed: '只有外部资金账户和信用账户可以为负。',
  invalid_currency: '不支持此币种。',
  account_exists: '已存在相同编号的账户。',
  account_not_found: '未找到该账户。',
  transfer_not_found: '未找到该笔转账。',
  invalid_id: '转账编号须为 1 到 64 个字母、数字或 _.:-，且不能以 expire: 开头。',
  invalid_user_data: '附加数据最多 256 个字符。',
  invalid_timeout: '冻结时长须为不超过 30 天的整数毫秒，且仅适用于冻结。',
  legs_empty: '一笔转账至少需要一条分录。',
  legs_too_many: '一笔转账最多 16 条分录。',
  accounts_must_be_different: '同一条分录不能借贷同一个账户。',
  debit_account_not_found: '借方账户不存在。',
  credit_account_not_found: '贷方账户不存在。',
  exceeds_credits: '余额不足。',
  exceeds_credit_limit: '将超出信用额度。',
  overflows_balance: '余额将会溢出。',
  exists_with_different_fields: '已存在相同编号但内容不同的转账。',
  pending_transfer_not_found: '未找到该笔待处理转账。',
  pending_transfer_already_posted: '该笔待处理转账已入账。',
  pending_transfer_already_voided: '该笔待处理转账已撤销。',
  pending_transfer_expired: '该笔待处理转账已过期。',
  pending_transfer_not_expired: '该笔待处理转账尚未过期。',
};

/** The message to send for `code` in `locale`: zh-CN from the table, English as thrown. */
export function localizedErrorMessage(code: string, locale: Locale, english: string): string {
  if (locale === 'zh-CN') return ZH_CN_ERROR_MESSAGES[code] ?? english;
  return english;
}
