/** Linking, listing and removing bank cards. The number is validated, then reduced to a token,
 *  the last four digits, the issuer guess and an HMAC; it is never stored or logged. */
import { createHmac, hkdfSync } from 'node:crypto';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { guessIssuer, luhnValid, maskCard, normaliseCardNumber } from './card-number.ts';
import { CARDS_PER_USER_MAX } from './constants.ts';
import type { FundingContext } from './context.ts';
import { FUNDING_ERRORS } from './errors.ts';

export interface CardView {
  readonly id: string;
  readonly masked: string;
  readonly last4: string;
  readonly brand: string;
  readonly bank: string | null;
  readonly createdAt: Date;
}

function toCardView(row: {
  id: string;
  last4: string;
  brand: string;
  bank: string | null;
  created_at: Date;
}) {
  return {
    id: row.id,
    masked: maskCard(row.last4),
    last4: row.last4,
    brand: row.brand,
    bank: row.bank,
    createdAt: row.created_at,
  } satisfies CardView;
}

const UNIQUE_VIOLATION = '23505';

export async function linkCard(
  ctx: FundingContext,
  input: { userId: string; cardNumber: string },
): Promise<CardView> {
  const digits = normaliseCardNumber(input.cardNumber);
  if (digits === null) throw new DomainError(FUNDING_ERRORS.INVALID_CARD_NUMBER);
  if (!luhnValid(digits)) throw new DomainError(FUNDING_ERRORS.LUHN_FAILED);
  const numberHmac = createHmac('sha256', ctx.cardHmacKey).update(digits).digest('hex');
  const issuer = guessIssuer(digits);
  const row = {
    id: newId('card'),
    user_id: input.userId,
    token: newSecretToken(),
    last4: digits.slice(-4),
    brand: issuer.brand,
    bank: issuer.bank,
    number_hmac: numberHmac,
    created_at: new Date(ctx.clock.nowMs()),
  };
  async function insert(values: typeof row) {
    return ctx.db.transaction().execute(async (trx) => {
      // The user row, locked: concurrent links of one user count cards one at a time.
      await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', input.userId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const live = await trx
        .selectFrom('funding_cards')
        .select(['number_hmac'])
        .where('user_id', '=', input.userId)
        .where('removed_at', 'is', null)
        .execute();
      if (live.some((card) => card.number_hmac === values.number_hmac)) {
        throw new DomainError(FUNDING_ERRORS.CARD_ALREADY_LINKED);
      }
      if (live.length >= CARDS_PER_USER_MAX) throw new DomainError(FUNDING_ERRORS.CARDS_TOO_MANY);
      return trx.insertInto('funding_cards').values(values).returningAll().executeTakeFirstOrThrow();
    });
  }
  try {
    return toCardView(await insert(row));
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === UNIQUE_VIOLATION) {
      throw new DomainError(FUNDING_ERRORS.CARD_ALREADY_LINKED);
    }
    throw error;
  }
}

export async function listCards(ctx: FundingContext, userId: string): Promise<CardView[]> {
  const rows = await ctx.db
    .selectFrom('funding_cards')
    .select(['id', 'last4', 'brand', 'bank', 'created_at'])
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(CARDS_PER_USER_MAX)
    .execute();
  return rows.map(toCardView);
}

/** Unlinks a card. Operations already pending on it still settle. Another user's card is 404. */
export async function removeCard(
  ctx: FundingContext,
  input: { userId: string; cardId: string },
): Promise<void> {
  const removed = await ctx.db
    .updateTable('funding_cards')
    .set({ removed_at: new Date(ctx.clock.nowMs()) })
    .where('id', '=', input.cardId)
    .where('user_id', '=', input.userId)
    .where('removed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!removed) throw new DomainError(FUNDING_ERRORS.CARD_NOT_FOUND);
}

/** The card-number HMAC key, derived from the master key (kept outside the database, so a
 *  stolen table cannot be matched against the ~10^9 numbers behind a BIN and last four). */
export function deriveCardHmacKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart card-number hmac v1', 32));
}
