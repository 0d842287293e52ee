/**
 * The signed-out, self-service paths of issue 7, one shape for all: start with a phone number →
 * an SMS code to the bound phone → the kind's other proofs → done.
 *
 *   freeze          the code alone freezes (points 1, "signed out with phone + SMS code")
 *   unfreeze        code + real name and ID number + TOTP, passkey or backup code, and new login
 *                   and payment passwords in the same step (point 3); after an operator approved
 *                   the unfreeze, code + new passwords
 *   forgot_login    code + one more factor (TOTP, passkey, backup code, or the ID check) + a new
 *                   login password (point 4)
 *   forgot_payment  code + real name + ID number + the human check + a new payment password
 *
 * Enumeration: `start` answers the same for every well-formed phone number — a token, and for
 * forgot_payment a question — whether or not an account exists; an unknown number simply never
 * gets a code, so its attempt can never pass `verifyCode` (`invalid_code`, as for a wrong code).
 * The second factors available are listed only after the code proved possession of the phone.
 *
 * Limits: code sends per phone and per IP (identity's code_send bucket), five tries per attempt
 * across all its steps, 15 minutes per attempt, every step audited.
 */

import { FACTOR_ERRORS, IDENTITY_ERRORS, type Located, normalizePhone } from '../identity/index.ts';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { sha256Hex } from './crypto-util.ts';
import { RECOVERY_ERRORS } from './errors.ts';
import { newHumanCheck, normalizeHumanAnswer } from './human-check.ts';
import type { IdentityData } from './identity-data.ts';

export const ATTEMPT_TTL_MS = 15 * 60_000;
export const ATTEMPT_TRIES_MAX = 5;
/** How long an operator's unfreeze approval waits for the owner to set new passwords. */
export const OPERATOR_UNFREEZE_TTL_MS = 72 * 3600_000;

export type AttemptKind = 'freeze' | 'unfreeze' | 'forgot_login' | 'forgot_payment';

export interface AttemptStarted {
  readonly attemptToken: string;
  readonly expiresAt: Date;
  /** forgot_payment only: the question of the human check. */
  readonly humanCheck: string | null;
}

export interface AttemptMethods {
  readonly totp: boolean;
  readonly passkey: boolean;
  readonly backupCode: boolean;
  readonly idCheck: boolean;
  /** unfreeze only: support approved it, so only new passwords are needed. */
  readonly operatorApproved: boolean;
}

export type OtherFactor =
  | { method: 'totp' | 'backup_code'; code: string }
  | { method: 'passkey'; ceremonyId: string; response: unknown }
  | { method: 'id_check'; realName: string; idNumber: string };

export function createSelfService(ctx: RecoveryContext, identityData: IdentityData) {
  const { db, clock } = ctx;
  const support = ctx.identity.recoverySupport;

  async function operatorApproval(userId: string, nowMs: number) {
    return db
      .selectFrom('recovery_attempts')
      .select('id')
      .where('user_id', '=', userId)
      .where('kind', '=', 'operator_unfreeze')
      .where('completed_at', 'is', null)
      .where('expires_at', '>', new Date(nowMs))
      .executeTakeFirst();
  }

  /** Loads a live attempt of `kind` and takes one of its tries (atomically). */
  async function takeTry(token: string, kind: AttemptKind) {
    const nowMs = clock.nowMs();
    const row = await db
      .updateTable('recovery_attempts')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('token_sha256', '=', sha256Hex(token))
      .where('kind', '=', kind)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', new Date(nowMs))
      .where('attempts', '<', ATTEMPT_TRIES_MAX)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DomainError(RECOVERY_ERRORS.ATTEMPT_INVALID);
    return row;
  }

  async function audit(
    action: string,
    userId: string | null,
    attemptId: string,
    details: Record<string, string | number | boolean | null> = {},
  ) {
    await writeAudit(db, clock.nowMs(), {
      actor: userId ? { kind: 'user', id: userId } : { kind: 'anonymous' },
      action,
      userId,
      subjectId: attemptId,
      details,
    });
  }

  async function failed(
    kind: AttemptKind,
    userId: string | null,
    attemptId: string,
    reason: string,
  ): Promise<never> {
    await audit('recovery_failed', userId, attemptId, { kind, reason });
    throw new DomainError(RECOVERY_ERRORS.VERIFICATION_FAILED);
  }

  async function checkOtherFactor(
    userId: string,
    attemptId: string,
    factor: OtherFactor | undefined,
  ): Promise<boolean> {
    if (!factor) return false;
    if (factor.method === 'id_check') return identityData.matches(userId, factor);
    try {
      await support.verifyOtherFactor({
        userId,
        method: factor.method,
        code: 'code' in factor ? factor.code : undefined,
        ceremonyId: 'ceremonyId' in factor ? factor.ceremonyId : undefined,
        response: 'response' in factor ? factor.response : undefined,
        subjectId: attemptId,
      });
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  }

  /** The attempt after its SMS code verified; `user_id` is then always set. */
  async function verifiedAttempt(token: string, kind: AttemptKind) {
    const row = await takeTry(token, kind);
    if (!row.code_verified_at || !row.user_id) throw new DomainError(RECOVERY_ERRORS.ATTEMPT_INVALID);
    return { ...row, user_id: row.user_id };
  }

  async function complete(
    attemptId: string,
    kind: AttemptKind,
    userId: string,
    startedAt: Date,
    /** An unfreeze that an operator's approval allowed: the last step of a manual recovery. */
    afterApproval = false,
  ) {
    const nowMs = clock.nowMs();
    const done = await db
      .updateTable('recovery_attempts')
      .set({ completed_at: new Date(nowMs) })
      .where('id', '=', attemptId)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw new DomainError(RECOVERY_ERRORS.ATTEMPT_INVALID);
    await audit('recovery_succeeded', userId, attemptId, {
      kind,
      durationMs: nowMs - startedAt.getTime(),
      ...(afterApproval ? { afterApproval: true } : {}),
    });
  }

  return {
    async start(kind: AttemptKind, phoneInput: string, origin: Located): Promise<AttemptStarted> {
      const phone = normalizePhone(phoneInput);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      await support.rateLimit('credential_ip', `recovery:${origin.ip}`);
      await support.rateLimit('code_send', `recovery:${phone}`);
      const nowMs = clock.nowMs();
      const user = await ctx.identity.findUserByPhone(phone);
      const token = newSecretToken();
      const id = newId('rca');
      const check = kind === 'forgot_payment' ? newHumanCheck() : null;
      const expiresAt = new Date(nowMs + ATTEMPT_TTL_MS);
      await db
        .insertInto('recovery_attempts')
        .values({
          id,
          token_sha256: sha256Hex(token),
          kind,
          user_id: user?.id ?? null,
          human_answer_hmac: check ? ctx.vault.searchHmac(`human:${id}:${check.answer}`) : null,
          created_at: new Date(nowMs),
          expires_at: expiresAt,
        })
        .execute();
      await audit('recovery_started', user?.id ?? null, id, { kind, known: Boolean(user) });
      if (user) await support.sendRecoveryCode({ userId: user.id, subjectId: id, locale: origin.locale });
      return { attemptToken: token, expiresAt, humanCheck: check?.question ?? null };
    },

    /** Checks the SMS code. Freeze attempts freeze right here; the others learn their methods. */
    async verifyCode(
      kind: AttemptKind,
      input: { attemptToken: string; code: string },
      origin: Located,
    ): Promise<AttemptMethods> {
      await support.rateLimit('code_verify', `recovery:${origin.ip}`);
      const row = await takeTry(input.attemptToken, kind);
      if (row.code_verified_at) throw new DomainError(RECOVERY_ERRORS.ATTEMPT_INVALID);
      if (!row.user_id) {
        await audit('recovery_failed', null, row.id, { kind, reason: 'code' });
        throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);
      }
      const userId = row.user_id;
      try {
        await support.verifyRecoveryCode({ userId, subjectId: row.id, code: input.code });
      } catch (error) {
        await audit('recovery_failed', userId, row.id, { kind, reason: 'code' });
        throw error;
      }
      const nowMs = clock.nowMs();
      await db
        .updateTable('recovery_attempts')
        .set({ code_verified_at: new Date(nowMs) })
        .where('id', '=', row.id)
        .execute();
      if (kind === 'freeze') {
        await db.transaction().execute(async (trx) => {
          await support.freeze(trx, { userId, reason: 'user_signed_out', origin });
          await writeAudit(trx, nowMs, {
            actor: { kind: 'user', id: userId },
            action: 'account_frozen',
            userId,
            subjectId: row.id,
            details: { by: 'signed_out' },
          });
        });
        await complete(row.id, kind, userId, row.created_at);
      }
      const factors = await support.factorsOf(userId);
      return {
        totp: factors.totp,
        passkey: factors.passkey,
        backupCode: factors.backupCodes,
        idCheck: (await identityData.view(userId)) !== null,
        operatorApproved: kind === 'unfreeze' && Boolean(await operatorApproval(userId, nowMs)),
      };
    },

    /**
     * Freeze without the phone (it may be the stolen thing): phone number + real name + ID number.
     * The answer is the same whether or not the details matched an account, and a mismatch is
     * only audited; rate-limited per IP and per phone like the SMS path. Freezing is protective,
     * so the worst a stranger holding all three details can do is freeze the owner's account,
     * which the owner undoes by unfreezing.
     */
    async freezeById(
      input: { phone: string; realName: string; idNumber: string },
      origin: Located,
    ): Promise<void> {
      const phone = normalizePhone(input.phone);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      await support.rateLimit('credential_ip', `recovery:${origin.ip}`);
      await support.rateLimit('credential_account', `freeze-id:${phone}`);
      const user = await ctx.identity.findUserByPhone(phone);
      const matches = user ? await identityData.matches(user.id, input) : false;
      const nowMs = clock.nowMs();
      if (!user || !matches) {
        await writeAudit(db, nowMs, {
          actor: { kind: 'anonymous' },
          action: 'freeze_by_id_failed',
          userId: user?.id ?? null,
          details: { known: Boolean(user) },
        });
        return;
      }
      await db.transaction().execute(async (trx) => {
        await support.freeze(trx, { userId: user.id, reason: 'user_signed_out', origin });
        await writeAudit(trx, nowMs, {
          actor: { kind: 'user', id: user.id },
          action: 'account_frozen',
          userId: user.id,
          details: { by: 'id_check' },
        });
      });
    },

    /** Passkey options for an attempt whose code verified (forgot_login, unfreeze). */
    async passkeyOptions(kind: AttemptKind, attemptToken: string) {
      const row = await verifiedAttempt(attemptToken, kind);
      return support.passkeyOptions(row.user_id, row.id);
    },

    async resetLoginPassword(
      input: { attemptToken: string; factor?: OtherFactor | undefined; newPassword: string },
      origin: Located,
    ): Promise<void> {
      const row = await verifiedAttempt(input.attemptToken, 'forgot_login');
      if (!input.factor) throw new DomainError(FACTOR_ERRORS.SECOND_FACTOR_REQUIRED);
      const hashes = await support.hashNewPasswords({
        userId: row.user_id,
        loginPassword: input.newPassword,
      });
      if (!(await checkOtherFactor(row.user_id, row.id, input.factor)))
        return failed('forgot_login', row.user_id, row.id, input.factor.method);
      await db.transaction().execute(async (trx) => {
        await support.resetPasswords(trx, { userId: row.user_id, loginHash: hashes.loginHash, origin });
      });
      await complete(row.id, 'forgot_login', row.user_id, row.created_at);
    },

    async resetPaymentPassword(
      input: {
        attemptToken: string;
        realName: string;
        idNumber: string;
        humanAnswer: string;
        newPaymentPassword: string;
      },
      origin: Located,
    ): Promise<void> {
      const row = await verifiedAttempt(input.attemptToken, 'forgot_payment');
      const answer = normalizeHumanAnswer(input.humanAnswer);
      const expected = row.human_answer_hmac;
      if (!answer || !expected || ctx.vault.searchHmac(`human:${row.id}:${answer}`) !== expected) {
        await audit('recovery_failed', row.user_id, row.id, {
          kind: 'forgot_payment',
          reason: 'human_check',
        });
        throw new DomainError(RECOVERY_ERRORS.HUMAN_CHECK_FAILED);
      }
      const hashes = await support.hashNewPasswords({
        userId: row.user_id,
        paymentPassword: input.newPaymentPassword,
      });
      if (!(await identityData.matches(row.user_id, input)))
        return failed('forgot_payment', row.user_id, row.id, 'id_check');
      await db.transaction().execute(async (trx) => {
        await support.resetPasswords(trx, { userId: row.user_id, paymentHash: hashes.paymentHash, origin });
      });
      await complete(row.id, 'forgot_payment', row.user_id, row.created_at);
    },

    async unfreeze(
      input: {
        attemptToken: string;
        realName?: string | undefined;
        idNumber?: string | undefined;
        factor?: OtherFactor | undefined;
        newPassword: string;
        newPaymentPassword: string;
      },
      origin: Located,
    ): Promise<void> {
      const row = await verifiedAttempt(input.attemptToken, 'unfreeze');
      const userId = row.user_id;
      const hashes = await support.hashNewPasswords({
        userId,
        loginPassword: input.newPassword,
        paymentPassword: input.newPaymentPassword,
      });
      const approval = await operatorApproval(userId, clock.nowMs());
      if (!approval) {
        // Identity verification: SMS (done) + real name and ID number + a second factor that is
        // not the ID check (that would count the same proof twice).
        if (!input.factor || input.factor.method === 'id_check')
          throw new DomainError(FACTOR_ERRORS.SECOND_FACTOR_REQUIRED);
        const idOk = await identityData.matches(userId, {
          realName: input.realName ?? '',
          idNumber: input.idNumber ?? '',
        });
        if (!idOk) return failed('unfreeze', userId, row.id, 'id_check');
        if (!(await checkOtherFactor(userId, row.id, input.factor)))
          return failed('unfreeze', userId, row.id, input.factor.method);
      }
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        if (!(await support.isFrozen(trx, userId))) throw new DomainError(RECOVERY_ERRORS.NOT_FROZEN);
        await support.resetPasswords(trx, {
          userId,
          loginHash: hashes.loginHash,
          paymentHash: hashes.paymentHash,
          origin,
        });
        await support.unfreeze(trx, { userId, by: approval ? 'operator' : 'self', origin });
        if (approval)
          await trx
            .updateTable('recovery_attempts')
            .set({ completed_at: new Date(nowMs) })
            .where('id', '=', approval.id)
            .execute();
        await writeAudit(trx, nowMs, {
          actor: { kind: 'user', id: userId },
          action: 'account_unfrozen',
          userId,
          subjectId: row.id,
          details: { by: approval ? 'operator_approval' : 'self' },
        });
      });
      await complete(row.id, 'unfreeze', userId, row.created_at, Boolean(approval));
    },

    /** An operator's approval: the owner may then unfreeze with SMS code + new passwords. */
    async approveUnfreeze(userId: string): Promise<void> {
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        if (!(await support.isFrozen(trx, userId))) throw new DomainError(RECOVERY_ERRORS.NOT_FROZEN);
        await trx
          .insertInto('recovery_attempts')
          .values({
            id: newId('rca'),
            token_sha256: sha256Hex(newSecretToken()),
            kind: 'operator_unfreeze',
            user_id: userId,
            created_at: new Date(nowMs),
            expires_at: new Date(nowMs + OPERATOR_UNFREEZE_TTL_MS),
          })
          .execute();
        await support.notice(trx, {
          userId,
          template: 'recovery_update',
          vars: { step: 'unfreeze_approved', time: new Date(nowMs).toISOString() },
        });
      });
    },
  };
}

export type SelfService = ReturnType<typeof createSelfService>;
