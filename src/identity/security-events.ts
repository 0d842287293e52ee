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
