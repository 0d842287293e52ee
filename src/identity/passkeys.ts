/**
 * Passkeys (WebAuthn Level 3, through @simplewebauthn/server): register, sign in, confirm a
 * second factor, step up, and confirm a payment (the "fingerprint/face" confirmation).
 *
 * Every ceremony is a row in `webauthn_challenges`: a random challenge bound to a purpose, a
 * user (when known) and, for payments, a subject such as `pay:<paymentId>:<amount>:<payee>`, so
 * an assertion made for one payment cannot confirm another. A ceremony lives 5 minutes and is
 * used once: the first response that names it consumes it, whatever the outcome, so a failed
 * try cannot be repeated against the same challenge. User verification (PIN, fingerprint, face)
 * is required throughout. The signature counter must grow when the authenticator keeps one
 * (WebAuthn §6.1.1: a counter that does not grow signals a cloned authenticator).
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../shared/index.ts';
import { assert, DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { FACTOR_ERRORS } from './factor-errors.ts';
import type { Notifier } from './ports.ts';
import { type FactorChangeContext, recordFactorChange } from './record-factor-change.ts';

/** Issue 3: a WebAuthn ceremony must complete within 5 minutes. */
export const PASSKEY_CEREMONY_TTL_MS = 5 * 60_000;
/** Bounds the exclude/allow lists sent to the browser and the list page. */
export const PASSKEYS_PER_USER_MAX = 20;
export const PASSKEY_NAME_LENGTH_MAX = 64;
/** Expired ceremonies deleted per sweep run. */
export const PASSKEY_CEREMONY_SWEEP_BATCH_MAX = 1_000;
/** COSE algorithms offered and accepted: EdDSA, ES256, RS256 (the library's defaults, pinned). */
const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

export const PASSKEY_PURPOSES = ['sign_in', 'second_factor', 'step_up', 'payment'] as const;
export type PasskeyPurpose = (typeof PASSKEY_PURPOSES)[number];
const REGISTER_PURPOSE = 'register';

export interface WebAuthnConfig {
  /** The relying party id: the site's domain, e.g. 'localhost' (never an IP address). */
  readonly rpId: string;
  readonly rpName: string;
  /** Full origins the browser may report, e.g. ['http://localhost:8080']. */
  readonly expectedOrigins: readonly string[];
}

export interface PasskeysDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly notifier: Notifier;
  readonly webauthn: WebAuthnConfig;
}

export interface PasskeyView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** 'singleDevice' or 'multiDevice' (synced, e.g. iCloud Keychain). */
  readonly deviceType: string | null;
  readonly backedUp: boolean;
  readonly transports: string[];
}

export interface PasskeyUser {
  readonly id: string;
  readonly phoneE164: string;
  readonly displayName: string;
}

export interface PasskeyCeremony<T> {
  readonly ceremonyId: string;
  readonly options: T;
}

export interface VerifiedPasskey {
  readonly userId: string;
  readonly passkeyId: string;
}

export type Passkeys = ReturnType<typeof createPasskeys>;

type PasskeyRow = Selectable<Database['passkeys']>;

function toView(row: PasskeyRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    deviceType: row.device_type,
    backedUp: row.backed_up,
    transports: transportsOf(row),
  };
}

function transportsOf(row: Pick<PasskeyRow, 'transports'>): string[] {
  return row.transports ? row.transports.split(',') : [];
}

function cleanName(name: string): string {
  const trimmed = name.trim().slice(0, PASSKEY_NAME_LENGTH_MAX);
  return trimmed.length > 0 ? trimmed : 'Passkey';
}

const clientDataSchema = z.object({ type: z.string(), challenge: z.string(), origin: z.string() });

/**
 * Checks the client data ourselves before the library does, so the refusal says which check
 * failed (the library's errors are plain `Error`s with English text).
 */
function clientDataProblem(
  clientDataJSON: unknown,
  expected: { type: 'webauthn.create' | 'webauthn.get'; challenge: string; origins: readonly string[] },
): string | null {
  if (typeof clientDataJSON !== 'string') return 'malformed';
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    return 'malformed';
  }
  const parsed = clientDataSchema.safeParse(decoded);
  if (!parsed.success) return 'malformed';
  if (parsed.data.type !== expected.type) return 'type_mismatch';
  if (parsed.data.challenge !== expected.challenge) return 'challenge_mismatch';
  if (!expected.origins.includes(parsed.data.origin)) return 'origin_mismatch';
  return null;
}

function verificationFailed(reason: string): DomainError {
  return new DomainError(FACTOR_ERRORS.PASSKEY_VERIFICATION_FAILED, { reason });
}

export function createPasskeys(deps: PasskeysDeps) {
  const { db, clock, notifier, webauthn } = deps;
  const expectedOrigins = [...webauthn.expectedOrigins];
  assert(expectedOrigins.length > 0, 'at least one WebAuthn origin is configured');

  async function userPasskeys(userId: string): Promise<PasskeyRow[]> {
    return db
      .selectFrom('passkeys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(PASSKEYS_PER_USER_MAX)
      .execute();
  }

  async function storeCeremony(input: {
    userId: string | null;
    purpose: string;
    challenge: string;
    subjectId: string | null;
  }): Promise<string> {
    const id = newId('wac');
    const nowMs = clock.nowMs();
    await db
      .insertInto('webauthn_challenges')
      .values({
        id,
        user_id: input.userId,
        purpose: input.purpose,
        challenge: input.challenge,
        subject_id: input.subjectId,
        created_at: new Date(nowMs),
        expires_at: new Date(nowMs + PASSKEY_CEREMONY_TTL_MS),
      })
      .execute();
    return id;
  }

  /**
   * Loads a live ceremony and checks it is the one the caller expects (purpose, user, subject);
   * a mismatch leaves it untouched. Then consumes it with a conditional UPDATE: of two
   * concurrent responses naming one ceremony, only one gets past this point.
   */
  async function claimCeremony(input: {
    ceremonyId: string;
    purpose: string;
    userId: string | undefined;
    subjectId: string | null;
  }): Promise<{ challenge: string; userId: string | null }> {
    const nowMs = clock.nowMs();
    const row = await db
      .selectFrom('webauthn_challenges')
      .select(['purpose', 'user_id', 'challenge', 'subject_id', 'expires_at', 'consumed_at'])
      .where('id', '=', input.ceremonyId)
      .executeTakeFirst();
    if (!row || row.consumed_at || nowMs >= row.expires_at.getTime()) {
      throw new DomainError(FACTOR_ERRORS.PASSKEY_CHALLENGE_INVALID);
    }
    const userMismatch = input.userId !== undefined && row.user_id !== null && row.user_id !== input.userId;
    if (row.purpose !== input.purpose || row.subject_id !== input.subjectId || userMismatch) {
      throw new DomainError(FACTOR_ERRORS.PASSKEY_SUBJECT_MISMATCH);
    }
    const claimed = await db
      .updateTable('webauthn_challenges')
      .set({ consumed_at: new Date(nowMs) })
      .where('id', '=', input.ceremonyId)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', new Date(nowMs))
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) throw new DomainError(FACTOR_ERRORS.PASSKEY_CHALLENGE_INVALID);
    return { challenge: row.challenge, userId: row.user_id };
  }

  return {
    /** Options for `navigator.credentials.create()`; the user's passkeys are excluded. */
    async registrationOptions(
      user: PasskeyUser,
    ): Promise<PasskeyCeremony<PublicKeyCredentialCreationOptionsJSON>> {
      const existing = await userPasskeys(user.id);
      if (existing.length >= PASSKEYS_PER_USER_MAX) {
        throw new DomainError(FACTOR_ERRORS.PASSKEY_LIMIT_REACHED, { max: PASSKEYS_PER_USER_MAX });
      }
      const options = await generateRegistrationOptions({
        rpName: webauthn.rpName,
        rpID: webauthn.rpId,
        // The user handle is the opaque user id, never the phone (WebAuthn §14.6.1: no PII).
        userID: new TextEncoder().encode(user.id),
        userName: user.phoneE164,
        userDisplayName: user.displayName,
        timeout: PASSKEY_CEREMONY_TTL_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row) })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
      });
      const ceremonyId = await storeCeremony({
        userId: user.id,
        purpose: REGISTER_PURPOSE,
        challenge: options.challenge,
        subjectId: null,
      });
      return { ceremonyId, options };
    },

    /** Checks the attestation ('none' is accepted: Rampart does not restrict authenticator makes). */
    async verifyRegistration(
      userId: string,
      ceremonyId: string,
      response: RegistrationResponseJSON,
      name: string,
      context?: FactorChangeContext,
    ): Promise<PasskeyView> {
      const ceremony = await claimCeremony({
        ceremonyId,
        purpose: REGISTER_PURPOSE,
        userId,
        subjectId: null,
      });
      const problem = clientDataProblem(response.response?.clientDataJSON, {
        type: 'webauthn.create',
        challenge: ceremony.challenge,
        origins: expectedOrigins,
      });
      if (problem) throw verificationFailed(problem);
      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: ceremony.challenge,
          expectedOrigin: expectedOrigins,
          expectedRPID: webauthn.rpId,
          requireUserPresence: true,
          requireUserVerification: true,
          supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
        });
      } catch {
        throw verificationFailed('invalid_response');
      }
      if (!verification.verified) throw verificationFailed('invalid_attestation');
      const info = verification.registrationInfo;
      // The id the client names must be the one inside the signed authenticator data.
      if (info.credential.id !== response.id) throw verificationFailed('credential_id_mismatch');
      const nowMs = clock.nowMs();
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('passkeys')
          .values({
            id: info.credential.id,
            user_id: userId,
            public_key: info.credential.publicKey,
            counter: BigInt(info.credential.counter),
            transports: info.credential.transports?.join(',') ?? null,
            device_type: info.credentialDeviceType,
            backed_up: info.credentialBackedUp,
            name: cleanName(name),
            created_at: new Date(nowMs),
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new DomainError(FACTOR_ERRORS.PASSKEY_ALREADY_REGISTERED);
        await recordFactorChange(
          trx,
          { notifier, nowMs, context },
          {
            userId,
            type: 'passkey_added',
            change: 'passkey',
            action: 'added',
            details: { passkeyId: row.id, name: row.name },
          },
        );
        return toView(row);
      });
    },

    /**
     * Options for `navigator.credentials.get()`. With a user, only that user's passkeys are
     * allowed; without one (passwordless sign-in) the browser offers discoverable credentials.
     * A payment names its subject; every purpose but sign-in needs the user.
     */
    async authenticationOptions(input: {
      userId?: string | undefined;
      purpose: PasskeyPurpose;
      subjectId?: string | undefined;
    }): Promise<PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>> {
      assert(
        input.purpose === 'sign_in' || input.userId !== undefined,
        'this passkey purpose needs the user',
      );
      assert(
        input.purpose !== 'payment' || input.subjectId !== undefined,
        'a payment confirmation names its subject',
      );
      let allowCredentials: { id: string; transports: string[] }[] | undefined;
      if (input.userId !== undefined) {
        const rows = await userPasskeys(input.userId);
        if (rows.length === 0) throw new DomainError(FACTOR_ERRORS.NO_PASSKEYS);
        allowCredentials = rows.map((row) => ({ id: row.id, transports: transportsOf(row) }));
      }
      const options = await generateAuthenticationOptions({
        rpID: webauthn.rpId,
        ...(allowCredentials ? { allowCredentials } : {}),
        timeout: PASSKEY_CEREMONY_TTL_MS,
        userVerification: 'required',
      });
      const ceremonyId = await storeCeremony({
        userId: input.userId ?? null,
        purpose: input.purpose,
        challenge: options.challenge,
        subjectId: input.subjectId ?? null,
      });
      return { ceremonyId, options };
    },

    /**
     * Verifies an assertion against its ceremony: the ceremony is live, unused and made for this
     * purpose, user and subject; the origin and RP ID are ours; the signature is right and user
     * verification happened; the counter grew (or both are 0: many platform authenticators keep
     * none). Only then is the counter written, with a conditional UPDATE. Any refusal changes
     * nothing but the ceremony, which is spent.
     */
    async verifyAuthentication(input: {
      ceremonyId: string;
      response: AuthenticationResponseJSON;
      expectedUserId?: string | undefined;
      purpose: PasskeyPurpose;
      subjectId?: string | undefined;
    }): Promise<VerifiedPasskey> {
      const ceremony = await claimCeremony({
        ceremonyId: input.ceremonyId,
        purpose: input.purpose,
        userId: input.expectedUserId,
        subjectId: input.subjectId ?? null,
      });
      const { response } = input;
      const passkey = await db
        .selectFrom('passkeys')
        .selectAll()
        .where('id', '=', response.id)
        .executeTakeFirst();
      const owner = passkey?.user_id;
      const userHandle = response.response?.userHandle;
      if (
        !passkey ||
        (ceremony.userId !== null && owner !== ceremony.userId) ||
        (input.expectedUserId !== undefined && owner !== input.expectedUserId) ||
        (userHandle && Buffer.from(userHandle, 'base64url').toString('utf8') !== owner)
      ) {
        throw new DomainError(FACTOR_ERRORS.PASSKEY_UNKNOWN);
      }
      const problem = clientDataProblem(response.response?.clientDataJSON, {
        type: 'webauthn.get',
        challenge: ceremony.challenge,
        origins: expectedOrigins,
      });
      if (problem) throw verificationFailed(problem);
      const storedCounter = Number(passkey.counter);
      let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: ceremony.challenge,
          expectedOrigin: expectedOrigins,
          expectedRPID: webauthn.rpId,
          // Counter 0 here defers the counter check until the signature is proven (below), so a
          // forged response cannot probe the counter and a regression gets its own code.
          credential: {
            id: passkey.id,
            publicKey: new Uint8Array(passkey.public_key),
            counter: 0,
            transports: transportsOf(passkey),
          },
          requireUserVerification: true,
        });
      } catch {
        throw verificationFailed('invalid_response');
      }
      if (!verification.verified) throw verificationFailed('bad_signature');
      const newCounter = verification.authenticationInfo.newCounter;
      if ((newCounter > 0 || storedCounter > 0) && newCounter <= storedCounter) {
        throw new DomainError(FACTOR_ERRORS.PASSKEY_COUNTER_REGRESSED);
      }
      const updated = await db
        .updateTable('passkeys')
        .set({
          counter: BigInt(newCounter),
          last_used_at: new Date(clock.nowMs()),
          backed_up: verification.authenticationInfo.credentialBackedUp,
        })
        .where('id', '=', passkey.id)
        .where('counter', newCounter === 0 ? '=' : '<', BigInt(newCounter))
        .executeTakeFirst();
      // A concurrent assertion with a higher counter got there first.
      if (updated.numUpdatedRows !== 1n) throw new DomainError(FACTOR_ERRORS.PASSKEY_COUNTER_REGRESSED);
      return { userId: passkey.user_id, passkeyId: passkey.id };
    },

    async list(userId: string): Promise<PasskeyView[]> {
      return (await userPasskeys(userId)).map(toView);
    },

    async count(userId: string): Promise<number> {
      const row = await db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async rename(userId: string, passkeyId: string, name: string): Promise<PasskeyView> {
      const row = await db
        .updateTable('passkeys')
        .set({ name: cleanName(name) })
        .where('id', '=', passkeyId)
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new DomainError(FACTOR_ERRORS.PASSKEY_NOT_FOUND);
      return toView(row);
    },

    async remove(userId: string, passkeyId: string, context?: FactorChangeContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('passkeys')
          .where('id', '=', passkeyId)
          .where('user_id', '=', userId)
          .returning(['id', 'name'])
          .executeTakeFirst();
        if (!row) throw new DomainError(FACTOR_ERRORS.PASSKEY_NOT_FOUND);
        await recordFactorChange(
          trx,
          { notifier, nowMs: clock.nowMs(), context },
          {
            userId,
            type: 'passkey_removed',
            change: 'passkey',
            action: 'removed',
            details: { passkeyId: row.id, name: row.name },
          },
        );
      });
    },

    /** Deletes ceremonies past their expiry, at most a batch per call (for a periodic job). */
    async sweepExpiredCeremonies(): Promise<number> {
      const expired = db
        .selectFrom('webauthn_challenges')
        .select('id')
        .where('expires_at', '<=', new Date(clock.nowMs()))
        .limit(PASSKEY_CEREMONY_SWEEP_BATCH_MAX);
      const result = await db.deleteFrom('webauthn_challenges').where('id', 'in', expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
