/**
 * Sign-up in two steps: start (codes to the phone and, optionally, the e-mail) and complete
 * (codes, name, login password, payment password). The start answer is the same whether or not
 * the phone is registered; a registered phone receives a warning instead of a code.
 */
import { DomainError, newId } from '../shared/index.ts';
import type { IdentityContext, Located } from './context.ts';
import { bindDevice } from './devices.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { assertLoginPassword, assertPaymentPassword } from './password-policy.ts';
import { hashSecret } from './passwords.ts';
import { normalizePhone } from './phone.ts';
import { enforceRateLimit } from './rate-limits.ts';
import { recordSecurityEvent } from './security-events.ts';
import { type OpenedSession, openSession, type User } from './sessions.ts';

export const SIGN_UP_TTL_MS = 30 * 60_000;
export const DISPLAY_NAME_LENGTH_MAX = 40;
/** Local part, domain, TLD; never characters that could split one address into several
 *  recipients or smuggle header syntax (`, ; < > " ( ) [ ] \`). */
const EMAIL_PATTERN = /^[^\s@,;<>"()[\]\\]{1,64}@[^\s@,;<>"()[\]\\]{1,189}\.[^\s@,;<>"()[\]\\]{2,63}$/;
const EMAIL_LENGTH_MAX = 254; // RFC 5321

export function normalizeEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return email.length <= EMAIL_LENGTH_MAX && EMAIL_PATTERN.test(email) ? email : null;
}

export interface SignUpStarted {
  readonly signUpId: string;
  readonly phone: string;
  readonly email: string | null;
  readonly expiresAt: Date;
  readonly resendAfterMs: number;
}

export interface SignedIn extends OpenedSession {
  readonly user: User;
  readonly deviceKey: string;
}

export function createSignUp(ctx: IdentityContext) {
  const { db, clock, codes } = ctx;

  async function phoneRegistered(phone: string): Promise<boolean> {
    return Boolean(
      await db.selectFrom('users').select('id').where('phone_e164', '=', phone).executeTakeFirst(),
    );
  }
  async function emailRegistered(email: string): Promise<boolean> {
    return Boolean(await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst());
  }

  /** The sign-up attempt, if it is neither completed nor expired. */
  async function liveAttempt(signUpId: string) {
    const attempt = await db
      .selectFrom('sign_up_attempts')
      .selectAll()
      .where('id', '=', signUpId)
      .executeTakeFirst();
    if (!attempt || attempt.completed_at || clock.nowMs() >= attempt.expires_at.getTime()) {
      throw new DomainError(IDENTITY_ERRORS.SIGN_UP_EXPIRED);
    }
    return attempt;
  }

  async function sendSignUpCode(
    signUpId: string,
    channel: 'sms' | 'email',
    destination: string,
    origin: Located,
  ) {
    const nowMs = clock.nowMs();
    await enforceRateLimit(ctx, 'code_send', destination);
    const registered =
      channel === 'sms' ? await phoneRegistered(destination) : await emailRegistered(destination);
    return db.transaction().execute(async (trx) => {
      if (registered) {
        // No code for a registered destination: a warning instead, and the same answer.
        await ctx.notifier.enqueue(trx, {
          userId: null,
          channel,
          destination,
          template: 'sign_up_existing',
          locale: origin.locale,
          vars: {},
        });
        return { resendAfterMs: 60_000 };
      }
      return codes.send(trx, nowMs, {
        purpose: 'sign_up',
        channel,
        destination,
        userId: null,
        subjectId: signUpId,
        locale: origin.locale,
      });
    });
  }

  return {
    async start(
      input: { phone: string; email?: string | undefined },
      origin: Located,
    ): Promise<SignUpStarted> {
      const phone = normalizePhone(input.phone);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      const email = input.email ? normalizeEmail(input.email) : null;
      if (input.email && !email) throw new DomainError(IDENTITY_ERRORS.INVALID_EMAIL);
      await enforceRateLimit(ctx, 'credential_ip', origin.ip);
      const nowMs = clock.nowMs();
      const signUpId = newId('sgu');
      const expiresAt = new Date(nowMs + SIGN_UP_TTL_MS);
      await db
        .insertInto('sign_up_attempts')
        .values({
          id: signUpId,
          phone_e164: phone,
          email,
          created_at: new Date(nowMs),
          expires_at: expiresAt,
        })
        .execute();
      const sent = await sendSignUpCode(signUpId, 'sms', phone, origin);
      if (email) await sendSignUpCode(signUpId, 'email', email, origin);
      return { signUpId, phone, email, expiresAt, resendAfterMs: sent.resendAfterMs };
    },

    async resend(input: { signUpId: string; channel: 'sms' | 'email' }, origin: Located) {
      const attempt = await liveAttempt(input.signUpId);
      const destination = input.channel === 'sms' ? attempt.phone_e164 : attempt.email;
      if (!destination) throw new DomainError(IDENTITY_ERRORS.INVALID_EMAIL);
      return sendSignUpCode(attempt.id, input.channel, destination, origin);
    },

    async complete(
      input: {
        signUpId: string;
        phoneCode: string;
        emailCode?: string | undefined;
        displayName: string;
        password: string;
        paymentPassword: string;
        birthDate?: string | undefined;
      },
      origin: Located,
    ): Promise<SignedIn> {
      await enforceRateLimit(ctx, 'code_verify', input.signUpId);
      const attempt = await liveAttempt(input.signUpId);
      // Every rule that needs no code is checked first, so a typo does not burn the code.
      assertLoginPassword(input.password, { phoneE164: attempt.phone_e164 });
      assertPaymentPassword(input.paymentPassword, {
        birthDate: input.birthDate,
        phoneE164: attempt.phone_e164,
      });
      if (input.paymentPassword === input.password)
        throw new DomainError(IDENTITY_ERRORS.PAYMENT_PASSWORD_SAME_AS_LOGIN);
      if (attempt.email && !input.emailCode) throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);

      const nowMs = clock.nowMs();
      await codes.verify(nowMs, {
        purpose: 'sign_up',
        destination: attempt.phone_e164,
        subjectId: attempt.id,
        code: input.phoneCode,
      });
      if (attempt.email && input.emailCode) {
        await codes.verify(nowMs, {
          purpose: 'sign_up',
          destination: attempt.email,
          subjectId: attempt.id,
          code: input.emailCode,
        });
      }
      const loginHash = await hashSecret(input.password);
      const paymentHash = await hashSecret(ctx.secrets.pepperPaymentPassword(input.paymentPassword));
      const displayName = input.displayName.trim().slice(0, DISPLAY_NAME_LENGTH_MAX);

      return db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('sign_up_attempts')
          .set({ completed_at: new Date(nowMs) })
          .where('id', '=', attempt.id)
          .where('completed_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.SIGN_UP_EXPIRED);
        const userId = newId('usr');
        const inserted = await trx
          .insertInto('users')
          .values({
            id: userId,
            phone_e164: attempt.phone_e164,
            display_name: displayName,
            login_password_hash: loginHash,
            created_at: new Date(nowMs),
            email: attempt.email,
            phone_verified_at: new Date(nowMs),
            email_verified_at: attempt.email ? new Date(nowMs) : null,
            birth_date: input.birthDate ?? null,
            locale: origin.locale,
            payment_password_hash: paymentHash,
            password_changed_at: new Date(nowMs),
          })
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) throw new DomainError(IDENTITY_ERRORS.PHONE_TAKEN);
        const device = await bindDevice(trx, nowMs, { userId, origin });
        const session = await openSession(trx, ctx, {
          userId,
          deviceId: device.deviceId,
          authMethods: ['password', 'sms'],
          origin,
          stepUp: true,
        });
        await recordSecurityEvent(trx, nowMs, {
          userId,
          type: 'sign_up',
          deviceId: device.deviceId,
          sessionId: session.sessionId,
          ip: origin.ip,
          country: origin.location?.country,
          city: origin.location?.city,
        });
        return {
          ...session,
          deviceKey: device.deviceKey,
          user: { id: userId, phoneE164: attempt.phone_e164, displayName },
        };
      });
    },
  };
}
