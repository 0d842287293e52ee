/**
 * The bank side of top-ups and withdrawals. A real connector talks to a bank or a clearing house
 * (UnionPay, NetsUnion); Rampart ships a simulator. The funding module stores every instruction
 * and its answer's due time, so a connector may be asked again after a restart.
 */
import type { Money } from '../shared/index.ts';
import { SIMULATOR_SETTLE_DELAY_MS } from './constants.ts';

export interface BankInstruction {
  /** The funding operation: the idempotency key towards the bank. */
  readonly operationId: string;
  readonly kind: 'top_up' | 'withdrawal';
  /** The card's token, never its number. */
  readonly cardToken: string;
  readonly cardLast4: string;
  readonly amount: Money;
}

export type BankOutcome =
  | { readonly status: 'succeeded' }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'pending'; readonly askAgainAtMs: number };

export interface BankConnector {
  /** Sends the instruction (idempotent by operationId); answers a reference and when to ask. */
  submit(instruction: BankInstruction, nowMs: number): Promise<{ reference: string; answerDueAtMs: number }>;
  /** The bank's answer for a submitted instruction. */
  outcome(instruction: BankInstruction & { reference: string }, nowMs: number): Promise<BankOutcome>;
}

/** Test cards: a card ending in one of these is declined by the simulator, with this reason. */
export const SIMULATOR_DECLINES: Readonly<Record<string, string>> = Object.freeze({
  '0002': 'card_declined',
  '0051': 'bank_insufficient_funds',
});

/**
 * Answers after `settleDelayMs`; declines cards ending in SIMULATOR_DECLINES. Stateless: the due
 * time is inside the reference, so a restarted process asks the same question and hears the same
 * answer.
 */
export function createSimulatedBankConnector(options: { settleDelayMs?: number } = {}): BankConnector {
  const settleDelayMs = options.settleDelayMs ?? SIMULATOR_SETTLE_DELAY_MS;
  return {
    async submit(instruction, nowMs) {
      const answerDueAtMs = nowMs + settleDelayMs;
      return { reference: `sim:${instruction.operationId}:${answerDueAtMs}`, answerDueAtMs };
    },
    async outcome(instruction, nowMs) {
      const dueAtMs = Number(instruction.reference.split(':').at(-1));
      if (Number.isFinite(dueAtMs) && nowMs < dueAtMs) return { status: 'pending', askAgainAtMs: dueAtMs };
      const declined = SIMULATOR_DECLINES[instruction.cardLast4];
      return declined ? { status: 'failed', reason: declined } : { status: 'succeeded' };
    },
  };
}
