/**
 * Every message Rampart sends, in one place: each template of identity's NOTIFICATION_TEMPLATES
 * in Chinese (zh-CN) and English, as a short text (the SMS after its brand tag, and the in-app
 * body) and as an e-mail (subject + plain-text body).
 *
 * Variables are declared per template (TEMPLATE_VARS). `renderTemplate` is typed by them, so a
 * direct caller that forgets or misspells one does not compile; `renderNotification`, which
 * receives the port's untyped `Record<string, string>`, checks the same thing at run time and
 * refuses unknown, missing or malformed variables with an AssertionError (a bug in the caller,
 * never a user error).
 *
 * Secrets: the only secret a message may carry is the one-time code itself (and the single-use
 * "this wasn't me" link, whose one power is freezing the account). `redactSecrets` masks both, so
 * the outbox keeps them only until the message has gone out (see delivery-worker.ts).
 */
import type { Locale, NotificationTemplate } from '../identity/index.ts';
import { assert, formatMinorAsDecimal, isCurrency } from '../shared/index.ts';

/** Required and optional variable names of each template. */
export const TEMPLATE_VARS = {
  otp_code: { required: ['code', 'purpose', 'minutes'], optional: [] },
  sign_up_existing: { required: [], optional: [] },
  new_sign_in: { required: ['device', 'location', 'time', 'notMeUrl'], optional: [] },
  security_change: { required: ['change', 'time'], optional: ['action'] },
  account_locked: { required: ['until'], optional: [] },
  payment_locked: { required: ['until'], optional: ['repeat'] },
  account_frozen: { required: ['reason', 'time'], optional: [] },
  account_unfrozen: { required: ['time'], optional: [] },
  recovery_update: { required: ['step', 'time'], optional: ['cancelUrl'] },
  claim_update: { required: ['status', 'claim', 'time'], optional: [] },
  payment_sent: { required: ['amountMinor', 'currency', 'counterparty', 'time'], optional: [] },
  payment_received: { required: ['amountMinor', 'currency', 'counterparty', 'time'], optional: [] },
  risk_challenge: { required: ['action', 'time'], optional: [] },
  risk_declined: { required: ['action', 'time'], optional: [] },
  payment_held: { required: ['amountMinor', 'currency', 'until'], optional: [] },
  withdrawal_held: { required: ['amountMinor', 'currency', 'until'], optional: [] },
  payment_hold_resolved: { required: ['amountMinor', 'currency', 'outcome'], optional: [] },
  credit_bill_issued: { required: ['amountMinor', 'currency', 'until'], optional: [] },
  credit_bill_overdue: { required: ['amountMinor', 'currency', 'until'], optional: [] },
  agreement_signed: { required: ['merchant', 'amountMinor', 'currency', 'time'], optional: [] },
  agreement_debited: { required: ['merchant', 'amountMinor', 'currency', 'time'], optional: [] },
  family_card_offered: { required: ['counterparty', 'amountMinor', 'currency', 'time'], optional: [] },
  family_card_used: {
    required: ['counterparty', 'merchant', 'amountMinor', 'currency', 'time'],
    optional: [],
  },
  agreement_debit_stopped: { required: ['merchant', 'amountMinor', 'currency', 'time'], optional: [] },
  family_card_held: {
    required: ['counterparty', 'merchant', 'amountMinor', 'currency', 'until'],
    optional: [],
  },
  family_card_hold_resolved: { required: ['merchant', 'amountMinor', 'currency', 'outcome'], optional: [] },
} as const satisfies Record<
  NotificationTemplate,
  { required: readonly string[]; optional: readonly string[] }
>;

type Spec<T extends NotificationTemplate> = (typeof TEMPLATE_VARS)[T];

/** The variables template `T` takes: a missing or unknown name is a compile error. */
export type TemplateVars<T extends NotificationTemplate> = {
  readonly [K in Spec<T>['required'][number]]: string;
} & {
  readonly [K in Spec<T>['optional'][number]]?: string;
};

export const TEMPLATE_LOCALES = ['zh-CN', 'en'] as const satisfies readonly Locale[];

/** A variable longer than this is cut (device names and locations are partly user-controlled). */
export const TEMPLATE_VAR_CHARS_MAX = 200;
/** The "this wasn't me" URL: base URL + a 43-character token. */
export const TEMPLATE_URL_CHARS_MAX = 2_000;

/** Variables with a fixed shape; anything else is free text, cleaned and cut. */
const VAR_FORMATS: Readonly<Record<string, RegExp>> = {
  code: /^[0-9]{6,8}$/,
  minutes: /^[1-9][0-9]{0,2}$/,
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/,
  until: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/,
  notMeUrl: /^https?:\/\/[^\s]+$/,
  cancelUrl: /^https?:\/\/[^\s]+$/,
  amountMinor: /^(0|[1-9][0-9]{0,17})$/,
  currency: /^[A-Z]{3}$/,
  action: /^[a-z_]{1,40}$/,
  outcome: /^(approved|rejected|expired)$/,
};

export interface RenderedTemplate {
  /** E-mail subject; also the title of an in-app message. Never carries the code. */
  readonly subject: string;
  /** The SMS, brand tag first, e.g. "【Rampart】验证码 123456，5分钟内有效。…". */
  readonly sms: string;
  /** One line without the brand tag: the in-app message body. */
  readonly short: string;
  /** Plain-text e-mail body. */
  readonly emailText: string;
}

export type Channel = 'sms' | 'email' | 'in_app';

/** What the outbox stores for one channel. */
export interface RenderedMessage {
  readonly subject: string;
  readonly body: string;
}

/** Renders a template with typed variables. */
export function renderTemplate<T extends NotificationTemplate>(
  template: T,
  locale: Locale,
  vars: TemplateVars<T>,
): RenderedTemplate {
  return renderChecked(template, locale, vars);
}

/** Renders what the outbox stores for a notification request (the port's untyped variables). */
export function renderNotification(request: {
  readonly template: NotificationTemplate;
  readonly locale: Locale;
  readonly channel: Channel;
  readonly vars: Readonly<Record<string, string>>;
}): RenderedMessage {
  const rendered = renderChecked(request.template, request.locale, request.vars);
  switch (request.channel) {
    case 'sms':
      return { subject: rendered.subject, body: rendered.sms };
    case 'email':
      return { subject: rendered.subject, body: rendered.emailText };
    case 'in_app':
      return { subject: rendered.subject, body: rendered.short };
  }
}

/** Masks the secrets a template's text may carry (the code, the link token). Idempotent. */
export function redactSecrets(template: string, text: string): string {
  if (template === 'otp_code') return text.replace(/(?<![0-9])[0-9]{6,8}(?![0-9])/g, '******');
  if (template === 'new_sign_in' || template === 'recovery_update')
    return text.replace(/(https?:\/\/[^\s?#]+)[?#][^\s]*/g, '$1?…');
  return text;
}

function renderChecked(
  template: NotificationTemplate,
  locale: Locale,
  vars: Readonly<Record<string, string>>,
): RenderedTemplate {
  const spec: { required: readonly string[]; optional: readonly string[] } | undefined =
    TEMPLATE_VARS[template];
  assert(spec !== undefined, `unknown notification template ${String(template)}`);
  assert(locale === 'zh-CN' || locale === 'en', `unknown locale ${String(locale)}`);
  const clean: Record<string, string> = {};
  for (const name of Object.keys(vars)) {
    assert(
      spec.required.includes(name) || spec.optional.includes(name),
      `template ${template} has no variable ${name}`,
    );
  }
  for (const name of spec.required) {
    assert(typeof vars[name] === 'string', `template ${template} needs variable ${name}`);
  }
  for (const [name, value] of Object.entries(vars)) {
    assert(typeof value === 'string', `template ${template}: variable ${name} is not a string`);
    const format = VAR_FORMATS[name];
    assert(format === undefined || format.test(value), `template ${template}: variable ${name} is malformed`);
    clean[name] = cleanValue(value, name === 'notMeUrl' ? TEMPLATE_URL_CHARS_MAX : TEMPLATE_VAR_CHARS_MAX);
  }
  const text = TEXTS[template][locale];
  const rendered = {
    subject: text.subject(clean),
    short: text.short(clean),
    emailText: `${text.email(clean)}\n\n${FOOTER[locale]}`,
  };
  return { ...rendered, sms: `${BRAND_TAG[locale]}${rendered.short}` };
}

/** Control characters (newlines included: no header or line injection) become spaces; long
 *  values are cut. */
function cleanValue(value: string, charsMax: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= charsMax ? flat : `${chars.slice(0, charsMax - 1).join('')}…`;
}

// ---- wording ---------------------------------------------------------------------------------

const BRAND_TAG: Readonly<Record<Locale, string>> = { 'zh-CN': '【Rampart】', en: '[Rampart] ' };

const FOOTER: Readonly<Record<Locale, string>> = {
  'zh-CN': '—— Rampart\n此邮件由系统自动发送，请勿直接回复。Rampart 工作人员不会向您索取验证码或密码。',
  en: '— Rampart\nThis message was sent automatically; replies are not read. Rampart staff will never ask for your codes or passwords.',
};

const SHANGHAI_OFFSET_MS = 8 * 60 * 60_000; // China Standard Time, UTC+8, no daylight saving

/** zh-CN: Beijing time, which the Chinese-speaking user expects; en: UTC, stated. */
function formatTime(locale: Locale, iso: string): string {
  const ms = Date.parse(iso);
  assert(Number.isFinite(ms), 'a time variable is a valid ISO 8601 instant');
  if (locale === 'zh-CN') {
    return `北京时间 ${new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')}`;
  }
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Built once: bigint.toLocaleString builds a new Intl.NumberFormat on every call, which was
 *  2.3 % of the server's CPU in the pay bench (every payment renders a receipt). Immutable. */
const ZH_GROUPING = new Intl.NumberFormat('zh-CN');
const EN_GROUPING = new Intl.NumberFormat('en-US');

/** Minor units as an amount people read: exact (bigint, never a float), grouped per locale with
 *  Intl; "¥1,234.50" in zh-CN, "CNY 1,234.50" in English. Two decimals, as for CNY. */
export function formatAmount(locale: Locale, amountMinor: string, currency: string): string {
  const minor = BigInt(amountMinor);
  const whole = (locale === 'zh-CN' ? ZH_GROUPING : EN_GROUPING).format(minor / 100n);
  const cents = (minor % 100n).toString().padStart(2, '0');
  if (locale === 'zh-CN' && currency === 'CNY') return `¥${whole}.${cents}`;
  return `${currency} ${whole}.${cents}`;
}

type Labels = Readonly<Record<string, Readonly<Record<Locale, string>>>>;

/** Purposes of identity's one-time codes (CODE_PURPOSES). */
const PURPOSES: Labels = {
  sign_up: { 'zh-CN': '注册', en: 'sign-up' },
  sign_in: { 'zh-CN': '登录', en: 'sign-in' },
  step_up: { 'zh-CN': '身份验证', en: 'identity check' },
  change_phone: { 'zh-CN': '更换手机号', en: 'phone number change' },
  change_email: { 'zh-CN': '更换邮箱', en: 'e-mail change' },
  recovery: { 'zh-CN': '找回账户', en: 'account recovery' },
  payment: { 'zh-CN': '支付', en: 'payment' },
};

/** What changed (the `change` variable of security_change), with English number agreement. */
const CHANGES: Readonly<
  Record<string, { readonly zh: string; readonly en: string; readonly plural: boolean }>
> = {
  password: { zh: '登录密码', en: 'login password', plural: false },
  payment_password: { zh: '支付密码', en: 'payment password', plural: false },
  phone: { zh: '绑定手机号', en: 'phone number', plural: false },
  email: { zh: '绑定邮箱', en: 'e-mail address', plural: false },
  totp: { zh: '身份验证器', en: 'authenticator app', plural: false },
  backup_codes: { zh: '备用验证码', en: 'backup codes', plural: true },
  passkey: { zh: '通行密钥', en: 'passkey', plural: false },
  limits: { zh: '支付限额', en: 'payment limits', plural: true },
  security_lock: { zh: '安全锁', en: 'security lock', plural: false },
  payment_lock: { zh: '支付锁定', en: 'payment lock', plural: false },
};

const ACTIONS: Labels = {
  changed: { 'zh-CN': '已修改', en: 'changed' },
  enabled: { 'zh-CN': '已开启', en: 'turned on' },
  disabled: { 'zh-CN': '已关闭', en: 'turned off' },
  generated: { 'zh-CN': '已重新生成', en: 'generated anew' },
  lifted: { 'zh-CN': '已提前解除', en: 'lifted early' },
};

function changeName(locale: Locale, change: string): string {
  const known = CHANGES[change];
  if (!known) return change;
  return locale === 'zh-CN' ? known.zh : known.en;
}

/** "您的登录密码已修改" / "Your login password was changed", for every change and action. */
function changeSentence(locale: Locale, change: string, action: string): string {
  const name = changeName(locale, change);
  const plural = CHANGES[change]?.plural ?? false;
  if (locale === 'zh-CN') {
    if (action === 'used') return `您的一个${name}已被使用`;
    if (action === 'added') return `您的账户已添加新的${name}`;
    if (action === 'removed') return `您的账户已删除一个${name}`;
    return `您的${name}${ACTIONS[action]?.['zh-CN'] ?? '已变更'}`;
  }
  if (action === 'used') return plural ? `One of your ${name} was used` : `Your ${name} was used`;
  if (action === 'added') return plural ? `New ${name} were added` : `A new ${name} was added`;
  if (action === 'removed') return plural ? `Some of your ${name} were removed` : `A ${name} was removed`;
  return `Your ${name} ${plural ? 'were' : 'was'} ${ACTIONS[action]?.en ?? 'changed'}`;
}

const FREEZE_REASONS: Labels = {
  not_me_link: {
    'zh-CN': '您通过提醒中的“不是我本人”链接报告了异常',
    en: 'you reported activity as not yours',
  },
  operator: {
    'zh-CN': '客服根据您的请求或风险核查冻结了账户',
    en: 'our support team froze it after a review',
  },
  risk: { 'zh-CN': '系统检测到异常风险', en: 'our risk checks saw unusual activity' },
  user: { 'zh-CN': '您本人申请冻结', en: 'you asked for it' },
  user_signed_out: { 'zh-CN': '您通过手机验证码申请冻结', en: 'you asked for it with an SMS code' },
  stolen: { 'zh-CN': '您报告账户被盗', en: 'you reported the account stolen' },
};

const RECOVERY_STEPS: Labels = {
  manual_submitted: {
    'zh-CN': '人工找回申请已提交，等待审核',
    en: 'a manual recovery request was submitted and awaits review',
  },
  manual_approved: {
    'zh-CN': '人工找回申请已通过，24 小时后新手机号将绑定到账户；如非本人操作请立即取消',
    en: 'a manual recovery was approved: in 24 hours a new phone number will be bound to the account. Not you? Cancel it now',
  },
  manual_rejected: { 'zh-CN': '人工找回申请未通过', en: 'a manual recovery request was rejected' },
  manual_cancelled: {
    'zh-CN': '人工找回已取消，账户未作更改',
    en: 'the manual recovery was cancelled; nothing changed',
  },
  manual_completed: {
    'zh-CN': '新手机号已绑定，账户已恢复',
    en: 'the new phone number is bound and the account is back',
  },
  login_password_reset: {
    'zh-CN': '登录密码已通过找回流程重置',
    en: 'your login password was reset through recovery',
  },
  payment_password_reset: {
    'zh-CN': '支付密码已通过找回流程重置',
    en: 'your payment password was reset through recovery',
  },
  unfreeze_approved: {
    'zh-CN': '客服已批准解冻，请用手机验证码设置新的登录密码和支付密码',
    en: 'support approved unfreezing: set new login and payment passwords with an SMS code',
  },
};

const CLAIM_STATUSES: Labels = {
  submitted: { 'zh-CN': '已提交，等待审核', en: 'submitted and awaiting review' },
  approved: { 'zh-CN': '已批准，等待第二位审核人确认', en: 'approved, awaiting a second reviewer' },
  paid: { 'zh-CN': '已赔付到您的余额', en: 'paid to your balance' },
  rejected: { 'zh-CN': '未通过', en: 'rejected' },
};

/** A known value's label; an unknown one is shown as is (a new value must not stop a notice). */
function label(labels: Labels, locale: Locale, value: string): string {
  return labels[value]?.[locale] ?? value;
}

/** What the risk engine stopped or challenged (the `action` variable; issue 5). */
const RISK_ACTIONS: Labels = {
  payment: { 'zh-CN': '一笔付款', en: 'a payment' },
  transfer: { 'zh-CN': '一笔转账', en: 'a transfer' },
  withdrawal: { 'zh-CN': '一笔提现', en: 'a withdrawal' },
  sign_in: { 'zh-CN': '一次登录', en: 'a sign-in' },
  security_change: { 'zh-CN': '一项安全设置变更', en: 'a security change' },
  family_card_payment: { 'zh-CN': '一笔亲情卡付款', en: 'a family-card payment' },
};

/** A family-card payment's review outcome: the money is the card owner's and the member reads it
 *  too, so it says "the card owner's balance", never "your balance". */
const FAMILY_HOLD_OUTCOMES: Labels = {
  approved: { 'zh-CN': '已通过审核，款项已付给商户', en: 'was approved and the merchant has been paid' },
  rejected: {
    'zh-CN': '未通过审核，款项已退回赠卡人的余额，商户未收到付款',
    en: "was declined: the money is back in the card owner's balance and the merchant was not paid",
  },
  expired: {
    'zh-CN': '审核超时，款项已退回赠卡人的余额，商户未收到付款',
    en: "was not reviewed in time: the money is back in the card owner's balance and the merchant was not paid",
  },
};

const HOLD_OUTCOMES: Labels = {
  approved: { 'zh-CN': '已通过审核，款项已付出', en: 'was approved and the money has been paid' },
  rejected: {
    'zh-CN': '未通过审核，款项已退回您的余额',
    en: 'was declined and the money is back in your balance',
  },
  expired: {
    'zh-CN': '审核超时，款项已退回您的余额',
    en: 'was not reviewed in time and the money is back in your balance',
  },
};

/** "CNY 1,234.50": the amount of a money variable pair, exactly (bigint minor units). */
function amountText(vars: Readonly<Record<string, string>>): string {
  const currency = vars.currency ?? '';
  const minor = vars.amountMinor ?? '0';
  if (!isCurrency(currency)) return `${currency} ${minor}`;
  const [whole = '0', fraction] = formatMinorAsDecimal(BigInt(minor), currency).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${fraction === undefined ? grouped : `${grouped}.${fraction}`}`;
}

type Vars = Readonly<Record<string, string>>;
interface Text {
  subject(v: Vars): string;
  short(v: Vars): string;
  email(v: Vars): string;
}

// Inside a template every declared variable is present (renderChecked asserted it).
const v = (vars: Vars, name: string): string => vars[name] ?? '';

const amountOf = (locale: Locale, vars: Vars) =>
  formatAmount(locale, v(vars, 'amountMinor'), v(vars, 'currency'));

const minutesEn = (vars: Vars) => (v(vars, 'minutes') === '1' ? '1 minute' : `${v(vars, 'minutes')} minutes`);

const TEXTS: { readonly [T in NotificationTemplate]: Readonly<Record<Locale, Text>> } = {
  otp_code: {
    'zh-CN': {
      subject: (x) => `Rampart ${label(PURPOSES, 'zh-CN', v(x, 'purpose'))}验证码`,
      short: (x) => `验证码 ${v(x, 'code')}，${v(x, 'minutes')}分钟内有效。请勿告诉任何人，包括客服。`,
      email: (x) =>
        `您正在进行“${label(PURPOSES, 'zh-CN', v(x, 'purpose'))}”操作，验证码为：\n\n    ${v(x, 'code')}\n\n` +
        `验证码${v(x, 'minutes')}分钟内有效，仅可使用一次。请勿告诉任何人，包括客服。\n` +
        '如果这不是您本人的操作，请忽略此邮件，并尽快修改登录密码。',
    },
    en: {
      subject: (x) => `Your Rampart ${label(PURPOSES, 'en', v(x, 'purpose'))} code`,
      short: (x) =>
        `Your code is ${v(x, 'code')}, valid for ${minutesEn(x)}. Never share it with anyone, including customer service.`,
      email: (x) =>
        `Your code for ${label(PURPOSES, 'en', v(x, 'purpose'))} is:\n\n    ${v(x, 'code')}\n\n` +
        `It is valid for ${minutesEn(x)} and works once. Never share it with anyone, including customer service.\n` +
        "If you didn't ask for it, ignore this message and change your login password soon.",
    },
  },
  sign_up_existing: {
    'zh-CN': {
      subject: () => '有人尝试用您的手机号或邮箱注册 Rampart',
      short: () => '有人尝试用您的手机号或邮箱注册新账户。您已有账户，可直接登录；如非本人操作，请忽略。',
      email: () =>
        '有人尝试使用您的手机号或邮箱注册新的 Rampart 账户。\n\n' +
        '您已经拥有 Rampart 账户，可以直接登录；忘记密码时可在登录页找回。\n' +
        '如果这不是您本人的操作，请忽略此邮件，您的账户没有任何变化。',
    },
    en: {
      subject: () => 'Someone tried to sign up for Rampart with your details',
      short: () =>
        'Someone tried to sign up with your phone number or e-mail. You already have an account: just sign in. Not you? Ignore this; nothing changed.',
      email: () =>
        'Someone tried to create a new Rampart account with your phone number or e-mail address.\n\n' +
        'You already have a Rampart account, so you can simply sign in (or reset your password from the sign-in page).\n' +
        "If this wasn't you, ignore this message: nothing about your account has changed.",
    },
  },
  new_sign_in: {
    'zh-CN': {
      subject: () => 'Rampart 新设备登录提醒',
      short: (x) =>
        `您的账户于${formatTime('zh-CN', v(x, 'time'))} 在 ${v(x, 'device')}（${v(x, 'location')}）登录。` +
        `如非本人操作，请立即冻结账户：${v(x, 'notMeUrl')}`,
      email: (x) =>
        '您的 Rampart 账户在新的设备或地点登录：\n\n' +
        `    时间：${formatTime('zh-CN', v(x, 'time'))}\n    设备：${v(x, 'device')}\n    地点：${v(x, 'location')}\n\n` +
        '如果是您本人，无需任何操作。\n' +
        `如果不是您本人，请立即打开以下链接冻结账户（将退出所有设备）：\n${v(x, 'notMeUrl')}\n` +
        '然后修改登录密码和支付密码。',
    },
    en: {
      subject: () => 'New sign-in to your Rampart account',
      short: (x) =>
        `New sign-in at ${formatTime('en', v(x, 'time'))} on ${v(x, 'device')} (${v(x, 'location')}). ` +
        `Not you? Freeze your account now: ${v(x, 'notMeUrl')}`,
      email: (x) =>
        'Your Rampart account was signed in from a new device or place:\n\n' +
        `    Time:     ${formatTime('en', v(x, 'time'))}\n    Device:   ${v(x, 'device')}\n    Location: ${v(x, 'location')}\n\n` +
        'If this was you, there is nothing to do.\n' +
        `If it wasn't, open this link now to freeze your account and sign out everywhere:\n${v(x, 'notMeUrl')}\n` +
        'Then change your login and payment passwords.',
    },
  },
  security_change: {
    'zh-CN': {
      subject: (x) => `Rampart 安全提醒：${changeName('zh-CN', v(x, 'change'))}有变更`,
      short: (x) =>
        `${changeSentence('zh-CN', v(x, 'change'), x.action ?? 'changed')}（${formatTime('zh-CN', v(x, 'time'))}）。` +
        '如非本人操作，请立即登录冻结账户。',
      email: (x) =>
        `${changeSentence('zh-CN', v(x, 'change'), x.action ?? 'changed')}。\n\n` +
        `    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如果是您本人的操作，无需理会。\n如果不是您本人，请立即登录 Rampart，在“账户安全”中冻结账户并修改密码。',
    },
    en: {
      subject: (x) => `Rampart security notice: ${changeName('en', v(x, 'change'))} changed`,
      short: (x) =>
        `${changeSentence('en', v(x, 'change'), x.action ?? 'changed')} at ${formatTime('en', v(x, 'time'))}. ` +
        'Not you? Sign in and freeze your account now.',
      email: (x) =>
        `${changeSentence('en', v(x, 'change'), x.action ?? 'changed')} on your Rampart account.\n\n` +
        `    Time: ${formatTime('en', v(x, 'time'))}\n\n` +
        "If this was you, there is nothing to do.\nIf it wasn't, sign in to Rampart now, freeze your account under Security and change your passwords.",
    },
  },
  account_locked: {
    'zh-CN': {
      subject: () => 'Rampart 登录已暂时锁定',
      short: (x) =>
        `您的账户因多次密码错误，登录已锁定至${formatTime('zh-CN', v(x, 'until'))}。如非本人操作，建议解锁后修改登录密码。`,
      email: (x) =>
        '您的 Rampart 账户连续多次输入错误的登录密码，为保护账户安全，登录已暂时锁定。\n\n' +
        `    解锁时间：${formatTime('zh-CN', v(x, 'until'))}\n\n` +
        '如果不是您本人在尝试登录，说明有人可能知道您的手机号，请在解锁后修改登录密码并开启两步验证。',
    },
    en: {
      subject: () => 'Rampart sign-in temporarily locked',
      short: (x) =>
        `Too many wrong passwords: sign-in is locked until ${formatTime('en', v(x, 'until'))}. Not you? Change your password once it unlocks.`,
      email: (x) =>
        'Your Rampart account saw too many wrong login passwords, so signing in is locked for now.\n\n' +
        `    Locked until: ${formatTime('en', v(x, 'until'))}\n\n` +
        "If that wasn't you, someone may know your phone number: change your login password after the lock ends and turn on two-step verification.",
    },
  },
  payment_locked: {
    'zh-CN': {
      subject: () => 'Rampart 支付已暂时锁定',
      short: (x) =>
        `支付密码错误次数过多，支付功能已锁定至${formatTime('zh-CN', v(x, 'until'))}。如非本人操作，请立即修改支付密码。`,
      email: (x) =>
        '您的 Rampart 账户支付密码连续输入错误，为保护资金安全，支付功能已暂时锁定。\n\n' +
        `    解锁时间：${formatTime('zh-CN', v(x, 'until'))}` +
        (x.repeat === 'true'
          ? '（24 小时内第二次锁定，不能提前解锁）\n\n'
          : '（用登录密码加一种验证方式验证身份后可提前解锁）\n\n') +
        '如果不是您本人在尝试支付，请立即登录修改支付密码，必要时冻结账户。',
    },
    en: {
      subject: () => 'Rampart payments temporarily locked',
      short: (x) =>
        `Too many wrong payment passwords: payments are locked until ${formatTime('en', v(x, 'until'))}. Not you? Change your payment password now.`,
      email: (x) =>
        'Your Rampart payment password was entered wrongly too many times, so payments are locked for now.\n\n' +
        `    Locked until: ${formatTime('en', v(x, 'until'))}` +
        (x.repeat === 'true'
          ? ' (a second lock within 24 hours: it cannot be lifted early)\n\n'
          : ' (or sooner, once you verify your identity with your login password and a second factor)\n\n') +
        "If that wasn't you, sign in now, change your payment password and, if needed, freeze your account.",
    },
  },
  account_frozen: {
    'zh-CN': {
      subject: () => 'Rampart 账户已冻结',
      short: (x) =>
        `您的账户已于${formatTime('zh-CN', v(x, 'time'))} 冻结，所有设备已退出。原因：${label(FREEZE_REASONS, 'zh-CN', v(x, 'reason'))}。`,
      email: (x) =>
        '您的 Rampart 账户已冻结，所有设备均已退出登录，冻结期间无法付款或转账。\n\n' +
        `    时间：${formatTime('zh-CN', v(x, 'time'))}\n    原因：${label(FREEZE_REASONS, 'zh-CN', v(x, 'reason'))}\n\n` +
        '解冻需要验证身份。请勿向任何人提供验证码或密码。',
    },
    en: {
      subject: () => 'Your Rampart account is frozen',
      short: (x) =>
        `Your account was frozen at ${formatTime('en', v(x, 'time'))} and signed out everywhere. Reason: ${label(FREEZE_REASONS, 'en', v(x, 'reason'))}.`,
      email: (x) =>
        'Your Rampart account is frozen: every device was signed out, and no payment or transfer can be made.\n\n' +
        `    Time:   ${formatTime('en', v(x, 'time'))}\n    Reason: ${label(FREEZE_REASONS, 'en', v(x, 'reason'))}\n\n` +
        'Unfreezing requires verifying your identity. Never give anyone your codes or passwords.',
    },
  },
  account_unfrozen: {
    'zh-CN': {
      subject: () => 'Rampart 账户已解冻',
      short: (x) => `您的账户已于${formatTime('zh-CN', v(x, 'time'))} 解冻。如非本人操作，请立即联系客服。`,
      email: (x) =>
        `您的 Rampart 账户已于${formatTime('zh-CN', v(x, 'time'))} 解冻，登录密码和支付密码均已更换。\n\n如果不是您本人操作，请立即联系客服。`,
    },
    en: {
      subject: () => 'Your Rampart account is unfrozen',
      short: (x) =>
        `Your account was unfrozen at ${formatTime('en', v(x, 'time'))}. Not you? Contact support now.`,
      email: (x) =>
        `Your Rampart account was unfrozen at ${formatTime('en', v(x, 'time'))}; new login and payment passwords are required.\n\nIf that wasn't you, contact support at once.`,
    },
  },
  recovery_update: {
    'zh-CN': {
      subject: () => 'Rampart 账户找回通知',
      short: (x) =>
        `账户找回：${label(RECOVERY_STEPS, 'zh-CN', v(x, 'step'))}（${formatTime('zh-CN', v(x, 'time'))}）。${x.cancelUrl ? `取消：${x.cancelUrl}` : ''}`,
      email: (x) =>
        `账户找回：${label(RECOVERY_STEPS, 'zh-CN', v(x, 'step'))}\n\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n` +
        (x.cancelUrl ? `\n如非本人操作，点击取消：${x.cancelUrl}\n` : ''),
    },
    en: {
      subject: () => 'Rampart account recovery',
      short: (x) =>
        `Account recovery: ${label(RECOVERY_STEPS, 'en', v(x, 'step'))} (${formatTime('en', v(x, 'time'))}).${x.cancelUrl ? ` Cancel: ${x.cancelUrl}` : ''}`,
      email: (x) =>
        `Account recovery: ${label(RECOVERY_STEPS, 'en', v(x, 'step'))}\n\n    Time: ${formatTime('en', v(x, 'time'))}\n` +
        (x.cancelUrl ? `\nNot you? Cancel with one click: ${x.cancelUrl}\n` : ''),
    },
  },
  claim_update: {
    'zh-CN': {
      subject: () => 'Rampart 账户安全险理赔进度',
      short: (x) =>
        `理赔 ${v(x, 'claim')}：${label(CLAIM_STATUSES, 'zh-CN', v(x, 'status'))}（${formatTime('zh-CN', v(x, 'time'))}）。`,
      email: (x) =>
        `您的理赔申请 ${v(x, 'claim')} 状态：${label(CLAIM_STATUSES, 'zh-CN', v(x, 'status'))}\n\n    时间：${formatTime('zh-CN', v(x, 'time'))}`,
    },
    en: {
      subject: () => 'Your Rampart loss claim',
      short: (x) =>
        `Claim ${v(x, 'claim')}: ${label(CLAIM_STATUSES, 'en', v(x, 'status'))} (${formatTime('en', v(x, 'time'))}).`,
      email: (x) =>
        `Your loss claim ${v(x, 'claim')} is ${label(CLAIM_STATUSES, 'en', v(x, 'status'))}.\n\n    Time: ${formatTime('en', v(x, 'time'))}`,
    },
  },
  payment_sent: {
    'zh-CN': {
      subject: (x) => `付款成功：${amountOf('zh-CN', x)}`,
      short: (x) =>
        `您于${formatTime('zh-CN', v(x, 'time'))} 向 ${v(x, 'counterparty')} 付款 ${amountOf('zh-CN', x)}。如非本人操作，请立即冻结账户。`,
      email: (x) =>
        '您的 Rampart 账户完成了一笔付款：\n\n' +
        `    金额：${amountOf('zh-CN', x)}\n    收款方：${v(x, 'counterparty')}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如果不是您本人的操作，请立即登录冻结账户并修改支付密码。',
    },
    en: {
      subject: (x) => `Payment sent: ${amountOf('en', x)}`,
      short: (x) =>
        `You paid ${amountOf('en', x)} to ${v(x, 'counterparty')} at ${formatTime('en', v(x, 'time'))}. Not you? Freeze your account now.`,
      email: (x) =>
        'A payment was made from your Rampart account:\n\n' +
        `    Amount: ${amountOf('en', x)}\n    To:     ${v(x, 'counterparty')}\n    Time:   ${formatTime('en', v(x, 'time'))}\n\n` +
        "If it wasn't you, sign in now, freeze your account and change your payment password.",
    },
  },
  payment_received: {
    'zh-CN': {
      subject: (x) => `收款到账：${amountOf('zh-CN', x)}`,
      short: (x) =>
        `${v(x, 'counterparty')} 于${formatTime('zh-CN', v(x, 'time'))} 向您转账 ${amountOf('zh-CN', x)}，已到账。` +
        '如有人以“转错账”为由要求您退款，请通过 Rampart 原路退回，切勿转到对方提供的其他账户。',
      email: (x) =>
        '您的 Rampart 账户收到一笔转账：\n\n' +
        `    金额：${amountOf('zh-CN', x)}\n    付款方：${v(x, 'counterparty')}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如有人以“转错账”为由要求您退款，请通过 Rampart 原路退回，切勿转到对方提供的其他账户。',
    },
    en: {
      subject: (x) => `Money received: ${amountOf('en', x)}`,
      short: (x) =>
        `${v(x, 'counterparty')} sent you ${amountOf('en', x)} at ${formatTime('en', v(x, 'time'))}. ` +
        'If someone says it was a mistake and asks for it back, refund it through Rampart, never to another account they name.',
      email: (x) =>
        'Your Rampart account received a transfer:\n\n' +
        `    Amount: ${amountOf('en', x)}\n    From:   ${v(x, 'counterparty')}\n    Time:   ${formatTime('en', v(x, 'time'))}\n\n` +
        'If someone says it was a mistake and asks for it back, refund it through Rampart, never to another account they name.',
    },
  },
  risk_challenge: {
    'zh-CN': {
      subject: () => 'Rampart 安全验证提醒',
      short: (x) =>
        `${formatTime('zh-CN', v(x, 'time'))} 您的账户发起的${label(RISK_ACTIONS, 'zh-CN', v(x, 'action'))}需要额外验证：请输入支付密码并完成短信验证码或通行密钥验证。如非本人操作，请勿验证，并立即修改密码、冻结账户。`,
      email: (x) =>
        `您的账户发起的${label(RISK_ACTIONS, 'zh-CN', v(x, 'action'))}触发了安全验证。\n\n` +
        `    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如果是您本人：请按页面提示输入支付密码，并完成短信验证码或通行密钥验证。\n' +
        '如果不是您本人：请勿完成验证，立即登录修改登录密码和支付密码，并在“账户安全”中冻结账户。',
    },
    en: {
      subject: () => 'Rampart: please confirm it is you',
      short: (x) =>
        `${label(RISK_ACTIONS, 'en', v(x, 'action'))} from your account at ${formatTime('en', v(x, 'time'))} needs an extra check: your payment password plus an SMS code or passkey. Not you? Don't confirm; change your passwords and freeze your account.`,
      email: (x) =>
        `${label(RISK_ACTIONS, 'en', v(x, 'action'))} from your Rampart account needs an extra check.\n\n` +
        `    Time: ${formatTime('en', v(x, 'time'))}\n\n` +
        'If it was you: enter your payment password and then an SMS code or your passkey, as the page asks.\n' +
        "If it wasn't: do not confirm. Sign in, change your login and payment passwords and freeze your account under Security.",
    },
  },
  risk_declined: {
    'zh-CN': {
      subject: () => 'Rampart 已拦截一项操作',
      short: (x) =>
        `${formatTime('zh-CN', v(x, 'time'))} 您账户的${label(RISK_ACTIONS, 'zh-CN', v(x, 'action'))}因存在风险已被拦截，资金未发生变动。如非本人操作，请立即修改密码；如是本人，请联系客服。`,
      email: (x) =>
        `为保护您的资金安全，您账户的${label(RISK_ACTIONS, 'zh-CN', v(x, 'action'))}已被风险控制拦截，资金没有发生变动。\n\n` +
        `    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如果是您本人的操作，请联系客服核实后再试。\n如果不是您本人，请立即修改登录密码和支付密码，并冻结账户。',
    },
    en: {
      subject: () => 'Rampart stopped an action on your account',
      short: (x) =>
        `${label(RISK_ACTIONS, 'en', v(x, 'action'))} at ${formatTime('en', v(x, 'time'))} was stopped by our risk checks; no money moved. Not you? Change your passwords now. You? Contact support.`,
      email: (x) =>
        `To protect your money, ${label(RISK_ACTIONS, 'en', v(x, 'action'))} on your Rampart account was stopped by our risk checks. No money moved.\n\n` +
        `    Time: ${formatTime('en', v(x, 'time'))}\n\n` +
        'If it was you, contact customer support to verify it and try again.\n' +
        "If it wasn't, change your login and payment passwords now and freeze your account.",
    },
  },
  payment_held: {
    'zh-CN': {
      subject: () => 'Rampart 付款安全审核中',
      short: (x) =>
        `您的付款 ${amountText(x)} 正在安全审核，资金已暂时冻结，最晚于${formatTime('zh-CN', v(x, 'until'))}前处理完毕。凡自称客服、公检法要求转账的都是诈骗，如遇此情况请在“举报”页面报告。`,
      email: (x) =>
        `您的一笔付款（${amountText(x)}）需要人工安全审核，资金已暂时冻结在您的账户中，尚未付给收款方。\n\n` +
        `    最晚处理时间：${formatTime('zh-CN', v(x, 'until'))}（超时未处理将自动退回余额）\n\n` +
        '审核结果会另行通知您。任何自称客服、公检法、“安全账户”要求您转账的都是诈骗；如遇此情况，请在 Rampart 的“举报”页面报告，我们会拒绝这笔付款。',
    },
    en: {
      subject: () => 'Your Rampart payment is held for a security review',
      short: (x) =>
        `Your payment of ${amountText(x)} is held for a security review until ${formatTime('en', v(x, 'until'))} at the latest. Anyone claiming to be support or police who asks you to pay is a scammer: report it on the Report page.`,
      email: (x) =>
        `Your payment of ${amountText(x)} needs a security review. The money is held in your account and has not reached the payee.\n\n` +
        `    Decided by: ${formatTime('en', v(x, 'until'))} (if not reviewed by then, it returns to your balance)\n\n` +
        'We will tell you the result. Anyone claiming to be customer support, the police or a "safe account" who asks you to move money is a scammer; if that happened, report it on the Report page and we will decline the payment.',
    },
  },
  // A withdrawal held by risk review: the money stays in the account (held), the bank card has not
  // received it; the review deadline voids it back to the balance (docs/risk.md, "Held withdrawals").
  // No result notice follows yet, so none is promised; a takeover's victim is told what to do now.
  withdrawal_held: {
    'zh-CN': {
      subject: () => 'Rampart 提现安全审核中',
      short: (x) =>
        `您的提现 ${amountText(x)} 正在安全审核，资金已暂时冻结、尚未转到银行卡，最晚于${formatTime('zh-CN', v(x, 'until'))}前处理完毕。如非本人操作，请立即修改密码并联系客服。`,
      email: (x) =>
        `您的一笔提现（${amountText(x)}）需要人工安全审核，资金已暂时冻结在您的账户中，尚未转到您的银行卡。\n\n` +
        `    最晚处理时间：${formatTime('zh-CN', v(x, 'until'))}（超时未处理将自动退回余额）\n\n` +
        '如果这笔提现不是您本人操作，请立即修改登录密码和支付密码，并联系客服拒绝这笔提现。任何自称客服、公检法要求您把钱转出的都是诈骗。',
    },
    en: {
      subject: () => 'Your Rampart withdrawal is held for a security review',
      short: (x) =>
        `Your withdrawal of ${amountText(x)} is held for a security review and has not gone to your bank card; decided by ${formatTime('en', v(x, 'until'))} at the latest. Not you? Change your passwords and contact support now.`,
      email: (x) =>
        `Your withdrawal of ${amountText(x)} needs a security review. The money is held in your account and has not been sent to your bank card.\n\n` +
        `    Decided by: ${formatTime('en', v(x, 'until'))} (if not reviewed by then, it returns to your balance)\n\n` +
        'If you did not ask for this withdrawal, change your login and payment passwords now and contact customer support so we decline it. Anyone claiming to be customer support or the police who asks you to move money out is a scammer.',
    },
  },
  payment_hold_resolved: {
    'zh-CN': {
      subject: () => 'Rampart 付款审核结果',
      short: (x) => `您的付款 ${amountText(x)} ${label(HOLD_OUTCOMES, 'zh-CN', v(x, 'outcome'))}。`,
      email: (x) =>
        `您的付款（${amountText(x)}）${label(HOLD_OUTCOMES, 'zh-CN', v(x, 'outcome'))}。\n\n` +
        '如有疑问，请联系客服。如果有人要求您重新付款，请先核实对方身份。',
    },
    en: {
      subject: () => 'Your held Rampart payment was reviewed',
      short: (x) => `Your payment of ${amountText(x)} ${label(HOLD_OUTCOMES, 'en', v(x, 'outcome'))}.`,
      email: (x) =>
        `Your payment of ${amountText(x)} ${label(HOLD_OUTCOMES, 'en', v(x, 'outcome'))}.\n\n` +
        'Questions? Contact customer support. If someone asks you to pay again, verify who they are first.',
    },
  },
  credit_bill_issued: {
    'zh-CN': {
      subject: () => 'Rampart 信用账单已出',
      short: (x) =>
        `您本期信用账单 ${amountText(x)}，请于${formatTime('zh-CN', v(x, 'until'))}前还款，逾期将暂停信用支付。`,
      email: (x) =>
        `您的 Rampart 信用账单已出：\n\n    应还金额：${amountText(x)}\n    还款截止：${formatTime('zh-CN', v(x, 'until'))}\n\n` +
        '可在“信用”页面用余额还款。逾期未还将暂停信用支付。Rampart 不会通过电话或短信链接要求您向个人账户还款。',
    },
    en: {
      subject: () => 'Your Rampart credit bill is ready',
      short: (x) =>
        `Your credit bill is ${amountText(x)}, due by ${formatTime('en', v(x, 'until'))}. Credit spending pauses if it is late.`,
      email: (x) =>
        `Your Rampart credit bill is ready:\n\n    Amount due: ${amountText(x)}\n    Due by:     ${formatTime('en', v(x, 'until'))}\n\n` +
        'Repay from your balance on the Credit page. If it is late, credit spending pauses. Rampart never asks you to repay to a personal account by phone or by a link in a message.',
    },
  },
  credit_bill_overdue: {
    'zh-CN': {
      subject: () => 'Rampart 信用账单已逾期',
      short: (x) =>
        `您的信用账单已于${formatTime('zh-CN', v(x, 'until'))}逾期，尚欠 ${amountText(x)}，信用支付已暂停。还清后即可恢复。`,
      email: (x) =>
        `您的 Rampart 信用账单已逾期：\n\n    尚欠金额：${amountText(x)}\n    到期时间：${formatTime('zh-CN', v(x, 'until'))}\n\n` +
        '在还清之前，信用支付已暂停；余额支付不受影响。请在“信用”页面还款。',
    },
    en: {
      subject: () => 'Your Rampart credit bill is overdue',
      short: (x) =>
        `Your credit bill fell due at ${formatTime('en', v(x, 'until'))}; ${amountText(x)} is unpaid and credit spending is paused until it is repaid.`,
      email: (x) =>
        `Your Rampart credit bill is overdue:\n\n    Unpaid: ${amountText(x)}\n    Was due: ${formatTime('en', v(x, 'until'))}\n\n` +
        'Credit spending is paused until it is repaid; paying from your balance still works. Repay on the Credit page.',
    },
  },
  agreement_signed: {
    'zh-CN': {
      subject: (x) => `自动扣款协议已签约：${v(x, 'merchant')}`,
      short: (x) =>
        `您于${formatTime('zh-CN', v(x, 'time'))} 与 ${v(x, 'merchant')} 签订了自动扣款协议，每月最多扣款 ${amountOf('zh-CN', x)}。如非本人操作，请立即在安全中心解约并冻结账户。`,
      email: (x) =>
        '您的 Rampart 账户签订了一项自动扣款协议：\n\n' +
        `    商户：${v(x, 'merchant')}\n    每月上限：${amountOf('zh-CN', x)}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '您可随时在安全中心一键解约；解约后该商户再也无法扣款。如非本人操作，请立即解约并冻结账户。',
    },
    en: {
      subject: (x) => `Auto-debit agreement signed: ${v(x, 'merchant')}`,
      short: (x) =>
        `You signed an auto-debit agreement with ${v(x, 'merchant')} at ${formatTime('en', v(x, 'time'))}, up to ${amountOf('en', x)} a month. Not you? Cancel it in the Security Center and freeze your account.`,
      email: (x) =>
        'An auto-debit agreement was signed on your Rampart account:\n\n' +
        `    Merchant:    ${v(x, 'merchant')}\n    Monthly cap: ${amountOf('en', x)}\n    Time:        ${formatTime('en', v(x, 'time'))}\n\n` +
        'You can cancel it in one step in the Security Center; after that the merchant can never take money again. If it was not you, cancel it and freeze your account now.',
    },
  },
  agreement_debited: {
    'zh-CN': {
      subject: (x) => `自动扣款：${amountOf('zh-CN', x)}`,
      short: (x) =>
        `${v(x, 'merchant')} 于${formatTime('zh-CN', v(x, 'time'))} 按自动扣款协议从您的余额扣款 ${amountOf('zh-CN', x)}。`,
      email: (x) =>
        '您的 Rampart 账户按自动扣款协议完成了一笔扣款：\n\n' +
        `    金额：${amountOf('zh-CN', x)}\n    商户：${v(x, 'merchant')}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如不再需要该协议，可在安全中心一键解约。',
    },
    en: {
      subject: (x) => `Auto-debit: ${amountOf('en', x)}`,
      short: (x) =>
        `${v(x, 'merchant')} took ${amountOf('en', x)} from your balance under your auto-debit agreement at ${formatTime('en', v(x, 'time'))}.`,
      email: (x) =>
        'A payment was taken from your Rampart account under an auto-debit agreement:\n\n' +
        `    Amount:   ${amountOf('en', x)}\n    Merchant: ${v(x, 'merchant')}\n    Time:     ${formatTime('en', v(x, 'time'))}\n\n` +
        'If you no longer want this agreement, cancel it in one step in the Security Center.',
    },
  },
  family_card_offered: {
    'zh-CN': {
      subject: () => '您收到一张亲情卡',
      short: (x) =>
        `${v(x, 'counterparty')} 于${formatTime('zh-CN', v(x, 'time'))} 为您开通了亲情卡，每月最多可用 ${amountOf('zh-CN', x)}。请在 Rampart 中确认接受。`,
      email: (x) =>
        '有人为您开通了 Rampart 亲情卡：\n\n' +
        `    赠送人：${v(x, 'counterparty')}\n    每月额度：${amountOf('zh-CN', x)}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '请登录 Rampart 接受或忽略。',
    },
    en: {
      subject: () => 'You were offered a family card',
      short: (x) =>
        `${v(x, 'counterparty')} offered you a family card at ${formatTime('en', v(x, 'time'))}, up to ${amountOf('en', x)} a month. Accept it in Rampart.`,
      email: (x) =>
        'Someone offered you a Rampart family card:\n\n' +
        `    From:        ${v(x, 'counterparty')}\n    Monthly cap: ${amountOf('en', x)}\n    Time:        ${formatTime('en', v(x, 'time'))}\n\n` +
        'Sign in to Rampart to accept or ignore it.',
    },
  },
  family_card_used: {
    'zh-CN': {
      subject: (x) => `亲情卡消费：${amountOf('zh-CN', x)}`,
      short: (x) =>
        `${v(x, 'counterparty')} 于${formatTime('zh-CN', v(x, 'time'))} 用您的亲情卡在 ${v(x, 'merchant')} 消费 ${amountOf('zh-CN', x)}，已从您的余额扣款。`,
      email: (x) =>
        '您赠送的亲情卡有一笔消费：\n\n' +
        `    金额：${amountOf('zh-CN', x)}\n    使用人：${v(x, 'counterparty')}\n    商户：${v(x, 'merchant')}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如有疑问，可在安全中心一键取消亲情卡。',
    },
    en: {
      subject: (x) => `Family card used: ${amountOf('en', x)}`,
      short: (x) =>
        `${v(x, 'counterparty')} paid ${amountOf('en', x)} at ${v(x, 'merchant')} with your family card at ${formatTime('en', v(x, 'time'))}; it came from your balance.`,
      email: (x) =>
        'The family card you gave was used:\n\n' +
        `    Amount:   ${amountOf('en', x)}\n    By:       ${v(x, 'counterparty')}\n    Merchant: ${v(x, 'merchant')}\n    Time:     ${formatTime('en', v(x, 'time'))}\n\n` +
        'If anything looks wrong, cancel the card in one step in the Security Center.',
    },
  },
  // A merchant's auto-debit the risk engine stopped (it would have needed the user, who is not
  // there to confirm it): nothing was taken; what to do is pay the merchant directly, or look at
  // the agreement and cancel it if it is not the user's (docs/agreements.md, "Risk decisions").
  agreement_debit_stopped: {
    'zh-CN': {
      subject: (x) => `自动扣款已拦截：${v(x, 'merchant')}`,
      short: (x) =>
        `${v(x, 'merchant')} 于${formatTime('zh-CN', v(x, 'time'))} 发起的自动扣款 ${amountOf('zh-CN', x)} 因存在风险已被拦截，未从您的余额扣款。如需继续使用该服务，请直接向商户付款；如不认识该扣款，请在安全中心查看或解约该协议。`,
      email: (x) =>
        '为保护您的资金安全，一笔按自动扣款协议发起的扣款已被风险控制拦截，您的余额没有被扣款：\n\n' +
        `    商户：${v(x, 'merchant')}\n    金额：${amountOf('zh-CN', x)}\n    时间：${formatTime('zh-CN', v(x, 'time'))}\n\n` +
        '如果这笔扣款是您认可的，请直接向该商户付款（例如在商户的应用中重新支付）；自动扣款协议本身仍然有效。\n' +
        '如果您不认识这笔扣款或不再需要该服务，请在安全中心查看该协议并一键解约；解约后该商户再也无法扣款。',
    },
    en: {
      subject: (x) => `Auto-debit stopped: ${v(x, 'merchant')}`,
      short: (x) =>
        `An auto-debit of ${amountOf('en', x)} by ${v(x, 'merchant')} at ${formatTime('en', v(x, 'time'))} was stopped by our risk checks; nothing was taken. To keep the service, pay the merchant directly. Don't recognise it? Check or cancel the agreement in the Security Center.`,
      email: (x) =>
        'To protect your money, a payment a merchant tried to take under your auto-debit agreement was stopped by our risk checks. Nothing was taken from your balance:\n\n' +
        `    Merchant: ${v(x, 'merchant')}\n    Amount:   ${amountOf('en', x)}\n    Time:     ${formatTime('en', v(x, 'time'))}\n\n` +
        "If you expected this payment, pay the merchant directly (for example in the merchant's app); the agreement itself stays in place.\n" +
        "If you don't recognise it or no longer want the service, check the agreement in the Security Center and cancel it in one step; after that the merchant can never take money again.",
    },
  },
  // A family-card payment held by risk review: the owner's money is held, the merchant is not
  // paid yet. Owner and member both receive it, so it calls neither of them "you".
  family_card_held: {
    'zh-CN': {
      subject: () => 'Rampart 亲情卡付款安全审核中',
      short: (x) =>
        `${v(x, 'counterparty')} 用亲情卡在 ${v(x, 'merchant')} 付款 ${amountOf('zh-CN', x)} 正在安全审核，款项暂时冻结在赠卡人的余额中、尚未付给商户，最晚于${formatTime('zh-CN', v(x, 'until'))}前处理完毕。如不认识这笔付款，请在安全中心取消亲情卡并联系客服。`,
      email: (x) =>
        '一笔亲情卡付款需要人工安全审核，款项暂时冻结在赠卡人的余额中，尚未付给商户：\n\n' +
        `    使用人：${v(x, 'counterparty')}\n    商户：${v(x, 'merchant')}\n    金额：${amountOf('zh-CN', x)}\n    最晚处理时间：${formatTime('zh-CN', v(x, 'until'))}（超时未处理将自动退回赠卡人的余额）\n\n` +
        '审核结果会另行通知。如果您不认识这笔付款，请在安全中心一键取消亲情卡并联系客服。任何自称客服、公检法要求付款的都是诈骗。',
    },
    en: {
      subject: () => 'A Rampart family-card payment is held for a security review',
      short: (x) =>
        `A family-card payment by ${v(x, 'counterparty')} of ${amountOf('en', x)} at ${v(x, 'merchant')} is held for a security review until ${formatTime('en', v(x, 'until'))} at the latest; the money stays in the card owner's balance and the merchant is not paid yet. Don't recognise it? Cancel the card in the Security Center and contact support.`,
      email: (x) =>
        "A family-card payment needs a security review. The money is held in the card owner's balance and has not reached the merchant:\n\n" +
        `    By:         ${v(x, 'counterparty')}\n    Merchant:   ${v(x, 'merchant')}\n    Amount:     ${amountOf('en', x)}\n    Decided by: ${formatTime('en', v(x, 'until'))} (if not reviewed by then, it returns to the card owner's balance)\n\n` +
        "We will tell you the result. If you don't recognise this payment, cancel the card in one step in the Security Center and contact customer support. Anyone claiming to be support or the police who asks for a payment is a scammer.",
    },
  },
  family_card_hold_resolved: {
    'zh-CN': {
      subject: () => 'Rampart 亲情卡付款审核结果',
      short: (x) =>
        `在 ${v(x, 'merchant')} 的亲情卡付款 ${amountOf('zh-CN', x)} ${label(FAMILY_HOLD_OUTCOMES, 'zh-CN', v(x, 'outcome'))}。`,
      email: (x) =>
        `在 ${v(x, 'merchant')} 的亲情卡付款（${amountOf('zh-CN', x)}）${label(FAMILY_HOLD_OUTCOMES, 'zh-CN', v(x, 'outcome'))}。\n\n` +
        '如有疑问，请联系客服。如不认识这笔付款，可在安全中心一键取消亲情卡。',
    },
    en: {
      subject: () => 'A held Rampart family-card payment was reviewed',
      short: (x) =>
        `The family-card payment of ${amountOf('en', x)} at ${v(x, 'merchant')} ${label(FAMILY_HOLD_OUTCOMES, 'en', v(x, 'outcome'))}.`,
      email: (x) =>
        `The family-card payment of ${amountOf('en', x)} at ${v(x, 'merchant')} ${label(FAMILY_HOLD_OUTCOMES, 'en', v(x, 'outcome'))}.\n\n` +
        "Questions? Contact customer support. If you don't recognise it, cancel the card in one step in the Security Center.",
    },
  },
};
