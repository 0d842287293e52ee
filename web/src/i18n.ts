/**
 * The web app's strings, in Simplified Chinese and English. Add a language by adding a dictionary
 * typed `Messages` (the compiler then lists every missing key) and its tag to `LOCALES`.
 * Placeholders are `{name}`; `translate` fills them from `params`.
 */
import { createContext, useContext } from 'react';

const en = {
  'app.name': 'Rampart',
  'app.loading': 'Loading…',
  'app.skipToContent': 'Skip to content',

  'signIn.title': 'Sign in to Rampart',
  'signIn.lead': 'Your wallet, protected.',
  'signIn.phone': 'Phone number',
  'signIn.phoneHint': 'With country code, for example +86 138 0013 8000',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.submitting': 'Signing in…',
  'signIn.failed': 'Sign-in failed',
  'signIn.demoTitle': 'Demo accounts',
  'signIn.demoLead': 'This server runs in demo mode. Sign in as one of these people:',
  'signIn.demoUse': 'Use {name}',

  'wallet.greeting': 'Hello, {name}',
  'wallet.signOut': 'Sign out',
  'wallet.signingOut': 'Signing out…',
  'wallet.balanceTitle': 'Balance',
  'wallet.available': 'Available',
  'wallet.posted': 'Posted balance',
  'wallet.noAccount': 'You have no wallet yet.',
  'wallet.loadFailed': 'Could not load your wallet',
  'wallet.retry': 'Try again',

  'activity.title': 'Recent activity',
  'activity.empty': 'No activity yet.',
  'activity.loadMore': 'Load more',
  'activity.loadingMore': 'Loading…',
  'activity.end': 'That is all your activity.',
  'activity.loaded': '{count} more entries loaded',
  'activity.date': 'Date',
  'activity.description': 'Description',
  'activity.direction': 'Direction',
  'activity.amount': 'Amount',
  'activity.status': 'Status',
  'activity.in': 'In',
  'activity.out': 'Out',
  'activity.code.top_up': 'Top-up',
  'activity.code.p2p': 'Transfer',
  'activity.code.merchant_pay': 'Payment to merchant',
  'activity.code.withdraw': 'Withdrawal',
  'activity.code.refund': 'Refund',
  'activity.code.hold_expired': 'Hold expired',
  'activity.code.fee': 'Fee',
  'activity.status.posted': 'Completed',
  'activity.status.pending': 'Pending',
  'activity.status.released': 'Released',

  'error.code': 'Error code: {code}',
  'error.network': 'Cannot reach the server. Check your connection and try again.',
  'error.unexpected': 'Something went wrong (HTTP {status}). Please try again.',
  'error.badResponse': 'The server sent a response this page does not understand.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Readonly<Record<MessageKey, string>>;

const zhCN: Messages = {
  'app.name': 'Rampart',
  'app.loading': '加载中…',
  'app.skipToContent': '跳到主要内容',

  'signIn.title': '登录 Rampart',
  'signIn.lead': '您的钱包，安全守护。',
  'signIn.phone': '手机号',
  'signIn.phoneHint': '请带国家区号，例如 +86 138 0013 8000',
  'signIn.password': '密码',
  'signIn.submit': '登录',
  'signIn.submitting': '正在登录…',
  'signIn.failed': '登录失败',
  'signIn.demoTitle': '演示账号',
  'signIn.demoLead': '本服务器运行在演示模式。可使用以下账号登录：',
  'signIn.demoUse': '使用 {name}',

  'wallet.greeting': '你好，{name}',
  'wallet.signOut': '退出登录',
  'wallet.signingOut': '正在退出…',
  'wallet.balanceTitle': '余额',
  'wallet.available': '可用余额',
  'wallet.posted': '入账余额',
  'wallet.noAccount': '您还没有钱包。',
  'wallet.loadFailed': '无法加载钱包',
  'wallet.retry': '重试',

  'activity.title': '最近交易',
  'activity.empty': '暂无交易记录。',
  'activity.loadMore': '加载更多',
  'activity.loadingMore': '加载中…',
  'activity.end': '已显示全部交易记录。',
  'activity.loaded': '又加载了 {count} 条记录',
  'activity.date': '日期',
  'activity.description': '说明',
  'activity.direction': '方向',
  'activity.amount': '金额',
  'activity.status': '状态',
  'activity.in': '收入',
  'activity.out': '支出',
  'activity.code.top_up': '充值',
  'activity.code.p2p': '转账',
  'activity.code.merchant_pay': '商户付款',
  'activity.code.withdraw': '提现',
  'activity.code.refund': '退款',
  'activity.code.hold_expired': '冻结到期释放',
  'activity.code.fee': '手续费',
  'activity.status.posted': '已完成',
  'activity.status.pending': '处理中',
  'activity.status.released': '已解冻',

  'error.code': '错误代码：{code}',
  'error.network': '无法连接服务器。请检查网络后重试。',
  'error.unexpected': '出错了（HTTP {status}）。请重试。',
  'error.badResponse': '服务器返回了本页面无法识别的数据。',
};

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const DICTIONARIES: Readonly<Record<Locale, Messages>> = Object.freeze({ 'zh-CN': zhCN, en });

/** The first of the browser's preferred languages we speak: any `zh*` → zh-CN, else English. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split('-')[0];
    if (language === 'zh') return 'zh-CN';
    if (language === 'en') return 'en';
  }
  return 'en';
}

export function translate(
  locale: Locale,
  key: MessageKey,
  params?: Readonly<Record<string, string | number>>,
): string {
  const template = DICTIONARIES[locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

export interface I18n {
  readonly locale: Locale;
  readonly t: (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;
}

export function createI18n(locale: Locale): I18n {
  return { locale, t: (key, params) => translate(locale, key, params) };
}

export const I18nContext = createContext<I18n>(createI18n('en'));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
