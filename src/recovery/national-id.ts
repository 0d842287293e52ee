/**
 * The 18-digit PRC resident identity number (GB 11643-1999): 6-digit address code, 8-digit birth
 * date (YYYYMMDD), 3-digit sequence (odd for men, even for women), and a check character from the
 * ISO 7064 MOD 11-2 checksum (0-9 or X). Pure functions: parsing is the only place a raw number
 * is handled in full; everything shown to people or written to logs is `maskIdNumber`'s output.
 */

export const ID_NUMBER_LENGTH = 18;
/** GB 11643-1999 §8.2: W_i = 2^(i-1) mod 11, for positions 18..2 read left to right. */
export const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
/** Nobody alive was born before this; older dates are typos. */
export const ID_BIRTH_YEAR_MIN = 1900;

export type IdNumberVerdict =
  | { ok: true; idNumber: string; birthDate: string }
  | { ok: false; reason: 'format' | 'region' | 'birth_date' | 'checksum' };

/** The check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '';
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Validates an ID number typed by a person: spaces are dropped, a lower-case x is accepted.
 * `todayIso` (YYYY-MM-DD) bounds the birth date: nobody is born tomorrow.
 */
export function parseIdNumber(input: string, todayIso: string): IdNumberVerdict {
  if (input.length > 40) return { ok: false, reason: 'format' };
  const id = input.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9]{17}[0-9X]$/.test(id)) return { ok: false, reason: 'format' };
  // Province codes run 11..82 (8x: Hong Kong, Macao, Taiwan residents' permits); 9x for
  // permanent-residence permits of foreigners issued since 2023.
  const province = Number(id.slice(0, 2));
  if (province < 11 || province > 91) return { ok: false, reason: 'region' };
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (year < ID_BIRTH_YEAR_MIN || !isRealDate(year, month, day) || birthDate > todayIso) {
    return { ok: false, reason: 'birth_date' };
  }
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, reason: 'checksum' };
  return { ok: true, idNumber: id, birthDate };
}

/** `110101199003071234` → `1101**********1234`: the province and city, and the last four. */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length !== ID_NUMBER_LENGTH) return '*'.repeat(ID_NUMBER_LENGTH);
  return `${idNumber.slice(0, 4)}${'*'.repeat(10)}${idNumber.slice(14)}`;
}

export const REAL_NAME_LENGTH_MAX = 64;

/** A real name as typed: trimmed, inner spaces collapsed, NFC; null when empty or too long. */
export function normalizeRealName(input: string): string | null {
  const name = input.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || [...name].length > REAL_NAME_LENGTH_MAX) return null;
  if (/[\p{Cc}\p{Cf}]/u.test(name)) return null;
  return name;
}

/** `张三丰` → `*三丰`; `Alice Chen` → `A**** C***`: enough to recognise, not to learn. */
export function maskRealName(name: string): string {
  const chars = [...name];
  if (/^[\p{Script=Han}·]+$/u.test(name)) return `*${chars.slice(1).join('')}`;
  return name
    .split(' ')
    .map((part) => {
      const p = [...part];
      return `${p[0] ?? ''}${'*'.repeat(Math.max(0, p.length - 1))}`;
    })
    .join(' ');
}

/** Builds a valid ID number from its parts (demo users, tests). */
export function composeIdNumber(input: { region: string; birthDate: string; sequence: number }): string {
  const first17 = `${input.region}${input.birthDate.replaceAll('-', '')}${String(input.sequence).padStart(3, '0')}`;
  return `${first17}${idCheckChar(first17)}`;
}
