/**
 * TOTP second factor (RFC 6238): 30-second steps, 6 digits, HMAC-SHA-1 (what every authenticator
 * app reads from a QR code), a code accepted one step early or late, and each step accepted at
 * most once. The seed is stored encrypted (AES-256-GCM, key outside the database) and is only
 * active once the user has typed a code from it.
 *
 * `verify` does not count wrong tries: the caller (sign-in challenge, step-up) limits attempts.
 */
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Clock } from '../shared/index.ts';
import { DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { FACTOR_ERRORS } from './factor-errors.ts';
import type { Notifier } from './ports.ts';
import { type FactorChangeContext, recordFactorChange } from './record-factor-change.ts';
import type { IdentitySecrets } from './secrets.ts';

/** RFC 6238 §5.2: the recommended time step. */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** RFC 6238 §5.2: accept at most one step of clock drift or network delay either way. */
export const TOTP_WINDOW_STEPS = 1;
/** RFC 4226 §4 R6: a shared secret of at least 128 bits, 160 recommended. */
export const TOTP_SECRET_BYTES = 20;
const TOTP_ALGORITHM = 'SHA1';
const TOTP_CODE_PATTERN = /^[0-9]{6}$/;

export interface TotpEnrollment {
  /** Base32 seed, for typing into an app by hand. */
  readonly secret: string;
  readonly otpauthUrl: string;
  /** The otpauth URL as a QR code, an SVG document. */
  readonly qrSvg: string;
}

export interface TotpDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly secrets: IdentitySecrets;
  readonly notifier: Notifier;
  /** Shown in the authenticator app, e.g. "Rampart". */
  readonly issuer: string;
}

export type TotpFactor = ReturnType<typeof createTotpFactor>;

/** Spaces are allowed ("123 456" as some apps show it); anything else but 6 digits is refused. */
function normalizeCode(code: string): string | null {
  const digits = code.replace(/\s+/g, '');
  return TOTP_CODE_PATTERN.test(digits) ? digits : null;
}

export function createTotpFactor(deps: TotpDeps) {
  const { db, clock, secrets, notifier, issuer } = deps;

  const totpFor = (secret: Secret, label = '') =>
    new TOTP({
      issuer,
      label,
      algorithm: TOTP_ALGORITHM,
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_S,
      secret,
    });

  /** The time step the code belongs to (within ±1 of now), or null when it matches none. */
  function matchStep(secretEncrypted: string, code: string, nowMs: number): bigint | null {
    const token = normalizeCode(code);
    if (token === null) return null;
    const totp = totpFor(Secret.fromBase32(secrets.decrypt(secretEncrypted)));
    // The injected clock, never Date.now(): tests move time by hand.
    const delta = totp.validate({ token, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
    if (delta === null) return null;
    return BigInt(TOTP.counter({ period: TOTP_PERIOD_S, timestamp: nowMs }) + delta);
  }

  return {
    /**
     * Starts enrolment: a fresh seed, stored encrypted and unconfirmed (replacing an earlier
     * unconfirmed one). Refused while a confirmed factor exists.
     */
    async enroll(userId: string, accountLabel: string): Promise<TotpEnrollment> {
      const secret = new Secret({ size: TOTP_SECRET_BYTES });
      const nowMs = clock.nowMs();
      const row = await db
        .insertInto('totp_factors')
        .values({
          user_id: userId,
          secret_encrypted: secrets.encrypt(secret.base32),
          created_at: new Date(nowMs),
        })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({
              secret_encrypted: (eb) => eb.ref('excluded.secret_encrypted'),
              created_at: (eb) => eb.ref('excluded.created_at'),
              last_used_step: null,
            })
            .where('totp_factors.confirmed_at', 'is', null),
        )
        .returning('user_id')
        .executeTakeFirst();
      if (!row) throw new DomainError(FACTOR_ERRORS.TOTP_ALREADY_ENABLED);
      const otpauthUrl = totpFor(secret, accountLabel).toString();
      const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return { secret: secret.base32, otpauthUrl, qrSvg };
    },

    /** Activates the enrolled seed once the user proves the app has it; the step is then used. */
    async confirm(userId: string, code: string, context?: FactorChangeContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('totp_factors')
          .select(['secret_encrypted', 'confirmed_at'])
          .where('user_id', '=', userId)
          .forUpdate()
          .executeTakeFirst();
        if (!row) throw new DomainError(FACTOR_ERRORS.TOTP_NOT_ENROLLED);
        if (row.confirmed_at) throw new DomainError(FACTOR_ERRORS.TOTP_ALREADY_ENABLED);
        const nowMs = clock.nowMs();
        const step = matchStep(row.secret_encrypted, code, nowMs);
        if (step === null) throw new DomainError(FACTOR_ERRORS.INVALID_TOTP_CODE);
        await trx
          .updateTable('totp_factors')
          .set({ confirmed_at: new Date(nowMs), last_used_step: step })
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is', null)
          .execute();
        await recordFactorChange(
          trx,
          { notifier, nowMs, context },
          { userId, type: 'totp_enabled', change: 'totp', action: 'enabled' },
        );
      });
    },

    /**
     * True when the code matches the confirmed seed within ±1 step and its step is later than
     * the last accepted one (RFC 6238 §5.2: a code is accepted once). The step is claimed with a
     * conditional UPDATE, so two concurrent requests with one code cannot both pass.
     */
    async verify(userId: string, code: string): Promise<boolean> {
      const row = await db
        .selectFrom('totp_factors')
        .select(['secret_encrypted'])
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      if (!row) return false;
      const step = matchStep(row.secret_encrypted, code, clock.nowMs());
      if (step === null) return false;
      const claimed = await db
        .updateTable('totp_factors')
        .set({ last_used_step: step })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return claimed.numUpdatedRows === 1n;
    },

    async isEnabled(userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('totp_factors')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Removes the factor (or abandons an unconfirmed enrolment, which records nothing). */
    async disable(userId: string, context?: FactorChangeContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('totp_factors')
          .where('user_id', '=', userId)
          .returning('confirmed_at')
          .executeTakeFirst();
        if (!row) throw new DomainError(FACTOR_ERRORS.TOTP_NOT_ENROLLED);
        if (!row.confirmed_at) return;
        await recordFactorChange(
          trx,
          { notifier, nowMs: clock.nowMs(), context },
          { userId, type: 'totp_disabled', change: 'totp', action: 'disabled' },
        );
      });
    },
  };
}
