/** Pure card-number rules: normalising, the Luhn check (ISO/IEC 7812-1 annex B), and what the
 *  BIN (issuer identification number, the first 6 digits) says about brand and bank. */
import { CARD_DIGITS_MAX, CARD_DIGITS_MIN } from './constants.ts';

/** Digits only (spaces and dashes as people type them removed), or null if not 12–19 digits. */
export function normaliseCardNumber(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^[0-9]+$/.test(digits)) return null;
  if (digits.length < CARD_DIGITS_MIN || digits.length > CARD_DIGITS_MAX) return null;
  return digits;
}

/** The Luhn check digit that completes `payload` (all digits but the last). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // From the right of the payload, every first digit is doubled (it sits second from the right
  // once the check digit is appended).
  for (let i = 0; i < payload.length; i++) {
    let d = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the Luhn check digit of the rest. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

export interface CardIssuer {
  readonly brand: string;
  readonly bank: string | null;
}

/** A few well-known Chinese debit BINs; unknown ones show the brand alone. */
const BANK_BINS: readonly (readonly [string, string])[] = [
  ['622202', 'ICBC'],
  ['622848', 'Agricultural Bank of China'],
  ['621700', 'China Construction Bank'],
  ['436742', 'China Construction Bank'],
  ['621661', 'Bank of China'],
  ['622588', 'China Merchants Bank'],
  ['622262', 'Bank of Communications'],
];

/** Brand from the leading digits (the networks' published ranges), bank from a small BIN table. */
export function guessIssuer(digits: string): CardIssuer {
  const bank = BANK_BINS.find(([bin]) => digits.startsWith(bin))?.[1] ?? null;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  let brand = 'Unknown';
  if (digits.startsWith('62')) brand = 'UnionPay';
  else if (digits.startsWith('4')) brand = 'Visa';
  else if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) brand = 'Mastercard';
  else if (two === 34 || two === 37) brand = 'American Express';
  else if (four >= 3528 && four <= 3589) brand = 'JCB';
  return { brand, bank };
}

/** How a card is shown: never more than the last four digits. */
export function maskCard(last4: string): string {
  return `**** ${last4}`;
}
