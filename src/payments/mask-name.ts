/**
 * Masks a payee's name the way Alipay shows it before a transfer: every character but the last
 * becomes `*` ("王小明" → "**明", "Ann" → "**n"), so the payer can tell a wrong or fake payee
 * without the platform handing out full names for any phone number typed. Characters are
 * grapheme clusters (an emoji or a letter with its accent is one), so nothing is cut in half.
 * A one-character name shows only `*`: its last character would be the whole name.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function maskName(name: string): string {
  const parts = Array.from(graphemes.segment(name.trim()), (s) => s.segment);
  const last = parts.at(-1);
  if (last === undefined) return '*';
  if (parts.length === 1) return '*';
  return `${'*'.repeat(parts.length - 1)}${last}`;
}
