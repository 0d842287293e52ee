/**
 * Sessions: 256-bit random tokens, stored only as SHA-256. Idle timeout and absolute lifetime
 * from config (ASVS 5.0 V7.3: 30 minutes, 12 hours). Users see their sessions and end any one,
 * or all but the current one.
 */
import { createHash } from 'node:crypto';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import type { IdentityContext, Located } from './context.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import type { Executor } from './ports.ts';

/** A session's last-seen time is written at most this often, not on every request. */
const SESSION_TOUCH_INTERVAL_MS = 60_000;
export const SESSIONS_LISTED_MAX = 50;

export interface User {
  readonly id: string;
  readonly phoneE164: string;
  readonly displayName: string;
}

export interface SessionContext {
  readonly sessionId: string;
  readonly user: User;
  readonly csrfToken: string;
  readonly tokenSha256: string;
  readonly deviceId: string | null;
  /** When the user last re-authenticated in this session (step-up), if ever. */
  readonly stepUpAt: Date | null;
}

export interface SessionSummary {
  readonly id: string;
  readonly deviceId: string | null;
  readonly deviceName: string | null;
  readonly ip: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly userAgent: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly current: boolean;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface OpenedSession {
  readonly sessionId: string;
  readonly token: string;
  readonly csrfToken: string;
}

export async function openSession(
  executor: Executor,
  ctx: IdentityContext,
  input: {
    userId: string;
    deviceId: string | null;
    authMethods: readonly string[];
    origin: Located;
    stepUp: boolean;
  },
): Promise<OpenedSession> {
  const nowMs = ctx.clock.nowMs();
  const token = newSecretToken();
  const csrfToken = newSecretToken();
  const sessionId = newId('ses');
  await executor
    .insertInto('sessions')
    .values({
      id: sessionId,
      token_sha256: sha256Hex(token),
      user_id: input.userId,
      csrf_token: csrfToken,
      created_at: new Date(nowMs),
      last_seen_at: new Date(nowMs),
      expires_at: new Date(nowMs + ctx.config.sessionLifetimeMs),
      ended_at: null,
      user_agent: input.origin.userAgent?.slice(0, 512) ?? null,
      ip: input.origin.ip,
      device_id: input.deviceId,
      // Signing in with two factors just now is as fresh as a step-up.
      step_up_at: input.stepUp ? new Date(nowMs) : null,
      auth_methods: input.authMethods.join('+'),
      country: input.origin.location?.country ?? null,
      city: input.origin.location?.city ?? null,
    })
    .execute();
  return { sessionId, token, csrfToken };
}

export function createSessions(ctx: IdentityContext) {
  const { db, clock } = ctx;
  return {
    /** The session behind a token, or undefined when unknown, ended, idle too long or too old. */
    async authenticate(token: string): Promise<SessionContext | undefined> {
      const tokenSha256 = sha256Hex(token);
      const row = await db
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .select([
          's.id as session_id',
          's.csrf_token',
          's.last_seen_at',
          's.expires_at',
          's.ended_at',
          's.device_id',
          's.step_up_at',
          'u.id',
          'u.phone_e164',
          'u.display_name',
        ])
        .where('s.token_sha256', '=', tokenSha256)
        .executeTakeFirst();
      if (!row || row.ended_at) return undefined;
      const nowMs = clock.nowMs();
      if (nowMs >= row.expires_at.getTime()) return undefined;
      if (nowMs - row.last_seen_at.getTime() >= ctx.config.sessionIdleTimeoutMs) return undefined;
      if (nowMs - row.last_seen_at.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: new Date(nowMs) })
          .where('id', '=', row.session_id)
          .execute();
      }
      return {
        sessionId: row.session_id,
        user: { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name },
        csrfToken: row.csrf_token,
        tokenSha256,
        deviceId: row.device_id,
        stepUpAt: row.step_up_at,
      };
    },

    async list(userId: string, currentSessionId: string): Promise<SessionSummary[]> {
      const nowMs = clock.nowMs();
      const rows = await db
        .selectFrom('sessions as s')
        .leftJoin('devices as d', 'd.id', 's.device_id')
        .select([
          's.id',
          's.device_id',
          'd.name as device_name',
          's.ip',
          's.country',
          's.city',
          's.user_agent',
          's.created_at',
          's.last_seen_at',
        ])
        .where('s.user_id', '=', userId)
        .where('s.ended_at', 'is', null)
        .where('s.expires_at', '>', new Date(nowMs))
        .where('s.last_seen_at', '>', new Date(nowMs - ctx.config.sessionIdleTimeoutMs))
        .orderBy('s.last_seen_at', 'desc')
        .limit(SESSIONS_LISTED_MAX)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        deviceId: r.device_id,
        deviceName: r.device_name,
        ip: r.ip,
        country: r.country,
        city: r.city,
        userAgent: r.user_agent,
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        current: r.id === currentSessionId,
      }));
    },

    async end(userId: string, sessionId: string): Promise<void> {
      const result = await db
        .updateTable('sessions')
        .set({ ended_at: new Date(clock.nowMs()) })
        .where('id', '=', sessionId)
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.SESSION_NOT_FOUND);
    },

    /** Ends every session of the user except `keepSessionId` (null: all of them). */
    async endOthers(
      executor: Executor | undefined,
      userId: string,
      keepSessionId: string | null,
    ): Promise<number> {
      let query = (executor ?? db)
        .updateTable('sessions')
        .set({ ended_at: new Date(clock.nowMs()) })
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null);
      if (keepSessionId) query = query.where('id', '<>', keepSessionId);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async markStepUp(executor: Executor, sessionId: string): Promise<Date> {
      const at = new Date(clock.nowMs());
      await executor.updateTable('sessions').set({ step_up_at: at }).where('id', '=', sessionId).execute();
      return at;
    },
  };
}
