/**
 * Reads and writes of the payer's own settings and running totals: limits per channel (the
 * platform maxima when no row exists), password-free settings (off with the default caps when no
 * row exists), and the per-day totals that limits are checked against.
 */
import { sql, type Transaction } from 'kysely';
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
  if (row) return { perPaymentMinor: row.per_payment_minor, perDayMinor: row.per_day_minor };
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
  if (!row) {
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

function toUsage(row: UsageRow | undefined): DailyUsage {
  if (!row) return NO_USAGE;
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
  const column = sql.ref(USAGE_COLUMNS[input.channel]);
  const passwordFreeMinor = input.passwordFree ? input.amountMinor : 0n;
  await sql`
    UPDATE payment_daily_usage
    SET ${column} = ${column} + ${input.amountMinor},
        password_free_minor = password_free_minor + ${passwordFreeMinor}
    WHERE user_id = ${input.userId} AND day = ${input.day}`.execute(trx);
}
