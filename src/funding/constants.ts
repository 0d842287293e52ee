/**
 * Every limit of the funding module (issue 4 point 1), with its unit and reason. Amounts are
 * CNY fen. docs/funding.md explains each choice.
 */

/** Wallets and the bank-card limits are CNY (as payments are); other currencies are refused. */
export const FUNDING_CURRENCY = 'CNY';

/** A person links a handful of cards; a cap bounds the list and a card-testing bot. */
export const CARDS_PER_USER_MAX = 10;

/** ISO/IEC 7812: a primary account number has 12 to 19 digits (UnionPay debit cards 16–19). */
export const CARD_DIGITS_MIN = 12;
export const CARD_DIGITS_MAX = 19;

/** The hold behind a pending operation expires (and is voided by the ledger's sweep) after a
 *  day: far beyond any bank answer, so only a bank that never answers lets it lapse. */
export const FUNDING_HOLD_TIMEOUT_MS = 24 * 3_600_000;

/** The simulator answers this long after an instruction (issue 4: "settles after a delay"). */
export const SIMULATOR_SETTLE_DELAY_MS = 2_000;

/** settleDue() handles at most this many operations a run; the timer calls it again. */
export const SETTLE_PER_RUN_MAX = 256;

/** main.ts runs settleDue() this often (like the hold sweep). */
export const SETTLE_INTERVAL_MS = 1_000;

/** A connector that throws is asked again this much later, at most this often, then the
 *  operation fails and its hold is voided (the money returns). */
export const CONNECTOR_RETRY_MS = 30_000;
export const CONNECTOR_ATTEMPTS_MAX = 10;
