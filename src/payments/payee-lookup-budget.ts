/**
 * The budget of phone look-ups per payer (see PAYEE_LOOKUPS_PER_*_MAX). Counted from the audit
 * trail itself, so every process of a scale-out deployment shares it without another store, and a
 * look-up that found nobody counts the same as one that did.
 */
import { sql } from 'kysely';
import type { Executor } from '../identity/index.ts';
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';
import { PAYEE_LOOKUPS_PER_DAY_MAX, PAYEE_LOOKUPS_PER_HOUR_MAX } from './constants.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Throws `rate_limited` (with `retryAfterMs`) when the payer has used up a window's budget. */
export async function enforcePayeeLookupBudget(
  executor: Executor,
  input: { payerId: string; nowMs: number },
): Promise<void> {
  const hourAgo = new Date(input.nowMs - HOUR_MS);
  const dayAgo = new Date(input.nowMs - DAY_MS);
  const { rows } = await sql<{
    in_hour: string | number | bigint;
    in_day: string | number | bigint;
    oldest_in_hour: Date | null;
    oldest_in_day: Date | null;
  }>`
    SELECT count(*) FILTER (WHERE created_at > ${hourAgo}) AS in_hour,
           count(*) AS in_day,
           min(created_at) FILTER (WHERE created_at > ${hourAgo}) AS oldest_in_hour,
           min(created_at) AS oldest_in_day
    FROM payment_audit
    WHERE user_id = ${input.payerId} AND type = 'payee_lookup' AND created_at > ${dayAgo}`.execute(executor);
  const row = rows[0];
  if (!row) return;
  // When the oldest look-up in a full window leaves it, one more fits.
  if (Number(row.in_hour) >= PAYEE_LOOKUPS_PER_HOUR_MAX && row.oldest_in_hour) {
    const retryAfterMs = new Date(row.oldest_in_hour).getTime() + HOUR_MS - input.nowMs;
    throw new DomainError(COMMON_ERRORS.RATE_LIMITED, { retryAfterMs: Math.max(retryAfterMs, 1) });
  }
  if (Number(row.in_day) >= PAYEE_LOOKUPS_PER_DAY_MAX && row.oldest_in_day) {
    const retryAfterMs = new Date(row.oldest_in_day).getTime() + DAY_MS - input.nowMs;
    throw new DomainError(COMMON_ERRORS.RATE_LIMITED, { retryAfterMs: Math.max(retryAfterMs, 1) });
  }
}
