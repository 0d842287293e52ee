/**
 * Payment passwords in the attack simulator (src/cli/risk-simulate.ts): who has which six-digit
 * password, what a thief holding a stolen unlocked phone guesses, and what a typo looks like.
 * Pure functions of a random source, so a seed replays the same passwords and guesses.
 *
 * The platform refuses trivial payment passwords (identity/password-policy.ts: one digit
 * repeated, runs up or down, repeated pairs or triples, the phone's last six, the birth date when
 * the user gave one). Everyone's password here passes that policy, as it must to be set. The
 * thief does not know the policy and starts with the PINs that lead leaked Chinese six-digit PIN
 * lists (123456, 888888, 666666, 111111, 000000, 123123, 654321, 112233: Wang et al.,
 * "Understanding Human-Chosen PINs", ACM AsiaCCS 2017): every one of those is a guess spent for
 * nothing on this platform. What can hit is the victim's birth date (the ID card was in the same
 * bag; the policy cannot refuse it when the user never gave a birth date, which sign-up does not
 * require) and keypad shapes and lucky numbers the policy lets through (147258, 159753, 258369,
 * 520131 "I love you, for life").
 */
import { checkPaymentPassword } from '../identity/index.ts';
import { assert } from '../shared/index.ts';

export interface PinHolder {
  readonly phoneE164: string;
  /** YYYY-MM-DD. */
  readonly birthDate: string;
}

/** The six-digit forms of a birth date most often used as PINs: YYMMDD and MMDDYY. */
function birthDateForms(birthDate: string): [string, string] {
  const match = /^\d{2}(\d{2})-(\d{2})-(\d{2})$/.exec(birthDate);
  assert(match, `birth date ${birthDate} is YYYY-MM-DD`);
  const [, yy = '', mm = '', dd = ''] = match;
  return [`${yy}${mm}${dd}`, `${mm}${dd}${yy}`];
}

/** The guesses a thief tries, in order (at most GUESSES_MAX): the birth date first (it is
 *  personal), then the popular PINs, the other birth-date form among them. */
export function thiefGuesses(holder: PinHolder): string[] {
  const [yymmdd, mmddyy] = birthDateForms(holder.birthDate);
  const list = [
    yymmdd,
    '123456',
    '888888',
    '666666',
    '111111',
    '000000',
    mmddyy,
    '123123',
    '147258',
    '520131',
    '654321',
    '159753',
    '112233',
    '258369',
  ];
  return [...new Set(list)].slice(0, GUESSES_MAX);
}

/** The thief's list is short: a stolen phone is reported within hours, and each lock costs time. */
export const GUESSES_MAX = 14;

/** Draws of a random password before giving up (each one passes with probability above 0.99). */
const PIN_DRAWS_MAX = 1_000;

/** A birth date between 1960 and 2004 (adults of working age); days 1–28 so every month has it. */
export function drawBirthDate(random: () => number): string {
  const year = 1960 + Math.floor(random() * 45);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The holder's payment password: with probability `inGuessListShare` one of the thief's guesses
 * that the policy accepts (uniformly among them: a birth-date form or a keypad shape), otherwise
 * six random digits the policy accepts that are not on the list.
 */
export function drawPin(holder: PinHolder, random: () => number, inGuessListShare: number): string {
  const allowed = (pin: string) => checkPaymentPassword(pin, { phoneE164: holder.phoneE164 }).ok;
  const guesses = thiefGuesses(holder);
  if (random() < inGuessListShare) {
    const choices = guesses.filter(allowed);
    assert(choices.length > 0, 'the keypad shapes on the list pass the policy');
    return choices[Math.floor(random() * choices.length)] as string;
  }
  for (let k = 0; k < PIN_DRAWS_MAX; k++) {
    const pin = String(Math.floor(random() * 1_000_000)).padStart(6, '0');
    if (allowed(pin) && !guesses.includes(pin)) return pin;
  }
  throw new Error('unreachable: almost every six-digit number passes the policy');
}

/** A typo: one of the six digits replaced by another. */
export function typo(pin: string, random: () => number): string {
  const at = Math.floor(random() * pin.length);
  const digit = Number(pin[at]);
  const wrong = (digit + 1 + Math.floor(random() * 9)) % 10;
  return `${pin.slice(0, at)}${wrong}${pin.slice(at + 1)}`;
}
