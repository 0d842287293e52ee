/**
 * The in-house human check of "forgot payment password" (issue 7 point 4: not a third-party
 * service). The server draws a small arithmetic question, stores only a keyed hash of the answer
 * in the recovery attempt, and checks it once, server-side, together with the rest of the step.
 *
 * Limits, said plainly: any script that parses "7 + 12" solves it, so it is a speed bump against
 * blind replay and naive bots, not a CAPTCHA. What actually stops an attacker is everything it
 * sits beside: the SMS code to the bound phone, the real name and ID number, the per-phone and
 * per-IP rate limits, five tries per attempt, and the notice to every channel on success.
 */
import { randomInt } from 'node:crypto';

export interface HumanCheck {
  readonly question: string;
  readonly answer: string;
}

export const HUMAN_CHECK_OPERAND_MAX = 20;

export function newHumanCheck(): HumanCheck {
  const a = randomInt(2, HUMAN_CHECK_OPERAND_MAX);
  const b = randomInt(2, HUMAN_CHECK_OPERAND_MAX);
  if (randomInt(2) === 0) return { question: `${a} + ${b}`, answer: String(a + b) };
  const [big, small] = a >= b ? [a, b] : [b, a];
  return { question: `${big} − ${small}`, answer: String(big - small) };
}

/** "  19 " → "19"; anything but a short number → null. */
export function normalizeHumanAnswer(input: string): string | null {
  const answer = input.trim();
  return /^-?[0-9]{1,3}$/.test(answer) ? String(Number(answer)) : null;
}
