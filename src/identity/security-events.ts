/**
 * Security events: every sign-in, failure, factor added or removed, password change, lock and
 * unlock, with device and location. Shown to the user as "recent activity", read by the risk
 * engine and by operators.
 */
import type { Kysely } from 'kysely';
import { SECURITY_EVENT_TYPES } from '../../contracts/security-event-types.ts';
import type { Database } from '../store/index.ts';
import type { Executor } from './ports.ts';

export { SECURITY_EVENT_TYPES };
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

export interface SecurityEventInput {
  readonly userId: string | null;
  readonly type: SecurityEventType;
  readonly deviceId?: string | null | undefined;
  readonly sessionId?: string | null | undefined;
  readonly ip?: string | null | undefined;
  readonly country?: string | null | undefined;
  readonly city?: string | null | undefined;
  /** Never secrets, codes or full ID numbers. */
  readonly details?: Record<string, string | number | boolean | null> | undefined;
}

export interface SecurityEvent {
  readonly id: bigint;
  readonly type: SecurityEventType;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

export async function recordSecurityEvent(
  executor: Executor,
  nowMs: number,
  input: SecurityEventInput,
): Promise<bigint> {
  const row = await executor
    .insertInto('security_events')
    .values({
      user_id: input.userId,
      type: input.type,
      device_id: input.deviceId ?? null,
      session_id: input.sessionId ?? null,
      ip: input.ip ?? null,
      country: input.country ?? null,
      city: input.city ?? null,
      details: JSON.stringify(input.details ?? {}),
      created_at: new Date(nowMs),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const SECURITY_EVENTS_PAGE_MAX = 100;

export async function listSecurityEvents(
  db: Kysely<Database>,
  input: { userId: string; limit: number; beforeId?: bigint | undefined },
): Promise<SecurityEvent[]> {
  let query = db
    .selectFrom('security_events')
    .selectAll()
    .where('user_id', '=', input.userId)
    .orderBy('id', 'desc')
    .limit(Math.min(input.limit, SECURITY_EVENTS_PAGE_MAX));
  if (input.beforeId !== undefined) query = query.where('id', '<', input.beforeId);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    type: row.type as SecurityEventType,
    deviceId: row.device_id,
    ip: row.ip,
    country: row.country,
    city: row.city,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
    createdAt: row.created_at,
  }));
}

/** One wrong payment-password entry, as its security event recorded it. */
export interface PaymentPasswordFailure {
  readonly id: bigint;
  readonly userId: string;
  readonly ip: string | null;
  readonly country: string | null;
  readonly atMs: number;
}

/**
 * The wrong payment-password entries recorded in [sinceMs, untilMs], oldest first; at most
 * `limit`, the newest kept. Read once at boot in embedded mode (the risk windows' rebuild).
 */
export async function listPaymentPasswordFailures(
  db: Kysely<Database>,
  input: { sinceMs: number; untilMs: number; limit: number },
): Promise<PaymentPasswordFailure[]> {
  const rows = await paymentPasswordFailuresQuery(db, input).execute();
  return rows.reverse().flatMap((row) =>
    row.user_id === null
      ? []
      : [
          {
            id: row.id,
            userId: row.user_id,
            ip: row.ip,
            country: row.country,
            atMs: row.created_at.getTime(),
          },
        ],
  );
}

/**
 * listPaymentPasswordFailures' read, on its own so a test can EXPLAIN it: its filter and order are
 * those of the partial index `security_events_payment_password_failed` (migration 0019), so it
 * reads the window's failures newest first off that index instead of scanning every security event.
 */
export function paymentPasswordFailuresQuery(
  db: Kysely<Database>,
  input: { sinceMs: number; untilMs: number; limit: number },
) {
  return db
    .selectFrom('security_events')
    .select(['id', 'user_id', 'ip', 'country', 'created_at'])
    .where('type', '=', 'payment_password_failed')
    .where('user_id', 'is not', null)
    .where('created_at', '>=', new Date(input.sinceMs))
    .where('created_at', '<=', new Date(input.untilMs))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(input.limit);
}

/** The step-up methods that are a second factor (everything but the payment password). */
export const SECOND_FACTOR_STEP_UP_METHODS = ['sms', 'totp', 'backup_code', 'passkey'] as const;

/** Step-ups read back per session: enough for any 5-minute window (each costs a code or a
 *  password, and step-ups are rate limited per account). */
const STEP_UPS_READ_MAX = 10;

export interface RecordedStepUp {
  readonly method: string;
  /** The login password came with this step-up: the identity check (account-security.ts). */
  readonly withPassword: boolean;
}

/** This session's step-ups since `sinceMs`, newest first, as their security events recorded them
 *  (account-security.ts records every step-up with its method). */
export async function stepUpsSince(
  executor: Executor,
  input: { userId: string; sessionId: string; sinceMs: number },
): Promise<RecordedStepUp[]> {
  const events = await executor
    .selectFrom('security_events')
    .select(['details'])
    .where('user_id', '=', input.userId)
    .where('session_id', '=', input.sessionId)
    .where('type', '=', 'step_up')
    .where('created_at', '>=', new Date(input.sinceMs))
    .orderBy('id', 'desc')
    .limit(STEP_UPS_READ_MAX)
    .execute();
  return events.flatMap((e) =>
    typeof e.details.method === 'string'
      ? [{ method: e.details.method, withPassword: e.details.password === true }]
      : [],
  );
}

/** Whether this session re-authenticated with a second factor (not the payment password) since
 *  `sinceMs`. The security lock (src/protection) and the risk engine's challenge both use it. */
export async function hasSecondFactorStepUpSince(
  executor: Executor,
  input: { userId: string; sessionId: string; sinceMs: number },
): Promise<boolean> {
  const methods: readonly string[] = SECOND_FACTOR_STEP_UP_METHODS;
  return (await stepUpsSince(executor, input)).some((s) => methods.includes(s.method));
}

/** The security events that change who can get into the account or move its money. */
export const ACCOUNT_TAKEOVER_CHANGES: readonly SecurityEventType[] = [
  'password_changed',
  'payment_password_changed',
  'phone_changed',
  'email_changed',
  'totp_disabled',
  'passkey_removed',
  'password_reset',
  'payment_password_reset',
];

/** When the user last changed a password, the phone, the e-mail or removed a factor (issue 5:
 *  money moved right after such a change is the takeover pattern), or null. */
export async function lastSecurityChangeAt(executor: Executor, userId: string): Promise<Date | null> {
  const row = await executor
    .selectFrom('security_events')
    .select('created_at')
    .where('user_id', '=', userId)
    .where('type', 'in', ACCOUNT_TAKEOVER_CHANGES)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}
