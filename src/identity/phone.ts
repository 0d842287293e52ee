/** Phone numbers: parsed and normalised to E.164 with libphonenumber-js; bare numbers are read as
 *  Chinese (+86), the platform's home region. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const DEFAULT_PHONE_REGION = 'CN';
const PHONE_INPUT_LENGTH_MAX = 32;

export function normalizePhone(input: string): string | null {
  if (input.length === 0 || input.length > PHONE_INPUT_LENGTH_MAX) return null;
  const parsed = parsePhoneNumberFromString(input, DEFAULT_PHONE_REGION);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/** +8613800138000 → +86 138****8000: enough for the owner to recognise, not enough to harvest. */
export function maskPhone(e164: string): string {
  if (e164.length < 8) return '****';
  return `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}`;
}
