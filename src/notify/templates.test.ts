// Proves every notification template exists in Chinese and English for every channel and renders
// with exactly its declared variables; that the one-time-code SMS reads like Alipay's; that wrong
// variables are refused (at compile time for typed callers, at run time for the port); that
// variable values cannot inject lines; and that secrets are masked by redactSecrets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Locale, NOTIFICATION_TEMPLATES, type NotificationTemplate } from '../identity/index.ts';
import { AssertionError } from '../shared/index.ts';
import { TEMPLATE_CATEGORIES } from './categories.ts';
import {
  formatAmount,
  redactSecrets,
  renderNotification,
  renderTemplate,
  TEMPLATE_LOCALES,
  TEMPLATE_VARS,
  type TemplateVars,
} from './templates.ts';

const TIME = '2026-03-04T05:06:07.000Z';
const SAMPLE_VARS: { readonly [T in NotificationTemplate]: TemplateVars<T> } = {
  otp_code: { code: '123456', purpose: 'sign_in', minutes: '5' },
  sign_up_existing: {},
  new_sign_in: {
    device: 'Chrome on macOS',
    location: 'Shanghai, CN',
    time: TIME,
    notMeUrl: 'https://pay.example/not-me?token=AbCdEf_123-xyz',
  },
  security_change: { change: 'password', time: TIME },
  account_locked: { until: TIME },
  payment_locked: { until: TIME },
  account_frozen: { reason: 'not_me_link', time: TIME },
  account_unfrozen: { time: TIME },
  recovery_update: {
    step: 'manual_approved',
    time: TIME,
    cancelUrl: 'https://pay.example/recovery/cancel?token=AbC',
  },
  claim_update: { status: 'paid', claim: 'clm_123', time: TIME },
  payment_sent: { amountMinor: '123450', currency: 'CNY', counterparty: '*i', time: TIME },
  agreement_signed: { merchant: 'Video Club', amountMinor: '5000', currency: 'CNY', time: TIME },
  agreement_debited: { merchant: 'Video Club', amountMinor: '1500', currency: 'CNY', time: TIME },
  family_card_offered: { counterparty: '*g', amountMinor: '100000', currency: 'CNY', time: TIME },
  family_card_used: {
    counterparty: '*n',
    merchant: 'Tea Shop',
    amountMinor: '2300',
    currency: 'CNY',
    time: TIME,
  },
  payment_received: { amountMinor: '99', currency: 'CNY', counterparty: '*e', time: TIME },
  risk_challenge: { action: 'payment', time: TIME },
  risk_declined: { action: 'transfer', time: TIME },
  payment_held: { amountMinor: '123456789', currency: 'CNY', until: TIME },
  withdrawal_held: { amountMinor: '2220000', currency: 'CNY', until: TIME },
  payment_hold_resolved: { amountMinor: '5000', currency: 'CNY', outcome: 'rejected' },
  credit_bill_issued: { amountMinor: '50000', currency: 'CNY', until: TIME },
  credit_bill_overdue: { amountMinor: '30000', currency: 'CNY', until: TIME },
  agreement_debit_stopped: { merchant: 'Video Club', amountMinor: '1999', currency: 'CNY', time: TIME },
  family_card_held: {
    counterparty: '*n',
    merchant: 'Tea Shop',
    amountMinor: '12300',
    currency: 'CNY',
    until: TIME,
  },
  family_card_hold_resolved: {
    merchant: 'Tea Shop',
    amountMinor: '12300',
    currency: 'CNY',
    outcome: 'rejected',
  },
};

test('held payments show the amount exactly, grouped, in both languages', () => {
  assert.match(renderTemplate('payment_held', 'en', SAMPLE_VARS.payment_held).short, /CNY 1,234,567\.89/);
  assert.match(
    renderTemplate('payment_hold_resolved', 'zh-CN', SAMPLE_VARS.payment_hold_resolved).short,
    /CNY 50\.00 未通过审核/,
  );
});

test('a held withdrawal is called a withdrawal, not a payment, in both languages', () => {
  const en = renderTemplate('withdrawal_held', 'en', SAMPLE_VARS.withdrawal_held);
  assert.match(en.short, /Your withdrawal of CNY 22,200\.00 is held for a security review/);
  assert.doesNotMatch(`${en.subject}${en.sms}${en.emailText}`, /payment(?! password)/i);
  const zh = renderTemplate('withdrawal_held', 'zh-CN', SAMPLE_VARS.withdrawal_held);
  assert.match(zh.short, /您的提现 CNY 22,200\.00 正在安全审核/);
  assert.doesNotMatch(`${zh.subject}${zh.sms}${zh.emailText}`, /付款/);
});

test('a stopped auto-debit names the merchant and the amount, says nothing was taken and what to do', () => {
  const en = renderTemplate('agreement_debit_stopped', 'en', SAMPLE_VARS.agreement_debit_stopped);
  assert.match(
    en.sms,
    /^\[Rampart\] An auto-debit of CNY 19\.99 by Video Club at .* was stopped by our risk checks; nothing was taken\./,
  );
  assert.match(en.short, /pay the merchant directly/);
  assert.match(en.short, /cancel the agreement in the Security Center/);
  const zh = renderTemplate('agreement_debit_stopped', 'zh-CN', SAMPLE_VARS.agreement_debit_stopped);
  assert.match(zh.short, /^Video Club 于.* 发起的自动扣款 ¥19\.99 因存在风险已被拦截，未从您的余额扣款。/);
  assert.match(zh.short, /请直接向商户付款/);
  assert.match(zh.short, /解约该协议/);
});

test("a held family-card payment is the card owner's money, told to owner and member alike", () => {
  const en = renderTemplate('family_card_held', 'en', SAMPLE_VARS.family_card_held);
  assert.match(
    en.short,
    /family-card payment by \*n of CNY 123\.00 at Tea Shop is held for a security review/,
  );
  assert.match(en.short, /the money stays in the card owner's balance/);
  assert.doesNotMatch(`${en.short}${en.emailText}`, /your balance/);
  const zh = renderTemplate('family_card_hold_resolved', 'zh-CN', SAMPLE_VARS.family_card_hold_resolved);
  assert.match(zh.short, /^在 Tea Shop 的亲情卡付款 ¥123\.00 未通过审核，款项已退回赠卡人的余额/);
});

function renderSample<T extends NotificationTemplate>(template: T, locale: Locale) {
  return renderTemplate(template, locale, SAMPLE_VARS[template]);
}

describe('templates', () => {
  test("cover exactly identity's NOTIFICATION_TEMPLATES", () => {
    assert.deepEqual(Object.keys(TEMPLATE_VARS).sort(), [...NOTIFICATION_TEMPLATES].sort());
  });

  test('every template renders in zh-CN and en on every channel, with no hole left', () => {
    for (const template of NOTIFICATION_TEMPLATES) {
      for (const locale of TEMPLATE_LOCALES) {
        const vars = SAMPLE_VARS[template];
        const r = renderSample(template, locale);
        for (const [part, text] of Object.entries(r)) {
          assert.ok(text.trim().length > 0, `${template}/${locale}/${part} is empty`);
          assert.doesNotMatch(text, /undefined|null|\$\{|NaN/, `${template}/${locale}/${part}: ${text}`);
        }
        assert.doesNotMatch(r.subject, /\n/, 'a subject is one line');
        assert.doesNotMatch(r.sms, /\n/, 'an SMS is one line');
        if (locale === 'zh-CN') assert.match(`${r.subject}${r.sms}${r.emailText}`, /[\u4e00-\u9fff]/);
        else assert.doesNotMatch(`${r.subject}${r.sms}${r.emailText}`, /[\u4e00-\u9fff]/);
        assert.ok(r.sms.startsWith(locale === 'zh-CN' ? '【Rampart】' : '[Rampart] '));
        for (const channel of ['sms', 'email', 'in_app'] as const) {
          const stored = renderNotification({ template, locale, channel, vars });
          assert.ok(stored.body.length > 0 && stored.subject.length > 0);
        }
        // Every declared variable shows up somewhere (none is silently dropped).
        for (const name of TEMPLATE_VARS[template].required) {
          if (
            name === 'time' ||
            name === 'until' ||
            name === 'purpose' ||
            name === 'change' ||
            name === 'reason' ||
            name === 'step' ||
            name === 'status' ||
            // issue 5: translated labels, and amounts shown formatted (checked above)
            name === 'action' ||
            name === 'outcome' ||
            name === 'amountMinor' ||
            name === 'currency'
          )
            continue; // formatted or translated, checked below
          const value = (vars as Record<string, string>)[name]!;
          assert.ok(r.emailText.includes(value), `${template}/${locale} e-mail shows ${name}`);
        }
      }
    }
  });

  test('the one-time-code SMS reads like Alipay in both languages', () => {
    const vars = { code: '123456', purpose: 'sign_in', minutes: '5' };
    assert.equal(
      renderTemplate('otp_code', 'zh-CN', vars).sms,
      '【Rampart】验证码 123456，5分钟内有效。请勿告诉任何人，包括客服。',
    );
    assert.equal(
      renderTemplate('otp_code', 'en', vars).sms,
      '[Rampart] Your code is 123456, valid for 5 minutes. Never share it with anyone, including customer service.',
    );
    const zh = renderTemplate('otp_code', 'zh-CN', vars);
    assert.doesNotMatch(zh.subject, /123456/, 'the code stays out of subject lines (lock screens, logs)');
    assert.match(zh.subject, /登录/);
    assert.match(zh.emailText, /123456/);
  });

  test('times are shown in Beijing time for zh-CN and in UTC for en', () => {
    const zh = renderTemplate('account_locked', 'zh-CN', { until: '2026-01-01T16:30:00.000Z' });
    assert.match(zh.sms, /北京时间 2026-01-02 00:30/);
    const en = renderTemplate('account_locked', 'en', { until: '2026-01-01T16:30:00.000Z' });
    assert.match(en.sms, /2026-01-01 16:30 UTC/);
  });

  test('security_change reads well for every action identity sends, with or without one', () => {
    for (const [change, action] of [
      ['password', undefined],
      ['phone', undefined],
      ['totp', 'enabled'],
      ['totp', 'disabled'],
      ['backup_codes', 'generated'],
      ['backup_codes', 'used'],
      ['passkey', 'added'],
      ['passkey', 'removed'],
    ] as const) {
      const vars = action === undefined ? { change, time: TIME } : { change, action, time: TIME };
      const en = renderTemplate('security_change', 'en', vars).short;
      const zh = renderTemplate('security_change', 'zh-CN', vars).short;
      assert.doesNotMatch(en, /_/, en);
      assert.doesNotMatch(zh, /[a-z]_/, zh);
    }
    assert.match(
      renderTemplate('security_change', 'en', { change: 'backup_codes', action: 'used', time: TIME }).short,
      /^One of your backup codes was used/,
    );
    assert.match(
      renderTemplate('security_change', 'zh-CN', { change: 'password', time: TIME }).short,
      /^您的登录密码已修改/,
    );
  });

  test('unknown, missing or malformed variables are refused at run time (a bug, not a user error)', () => {
    const base = { template: 'otp_code', locale: 'en', channel: 'sms' } as const;
    assert.throws(
      () => renderNotification({ ...base, vars: { code: '123456', purpose: 'sign_in' } }),
      AssertionError,
    );
    assert.throws(
      () =>
        renderNotification({
          ...base,
          vars: { code: '123456', purpose: 'sign_in', minutes: '5', extra: 'x' },
        }),
      AssertionError,
    );
    assert.throws(
      () => renderNotification({ ...base, vars: { code: '12345a', purpose: 'sign_in', minutes: '5' } }),
      AssertionError,
    );
    assert.throws(
      () => renderNotification({ ...base, template: 'account_locked', vars: { until: 'tomorrow' } }),
      AssertionError,
    );
    assert.throws(
      () => renderNotification({ ...base, template: 'nope' as NotificationTemplate, vars: {} }),
      AssertionError,
    );
  });

  test('typed callers cannot forget or invent a variable (compile-time check)', () => {
    // Each line below fails `tsc` without its @ts-expect-error; the test itself just runs them.
    // @ts-expect-error missing `minutes`
    assert.throws(() => renderTemplate('otp_code', 'en', { code: '123456', purpose: 'sign_in' }));
    // @ts-expect-error unknown `extra`
    assert.throws(() => renderTemplate('account_locked', 'en', { until: TIME, extra: 'x' }));
  });

  test('variable values cannot add lines or run on forever', () => {
    const r = renderTemplate('new_sign_in', 'en', {
      ...SAMPLE_VARS.new_sign_in,
      device: 'Evil\r\nBcc: someone@example.com\u0000',
      location: 'x'.repeat(5_000),
    });
    assert.doesNotMatch(r.short, /[\r\n]/);
    assert.ok(!r.short.includes('\u0000'));
    assert.ok(r.short.length < 1_000);
    assert.match(r.short, /Evil Bcc: someone@example.com/);
  });

  test('redactSecrets masks the code and the link token, and only in their templates', () => {
    const otp = renderTemplate('otp_code', 'zh-CN', SAMPLE_VARS.otp_code);
    for (const text of [otp.sms, otp.emailText]) {
      const masked = redactSecrets('otp_code', text);
      assert.doesNotMatch(masked, /123456/);
      assert.match(masked, /\*{6}/);
      assert.equal(redactSecrets('otp_code', masked), masked, 'idempotent');
    }
    const signIn = renderTemplate('new_sign_in', 'en', SAMPLE_VARS.new_sign_in);
    for (const text of [signIn.sms, signIn.emailText]) {
      const masked = redactSecrets('new_sign_in', text);
      assert.doesNotMatch(masked, /AbCdEf_123-xyz/);
      assert.match(masked, /https:\/\/pay\.example\/not-me\?…/);
    }
    const locked = renderTemplate('account_locked', 'en', SAMPLE_VARS.account_locked).emailText;
    assert.equal(redactSecrets('account_locked', locked), locked);
  });

  test('amounts are exact and formatted per locale', () => {
    assert.equal(formatAmount('zh-CN', '123450', 'CNY'), '¥1,234.50');
    assert.equal(formatAmount('en', '123450', 'CNY'), 'CNY 1,234.50');
    assert.equal(formatAmount('en', '99', 'CNY'), 'CNY 0.99');
    assert.equal(
      formatAmount('en', '900719925474099312', 'CNY'),
      'CNY 9,007,199,254,740,993.12',
      'no float rounding',
    );
    const zh = renderTemplate('payment_sent', 'zh-CN', SAMPLE_VARS.payment_sent);
    assert.match(zh.short, /¥1,234\.50/);
    assert.match(zh.short, /\*i /);
  });

  test('every template has a category for the notification centre and preferences', () => {
    assert.deepEqual(Object.keys(TEMPLATE_CATEGORIES).sort(), [...NOTIFICATION_TEMPLATES].sort());
    for (const template of ['new_sign_in', 'security_change', 'account_frozen', 'account_locked'] as const) {
      assert.equal(TEMPLATE_CATEGORIES[template].critical, true, `${template} cannot be switched off`);
    }
    assert.equal(TEMPLATE_CATEGORIES.otp_code.inbox, false, 'a code never reaches the inbox');
  });
});
