/**
 * Password rules, as pure functions.
 * Login password: NIST SP 800-63B §3.1.1.2 — 8 to 128 characters, any characters, checked
 * against a blocklist of common passwords (the 49,233 ranked by @zxcvbn-ts/language-common) and
 * against context (the phone number). No composition rules: they do not help.
 * Payment password: 6 digits (Alipay's), refused when trivial: all one digit, sequential up or
 * down, repeated pairs or triples, the birth date in common forms, or the phone's last six.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { DomainError } from '../shared/index.ts';
import { IDENTITY_ERRORS } from './errors.ts';

export const LOGIN_PASSWORD_LENGTH_MIN = 8;
export const LOGIN_PASSWORD_LENGTH_MAX = 128;

let commonPasswords: Set<string> | undefined;
function commonPasswordSet(): Set<string> {
  commonPasswords ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return commonPasswords;
}

export type PasswordVerdict = { ok: true } | { ok: false; reason: 'length' | 'common' | 'contains_phone' };

export function checkLoginPassword(
  password: string,
  context: { phoneE164?: string | undefined },
): PasswordVerdict {
  const length = [...password].length;
  if (length < LOGIN_PASSWORD_LENGTH_MIN || length > LOGIN_PASSWORD_LENGTH_MAX)
    return { ok: false, reason: 'length' };
  if (commonPasswordSet().has(password.toLowerCase())) return { ok: false, reason: 'common' };
  if (context.phoneE164) {
    // The national number (e.g. 13800138000) or its last 8 digits inside the password.
    const digits = context.phoneE164.replace(/\D/g, '');
    const national = digits.length > 11 ? digits.slice(-11) : digits;
    const passwordDigits = password.replace(/\D/g, '');
    if (passwordDigits.includes(national) || passwordDigits.includes(digits.slice(-8))) {
      return { ok: false, reason: 'contains_phone' };
    }
  }
  return { ok: true };
}

export type PaymentPasswordVerdict =
  | { ok: true }
  | { ok: false; reason: 'format' | 'repeated' | 'sequential' | 'pattern' | 'birth_date' | 'phone' };

const PAYMENT_PASSWORD_PATTERN = /^[0-9]{6}$/;

export function checkPaymentPassword(
  pin: string,
  context: { birthDate?: string | null | undefined; phoneE164?: string | undefined },
): PaymentPasswordVerdict {
  if (!PAYMENT_PASSWORD_PATTERN.test(pin)) return { ok: false, reason: 'format' };
  if (/^(\d)\1{5}$/.test(pin)) return { ok: false, reason: 'repeated' };
  const steps = [...pin].slice(1).map((d, i) => (Number(d) - Number(pin[i]) + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return { ok: false, reason: 'sequential' };
  // 121212, 123123, 112233
  if (/^(\d\d)\1\1$/.test(pin) || /^(\d{3})\1$/.test(pin) || /^(\d)\1(\d)\2(\d)\3$/.test(pin)) {
    return { ok: false, reason: 'pattern' };
  }
  if (context.birthDate) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(context.birthDate);
    if (match) {
      const yyyy = match[1]!;
      const mm = match[2]!;
      const dd = match[3]!;
      const forms = [
        `${yyyy.slice(2)}${mm}${dd}`,
        `${mm}${dd}${yyyy.slice(2)}`,
        `${dd}${mm}${yyyy.slice(2)}`,
        `${yyyy}${mm}`,
        `${mm}${dd}${yyyy.slice(0, 2)}`,
      ];
      if (forms.includes(pin)) return { ok: false, reason: 'birth_date' };
    }
  }
  if (context.phoneE164?.endsWith(pin)) return { ok: false, reason: 'phone' };
  return { ok: true };
}

/** checkLoginPassword, as the coded error a request gets. */
export function assertLoginPassword(password: string, context: { phoneE164?: string | undefined }): void {
  const verdict = checkLoginPassword(password, context);
  if (verdict.ok) return;
  const errors = {
    length: IDENTITY_ERRORS.WEAK_PASSWORD,
    common: IDENTITY_ERRORS.COMMON_PASSWORD,
    contains_phone: IDENTITY_ERRORS.PASSWORD_CONTAINS_PHONE,
  } as const;
  throw new DomainError(errors[verdict.reason]);
}

/** checkPaymentPassword, as the coded error a request gets. */
export function assertPaymentPassword(
  pin: string,
  context: { birthDate?: string | null | undefined; phoneE164?: string | undefined },
): void {
  const verdict = checkPaymentPassword(pin, context);
  if (verdict.ok) return;
  throw new DomainError(
    verdict.reason === 'format'
      ? IDENTITY_ERRORS.INVALID_PAYMENT_PASSWORD
      : IDENTITY_ERRORS.TRIVIAL_PAYMENT_PASSWORD,
  );
}
