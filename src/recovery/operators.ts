/**
 * Operator accounts (issue 7 point 7): a user name, a password (argon2id) and their own TOTP seed
 * or passkeys (one of them at every sign-in: operators hold the keys to every account, so one
 * factor is never enough; operator-passkeys.ts), a role, and sessions of their own (8 hours, 30 minutes idle). What a role may do is one
 * table, ROLE_PERMISSIONS; the HTTP edge checks it on every operator route and the use cases
 * receive the acting operator for the audit log.
 *
 * The static operator token of configuration keeps working as the bootstrap identity: a
 * supervisor named `bootstrap` (docs/recovery.md), so a fresh install can create its first
 * operators. Operators never see passwords, codes or full ID numbers: the views they get are
 * masked in this module, not in the console.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { hashSecret, verifySecret } from '../identity/index.ts';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { sha256Hex } from './crypto-util.ts';
import { RECOVERY_ERRORS } from './errors.ts';
import { createOperatorPasskeys } from './operator-passkeys.ts';

export const OPERATOR_ROLES = ['agent', 'risk_analyst', 'supervisor', 'auditor'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const OPERATOR_PERMISSIONS = [
  'users.read',
  'users.freeze',
  'users.unfreeze',
  'recoveries.read',
  'recoveries.decide',
  'claims.read',
  'claims.decide',
  'cases.read',
  'cases.decide',
  // Issue 5: the risk rule set, backtests and allow/block lists (read; save and edit).
  'rules.read',
  'rules.edit',
  'audit.read',
  'operators.manage',
] as const;
export type OperatorPermission = (typeof OPERATOR_PERMISSIONS)[number];

/** Who may do what. Agents serve customers (and see risk cases, to answer the customer);
 *  risk analysts work cases, money and the risk rules; supervisors may do everything; auditors
 *  only read (and are the only non-supervisors who read the log). */
export const ROLE_PERMISSIONS: Readonly<Record<OperatorRole, readonly OperatorPermission[]>> = {
  agent: ['users.read', 'users.freeze', 'recoveries.read', 'recoveries.decide', 'claims.read', 'cases.read'],
  risk_analyst: [
    'users.read',
    'users.freeze',
    'users.unfreeze',
    'recoveries.read',
    'claims.read',
    'claims.decide',
    'cases.read',
    'cases.decide',
    'rules.read',
    'rules.edit',
  ],
  supervisor: OPERATOR_PERMISSIONS,
  auditor: ['users.read', 'recoveries.read', 'claims.read', 'cases.read', 'rules.read', 'audit.read'],
};

export function mayDo(role: OperatorRole, permission: OperatorPermission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export interface OperatorPrincipal {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: OperatorRole;
  /** The static token of configuration, not an account. */
  readonly bootstrap: boolean;
  readonly sessionId: string | null;
}

export const BOOTSTRAP_OPERATOR: OperatorPrincipal = Object.freeze({
  id: 'bootstrap',
  username: 'bootstrap',
  displayName: 'Bootstrap token',
  role: 'supervisor',
  bootstrap: true,
  sessionId: null,
});

export const OPERATOR_SESSION_TTL_MS = 8 * 3600_000;
export const OPERATOR_SESSION_IDLE_MS = 30 * 60_000;
export const OPERATOR_FAILURES_MAX = 5;
export const OPERATOR_LOCK_MS = 15 * 60_000;
const TOTP_PERIOD_S = 30;
const USERNAME_PATTERN = /^[a-z][a-z0-9_.-]{2,31}$/;

function totpFor(secret: Secret): TOTP {
  return new TOTP({ issuer: 'Rampart Ops', algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S, secret });
}

export function createOperators(ctx: RecoveryContext) {
  const { db, clock, vault } = ctx;
  const decoyHash = hashSecret(newSecretToken());
  const passkeys = createOperatorPasskeys(ctx);

  const sealSeed = (id: string, base32: string) => {
    const key = vault.newDataKey();
    return `${key.keyId}:${key.wrappedDek}:${vault.sealText(key.dek, base32, `operator_totp:${id}`)}`;
  };
  const openSeed = (id: string, sealed: string) => {
    const [keyId = '', wrappedDek = '', body = ''] = sealed.split(':');
    return vault.openText(vault.openDataKey({ keyId, wrappedDek }), body, `operator_totp:${id}`);
  };

  return {
    passkeys,

    /** Creates an operator; returns the TOTP seed once, for their authenticator app. */
    async create(
      actor: OperatorPrincipal,
      input: {
        username: string;
        displayName: string;
        role: OperatorRole;
        password: string;
        totpSecret?: string | undefined;
      },
    ): Promise<{ id: string; totpSecret: string; otpauthUrl: string }> {
      if (!USERNAME_PATTERN.test(input.username))
        throw new DomainError(
          RECOVERY_ERRORS.OPERATOR_SIGN_IN_FAILED,
          undefined,
          'User names are 3–32 lower-case letters, digits or ._-',
        );
      if (input.password.length < 12 || input.password.length > 128)
        throw new DomainError(
          RECOVERY_ERRORS.OPERATOR_SIGN_IN_FAILED,
          undefined,
          'Operator passwords are 12 to 128 characters.',
        );
      const id = newId('opr');
      const secret = input.totpSecret
        ? Secret.fromBase32(input.totpSecret)
        : new Secret({ buffer: randomBytes(20).buffer });
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('operators')
          .values({
            id,
            username: input.username,
            display_name: input.displayName.slice(0, 64),
            role: input.role,
            password_hash: await hashSecret(input.password),
            totp_secret_sealed: sealSeed(id, secret.base32),
            created_at: new Date(nowMs),
          })
          .onConflict((oc) => oc.column('username').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) throw new DomainError(RECOVERY_ERRORS.OPERATOR_EXISTS);
        await writeAudit(trx, nowMs, {
          actor: { kind: 'operator', id: actor.id, role: actor.role },
          action: 'operator_created',
          subjectId: id,
          details: { username: input.username, role: input.role },
        });
      });
      const totp = totpFor(secret);
      totp.label = input.username;
      return { id, totpSecret: secret.base32, otpauthUrl: totp.toString() };
    },

    async list() {
      const rows = await db
        .selectFrom('operators')
        .select(['id', 'username', 'display_name', 'role', 'disabled_at', 'created_at'])
        .orderBy('username')
        .limit(500)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        username: r.username,
        displayName: r.display_name,
        role: r.role,
        disabled: Boolean(r.disabled_at),
        createdAt: r.created_at,
      }));
    },

    /** Password + TOTP or password + passkey, or nothing. The same answer for an unknown name, a
     *  wrong password, a wrong code and a refused passkey; 5 failures lock the account for 15
     *  minutes; each TOTP step is used once, each passkey ceremony too. */
    async signIn(
      input: {
        username: string;
        password: string;
        code?: string | undefined;
        passkey?: { ceremonyId: string; response: unknown } | undefined;
      },
      ip: string,
    ): Promise<{ token: string; operator: OperatorPrincipal; expiresAt: Date }> {
      await ctx.identity.recoverySupport.rateLimit('credential_ip', `ops:${ip}`);
      const nowMs = clock.nowMs();
      const row = await db
        .selectFrom('operators')
        .selectAll()
        .where('username', '=', input.username.slice(0, 32))
        .executeTakeFirst();
      const passwordOk = await verifySecret(row?.password_hash ?? (await decoyHash), input.password);
      if (row?.locked_until && row.locked_until.getTime() > nowMs)
        throw new DomainError(RECOVERY_ERRORS.OPERATOR_LOCKED);
      let step: bigint | null = null;
      let passkeyOk = false;
      if (row && passwordOk && !row.disabled_at && input.passkey) {
        passkeyOk = (await passkeys.verifySignIn(input.passkey)) === row.id;
      } else if (row && passwordOk && !row.disabled_at && input.code && /^[0-9]{6}$/.test(input.code)) {
        const delta = totpFor(Secret.fromBase32(openSeed(row.id, row.totp_secret_sealed))).validate({
          token: input.code,
          timestamp: nowMs,
          window: 1,
        });
        if (delta !== null) step = BigInt(TOTP.counter({ period: TOTP_PERIOD_S, timestamp: nowMs }) + delta);
      }
      if (!row || (step === null && !passkeyOk)) {
        if (row) {
          const failures = row.failures + 1;
          await db
            .updateTable('operators')
            .set(
              failures >= OPERATOR_FAILURES_MAX
                ? { failures: 0, locked_until: new Date(nowMs + OPERATOR_LOCK_MS) }
                : { failures },
            )
            .where('id', '=', row.id)
            .execute();
          await writeAudit(db, nowMs, {
            actor: { kind: 'anonymous' },
            action: 'operator_sign_in_failed',
            subjectId: row.id,
            details: { ip },
          });
        }
        throw new DomainError(RECOVERY_ERRORS.OPERATOR_SIGN_IN_FAILED);
      }
      if (step !== null) {
        // A TOTP step is accepted once (RFC 6238 §5.2): a code seen over a shoulder is spent.
        const claimed = await db
          .updateTable('operators')
          .set({ totp_last_step: step, failures: 0, locked_until: null })
          .where('id', '=', row.id)
          .where('totp_last_step', '<', step)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1)
          throw new DomainError(RECOVERY_ERRORS.OPERATOR_SIGN_IN_FAILED);
      } else {
        await db
          .updateTable('operators')
          .set({ failures: 0, locked_until: null })
          .where('id', '=', row.id)
          .execute();
      }
      const token = `ops_${newSecretToken()}`;
      const sessionId = newId('ops');
      const expiresAt = new Date(nowMs + OPERATOR_SESSION_TTL_MS);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('operator_sessions')
          .values({
            id: sessionId,
            token_sha256: sha256Hex(token),
            operator_id: row.id,
            created_at: new Date(nowMs),
            last_seen_at: new Date(nowMs),
            expires_at: expiresAt,
          })
          .execute();
        await writeAudit(trx, nowMs, {
          actor: { kind: 'operator', id: row.id, role: row.role },
          action: 'operator_signed_in',
          subjectId: sessionId,
          details: { ip, with: passkeyOk ? 'passkey' : 'totp' },
        });
      });
      return {
        token,
        expiresAt,
        operator: {
          id: row.id,
          username: row.username,
          displayName: row.display_name,
          role: row.role,
          bootstrap: false,
          sessionId,
        },
      };
    },

    async authenticate(token: string): Promise<OperatorPrincipal | undefined> {
      const nowMs = clock.nowMs();
      const row = await db
        .selectFrom('operator_sessions as s')
        .innerJoin('operators as o', 'o.id', 's.operator_id')
        .select([
          's.id as session_id',
          's.expires_at',
          's.last_seen_at',
          's.ended_at',
          'o.id',
          'o.username',
          'o.display_name',
          'o.role',
          'o.disabled_at',
        ])
        .where('s.token_sha256', '=', sha256Hex(token))
        .executeTakeFirst();
      if (!row || row.ended_at || row.disabled_at) return undefined;
      if (nowMs >= row.expires_at.getTime() || nowMs - row.last_seen_at.getTime() >= OPERATOR_SESSION_IDLE_MS)
        return undefined;
      await db
        .updateTable('operator_sessions')
        .set({ last_seen_at: new Date(nowMs) })
        .where('id', '=', row.session_id)
        .execute();
      return {
        id: row.id,
        username: row.username,
        displayName: row.display_name,
        role: row.role,
        bootstrap: false,
        sessionId: row.session_id,
      };
    },

    async signOut(principal: OperatorPrincipal): Promise<void> {
      if (!principal.sessionId) return;
      await db
        .updateTable('operator_sessions')
        .set({ ended_at: new Date(clock.nowMs()) })
        .where('id', '=', principal.sessionId)
        .execute();
    },
  };
}

export type Operators = ReturnType<typeof createOperators>;
