/** The payment lock and the identity check (docs/identity.md, "The payment lock"): the step-up
 *  dialog's login-password field, the Security Center's unlock, the transfer page's hint. */
import { defineMessages } from './define.ts';

export const paymentLockMessages = defineMessages(
  {
    'stepUp.identityCheckLead':
      'Prove it is you with more than this phone: your login password, plus an SMS code, your authenticator app, a backup code or a passkey. Whoever holds a stolen phone gets its SMS codes, not your login password.',
    'stepUp.identityCheckLeadOrPin':
      'Confirm with your current payment password, or with your login password plus an SMS code, your authenticator app, a backup code or a passkey.',
    'stepUp.loginPassword': 'Login password',
    'stepUp.loginPasswordHint': 'The password you sign in with, not the 6-digit payment password.',
    'stepUp.loginPasswordWrong':
      'Wrong login password. Tries left before password sign-in locks for 15 minutes: {count}',
    'paymentLock.locked': 'Payments are locked until {until} after wrong payment passwords.',
    'paymentLock.liftable':
      'You can lift the lock now with your login password and a second factor. An SMS code alone is not enough: whoever has your phone receives it too.',
    'paymentLock.notLiftable':
      'This is the second lock within 24 hours, so it cannot be lifted early. Wait until it ends, or set a new payment password below (that asks for your login password and a second factor).',
    'paymentLock.unlock': 'Unlock payments now',
    'paymentLock.unlocking': 'Unlocking…',
    'paymentLock.unlocked': 'Payments are unlocked.',
    'paymentLock.failed': 'Payments could not be unlocked',
    'transfer.lockedLink': 'Unlock payments in the Security Center',
    'event.payment_unlocked': 'Payment lock lifted',
    'event.identity_check_failed': 'Identity check failed',
  },
  {
    'stepUp.identityCheckLead':
      '请用手机以外的方式证明是您本人：输入登录密码，再加短信验证码、身份验证器、备用验证码或通行密钥之一。手机被盗时，短信验证码会落到对方手里，登录密码不会。',
    'stepUp.identityCheckLeadOrPin':
      '请用当前支付密码确认，或用登录密码加短信验证码、身份验证器、备用验证码或通行密钥之一确认。',
    'stepUp.loginPassword': '登录密码',
    'stepUp.loginPasswordHint': '您登录时用的密码，不是 6 位数字的支付密码。',
    'stepUp.loginPasswordWrong': '登录密码错误。再错 {count} 次，密码登录将锁定 15 分钟。',
    'paymentLock.locked': '因支付密码多次输错，付款已锁定至 {until}。',
    'paymentLock.liftable':
      '您可以现在用登录密码加一种验证方式解除锁定。仅凭短信验证码不行：拿到您手机的人也能收到短信。',
    'paymentLock.notLiftable':
      '这是 24 小时内第二次锁定，不能提前解除。请等待锁定结束，或在下方重新设置支付密码（需要登录密码加一种验证方式）。',
    'paymentLock.unlock': '立即解除付款锁定',
    'paymentLock.unlocking': '正在解除…',
    'paymentLock.unlocked': '付款已解锁。',
    'paymentLock.failed': '无法解除付款锁定',
    'transfer.lockedLink': '去安全中心解除付款锁定',
    'event.payment_unlocked': '付款锁定已提前解除',
    'event.identity_check_failed': '身份核验失败',
  },
);
