/**
 * Reads and writes of the payer's own settings and running totals: limits per channel (the
 * platform maxima when no row exists), password-free settings (off with the default caps when no
 * row exists), and the per-day totals that limits are checked against.
 */
import type { Transaction } from 'kysely';
import type { Executor } from '../identity/index.ts';
import type { Database } from '../store/index.ts';
import {
  PASSWORD_FREE_DEFAULT_DAILY_MINOR,
  PASSWORD_FREE_DEFAULT_PER_PAYMENT_MINOR,
  type PaymentChannel,
  PLATFORM_LIMITS_MINOR,
} from './constants.ts';
import type { ChannelLimits, PasswordFreeSettings } from './rules.ts';

export interface DailyUsage {
  readonly spentMinor: Readonly<Record<PaymentChannel, bigint>>;
  readonly passwordFreeMinor: bigint;
}

const NO_USAGE: DailyUsage = Object.freeze({
  spentMinor: Object.freeze({ balance: 0n, bank_card: 0n, credit_line: 0n }),
  passwordFreeMinor: 0n,
});

/** The usage column of each channel (a fixed set: a new channel is a migration anyway). */
const USAGE_COLUMNS = Object.freeze({
  balance: 'balance_minor',
  bank_card: 'bank_card_minor',
  credit_line: 'credit_line_minor',
} as const satisfies Record<PaymentChannel, string>);

export async function loadAllLimits(
  executor: Executor,
  userId: string,
): Promise<Record<PaymentChannel, ChannelLimits>> {
  const rows = await executor
    .selectFrom('payment_limits')
    .select(['channel', 'per_payment_minor', 'per_day_minor'])
    .where('user_id', '=', userId)
    .execute();
  const limitsOf = (channel: PaymentChannel): ChannelLimits => {
    const row = rows.find((r) => r.channel === channel);
    const platform = PLATFORM_LIMITS_MINOR[channel];
    return row
      ? { perPaymentMinor: row.per_payment_minor, perDayMinor: row.per_day_minor }
      : { perPaymentMinor: platform.perPaymentMinor, perDayMinor: platform.perDayMinor };
  };
  return {
    balance: limitsOf('balance'),
    bank_card: limitsOf('bank_card'),
    credit_line: limitsOf('credit_line'),
  };
}

export async function loadChannelLimits(
  executor: Executor,
  userId: string,
  channel: PaymentChannel,
): Promise<ChannelLimits> {
  const row = await executor
    .selectFrom('payment_limits')
    .select(['per_payment_minor', 'per_day_minor'])
    .where('user_id', '=', userId)
    .where('channel', '=', channel)
    .executeTakeFirst();
  return toChannelLimits(channel, row);
}

function toChannelLimits(
  channel: PaymentChannel,
  row: { per_payment_minor: bigint | null; per_day_minor: bigint | null } | undefined,
): ChannelLimits {
  if (row && row.per_payment_minor !== null && row.per_day_minor !== null) {
    return { perPaymentMinor: row.per_payment_minor, perDayMinor: row.per_day_minor };
  }
  const platform = PLATFORM_LIMITS_MINOR[channel];
  return { perPaymentMinor: platform.perPaymentMinor, perDayMinor: platform.perDayMinor };
}

export async function saveChannelLimits(
  executor: Executor,
  input: { userId: string; channel: PaymentChannel; limits: ChannelLimits; nowMs: number },
): Promise<void> {
  const values = {
    per_payment_minor: input.limits.perPaymentMinor,
    per_day_minor: input.limits.perDayMinor,
    updated_at: new Date(input.nowMs),
  };
  await executor
    .insertInto('payment_limits')
    .values({ user_id: input.userId, channel: input.channel, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'channel']).doUpdateSet(values))
    .execute();
}

export async function loadPasswordFree(executor: Executor, userId: string): Promise<PasswordFreeSettings> {
  const row = await executor
    .selectFrom('password_free_settings')
    .select(['enabled', 'per_payment_cap_minor', 'daily_cap_minor'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return toPasswordFree(row);
}

function toPasswordFree(
  row:
    | { enabled: boolean | null; per_payment_cap_minor: bigint | null; daily_cap_minor: bigint | null }
    | undefined,
): PasswordFreeSettings {
  if (!row || row.enabled === null || row.per_payment_cap_minor === null || row.daily_cap_minor === null) {
    return {
      enabled: false,
      perPaymentCapMinor: PASSWORD_FREE_DEFAULT_PER_PAYMENT_MINOR,
      dailyCapMinor: PASSWORD_FREE_DEFAULT_DAILY_MINOR,
    };
  }
  return {
    enabled: row.enabled,
    perPaymentCapMinor: row.per_payment_cap_minor,
    dailyCapMinor: row.daily_cap_minor,
  };
}

export async function savePasswordFree(
  executor: Executor,
  input: { userId: string; settings: PasswordFreeSettings; nowMs: number },
): Promise<void> {
  const values = {
    enabled: input.settings.enabled,
    per_payment_cap_minor: input.settings.perPaymentCapMinor,
    daily_cap_minor: input.settings.dailyCapMinor,
    updated_at: new Date(input.nowMs),
  };
  await executor
    .insertInto('password_free_settings')
    .values({ user_id: input.userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

type UsageRow = {
  balance_minor: bigint;
  bank_card_minor: bigint;
  credit_line_minor: bigint;
  password_free_minor: bigint;
};

type NullableUsageRow = { [K in keyof UsageRow]: UsageRow[K] | null };

function toUsage(row: NullableUsageRow | undefined): DailyUsage {
  if (
    !row ||
    row.balance_minor === null ||
    row.bank_card_minor === null ||
    row.credit_line_minor === null ||
    row.password_free_minor === null
  ) {
    return NO_USAGE;
  }
  return {
    spentMinor: {
      balance: row.balance_minor,
      bank_card: row.bank_card_minor,
      credit_line: row.credit_line_minor,
    },
    passwordFreeMinor: row.password_free_minor,
  };
}

/** Today's totals, unlocked: for showing allowances and for the early check at intent creation. */
export async function loadUsage(executor: Executor, userId: string, day: string): Promise<DailyUsage> {
  const row = await executor
    .selectFrom('payment_daily_usage')
    .select(['balance_minor', 'bank_card_minor', 'credit_line_minor', 'password_free_minor'])
    .where('user_id', '=', userId)
    .where('day', '=', day)
    .executeTakeFirst();
  return toUsage(row);
}

/**
 * Today's totals, row-locked until the caller's transaction ends: the payer's confirmations run
 * one at a time from here on, so two payments cannot both fit the last of an allowance.
 */
export async function lockUsage(
  trx: Transaction<Database>,
  userId: string,
  day: string,
): Promise<DailyUsage> {
  await trx
    .insertInto('payment_daily_usage')
    .values({ user_id: userId, day })
    .onConflict((oc) => oc.columns(['user_id', 'day']).doNothing())
    .execute();
  const row = await trx
    .selectFrom('payment_daily_usage')
    .select(['balance_minor', 'bank_card_minor', 'credit_line_minor', 'password_free_minor'])
    .where('user_id', '=', userId)
    .where('day', '=', day)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return toUsage(row);
}

export async function addUsage(
  trx: Transaction<Database>,
  input: { userId: string; day: string; channel: PaymentChannel; amountMinor: bigint; passwordFree: boolean },
): Promise<void> {
  await usageIncrement(trx, input).execute();
}

/** The UPDATE that adds a payment to today's totals (on the row lockUsage/lockPayerSettings
 *  locked): run alone by addUsage, or as a CTE of the statement that marks the intent settled. */
export function usageIncrement(
  executor: Executor,
  input: { userId: string; day: string; channel: PaymentChannel; amountMinor: bigint; passwordFree: boolean },
) {
  const column = USAGE_COLUMNS[input.channel];
  const passwordFreeMinor = input.passwordFree ? input.amountMinor : 0n;
  return executor
    .updateTable('payment_daily_usage')
    .set(column, (eb) => eb(column, '+', input.amountMinor))
    .set('password_free_minor', (eb) => eb('password_free_minor', '+', passwordFreeMinor))
    .where('user_id', '=', input.userId)
    .where('day', '=', input.day);
}

/** Everything a payment is checked against, read together (one round trip instead of four). */
export interface PayerSettings {
  readonly limits: ChannelLimits;
  readonly passwordFree: PasswordFreeSettings;
  readonly usage: DailyUsage;
}

/**
 * At intent creation: whether the payer is frozen, the wrong payment-password entries since the
 * last success (for the risk engine), the channel's limits, the password-free settings and
 * today's totals, unlocked, in one statement (the rows are each optional: a missing row means
 * the platform default, as in the single reads above).
 */
export async function loadPayerSettings(
  executor: Executor,
  input: { userId: string; day: string; channel: PaymentChannel },
): Promise<PayerSettings & { readonly frozen: boolean; readonly failedPaymentPasswords: number }> {
  const row = await executor
    .selectFrom('users as u')
    .leftJoin('payment_limits as l', (join) =>
      join.onRef('l.user_id', '=', 'u.id').on('l.channel', '=', input.channel),
    )
    .leftJoin('payment_daily_usage as d', (join) =>
      join.onRef('d.user_id', '=', 'u.id').on('d.day', '=', input.day),
    )
    .leftJoin('password_free_settings as p', 'p.user_id', 'u.id')
    .select([
      'u.frozen_at',
      'u.payment_failures',
      'l.per_payment_minor',
      'l.per_day_minor',
      'd.balance_minor',
      'd.bank_card_minor',
      'd.credit_line_minor',
      'd.password_free_minor',
      'p.enabled',
      'p.per_payment_cap_minor',
      'p.daily_cap_minor',
    ])
    .where('u.id', '=', input.userId)
    .executeTakeFirstOrThrow();
  return {
    frozen: row.frozen_at !== null,
    failedPaymentPasswords: row.payment_failures,
    limits: toChannelLimits(input.channel, row),
    passwordFree: toPasswordFree(row),
    usage: toUsage(row),
  };
}

/**
 * In the confirming transaction: today's totals row-locked until the transaction ends (as
 * lockUsage), with the channel's limits and the password-free settings, in one statement. The
 * upsert's DO UPDATE takes the same row lock FOR UPDATE would, and under READ COMMITTED it
 * returns the latest committed totals after waiting for a concurrent confirmation; it writes a
 * new row version that addUsage then updates in place.
 */
export async function lockPayerSettings(
  trx: Transaction<Database>,
  input: { userId: string; day: string; channel: PaymentChannel },
): Promise<PayerSettings> {
  const row = await trx
    .with('usage', (db) =>
      db
        .insertInto('payment_daily_usage')
        .values({ user_id: input.userId, day: input.day })
        .onConflict((oc) =>
          oc.columns(['user_id', 'day']).doUpdateSet((eb) => ({ day: eb.ref('excluded.day') })),
        )
        .returning([
          'user_id',
          'balance_minor',
          'bank_card_minor',
          'credit_line_minor',
          'password_free_minor',
        ]),
    )
    .selectFrom('usage')
    .leftJoin('payment_limits as l', (join) =>
      join.onRef('l.user_id', '=', 'usage.user_id').on('l.channel', '=', input.channel),
    )
    .leftJoin('password_free_settings as p', 'p.user_id', 'usage.user_id')
    .select([
      'usage.balance_minor',
      'usage.bank_card_minor',
      'usage.credit_line_minor',
      'usage.password_free_minor',
      'l.per_payment_minor',
      'l.per_day_minor',
      'p.enabled',
      'p.per_payment_cap_minor',
      'p.daily_cap_minor',
    ])
    .executeTakeFirstOrThrow();
  return {
    limits: toChannelLimits(input.channel, row),
    passwordFree: toPasswordFree(row),
    usage: toUsage(row),
  };
}
