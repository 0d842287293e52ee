/**
 * Users and sessions. Session tokens are 256-bit random values; only their SHA-256 is stored,
 * so a database leak yields no usable session. (Issue 3 grows this module: second factors,
 * devices, lockouts; the shapes here are the ones it extends.)
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/index.ts';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { hashSecret, verifySecret } from './passwords.ts';

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

export interface IdentityDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly sessionIdleTimeoutMs: number;
  readonly sessionLifetimeMs: number;
}

/** E.164: '+', country code, up to 15 digits. Issue 3 adds full parsing (libphonenumber-js). */
const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;
export const PASSWORD_LENGTH_MIN = 8; // NIST SP 800-63B §3.1.1.2
export const PASSWORD_LENGTH_MAX = 128;
/** A session's last-seen time is written at most this often, not on every request. */
const SESSION_TOUCH_INTERVAL_MS = 60_000;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type Identity = ReturnType<typeof createIdentity>;

export function createIdentity(deps: IdentityDeps) {
  const { db, clock } = deps;
  // Verified against when the phone is unknown, so a miss costs the same time as a wrong password
  // and the response time does not tell whether an account exists.
  const decoyHash = hashSecret(newSecretToken());

  return {
    async createUser(input: { phoneE164: string; displayName: string; password: string }): Promise<User> {
      if (!E164_PATTERN.test(input.phoneE164)) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      if (input.password.length < PASSWORD_LENGTH_MIN || input.password.length > PASSWORD_LENGTH_MAX) {
        throw new DomainError(IDENTITY_ERRORS.WEAK_PASSWORD);
      }
      const row = await db
        .insertInto('users')
        .values({
          id: newId('usr'),
          phone_e164: input.phoneE164,
          display_name: input.displayName,
          login_password_hash: await hashSecret(input.password),
          created_at: new Date(clock.nowMs()),
        })
        .onConflict((oc) => oc.column('phone_e164').doNothing())
        .returning(['id', 'phone_e164', 'display_name'])
        .executeTakeFirst();
      if (!row) throw new DomainError(IDENTITY_ERRORS.PHONE_TAKEN);
      return { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name };
    },

    async findUserByPhone(phoneE164: string): Promise<User | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'phone_e164', 'display_name'])
        .where('phone_e164', '=', phoneE164)
        .executeTakeFirst();
      return row && { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name };
    },

    /** Checks the login password and opens a session. The token is returned once, never stored. */
    async signIn(input: {
      phoneE164: string;
      password: string;
      userAgent?: string | undefined;
      ip?: string | undefined;
    }) {
      const row = await db
        .selectFrom('users')
        .select(['id', 'phone_e164', 'display_name', 'login_password_hash'])
        .where('phone_e164', '=', input.phoneE164)
        .executeTakeFirst();
      const ok = await verifySecret(row?.login_password_hash ?? (await decoyHash), input.password);
      if (!row || !ok) throw new DomainError(IDENTITY_ERRORS.INVALID_CREDENTIALS);
      const token = newSecretToken();
      const csrfToken = newSecretToken();
      const nowMs = clock.nowMs();
      await db
        .insertInto('sessions')
        .values({
          id: newId('ses'),
          token_sha256: sha256Hex(token),
          user_id: row.id,
          csrf_token: csrfToken,
          created_at: new Date(nowMs),
          last_seen_at: new Date(nowMs),
          expires_at: new Date(nowMs + deps.sessionLifetimeMs),
          ended_at: null,
          user_agent: input.userAgent?.slice(0, 512) ?? null,
          ip: input.ip ?? null,
        })
        .execute();
      const user: User = { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name };
      return { user, token, csrfToken };
    },

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
      if (nowMs - row.last_seen_at.getTime() >= deps.sessionIdleTimeoutMs) return undefined;
      if (nowMs - row.last_seen_at.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: new Date(nowMs) })
          .where('token_sha256', '=', tokenSha256)
          .execute();
      }
      return {
        user: { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name },
        csrfToken: row.csrf_token,
        tokenSha256,
        sessionId: row.session_id,
        deviceId: row.device_id,
        stepUpAt: row.step_up_at,
      };
    },

    async endSession(tokenSha256: string): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ ended_at: new Date(clock.nowMs()) })
        .where('token_sha256', '=', tokenSha256)
        .where('ended_at', 'is', null)
        .execute();
    },
  };
}
