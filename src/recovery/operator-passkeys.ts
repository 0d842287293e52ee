/**
 * Operators' own passkeys (issue 7 point 7): at sign-in, the password and a passkey replace the
 * password and the TOTP code. WebAuthn Level 3 through @simplewebauthn/server, with the rules of
 * the users' passkeys (src/identity/passkeys.ts): user verification required, a ceremony lives 5
 * minutes and is spent by the first response naming it, the signature counter must grow.
 *
 * Why not the users' module: its rows belong to `users` and its ceremonies to user purposes; an
 * operator is not a user, and a user's credential must never open the console. The storage
 * differs, so the few lines of ceremony handling are written for these tables here.
 *
 * Adding a passkey needs a session signed in (password + TOTP or passkey) within the last 10
 * minutes: a session left open on a desk cannot enrol an attacker's authenticator.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { authenticationResponseSchema, FACTOR_ERRORS } from '../identity/index.ts';
import { DomainError, newId } from '../shared/index.ts';
import { writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { RECOVERY_ERRORS } from './errors.ts';

export const OPERATOR_PASSKEY_CEREMONY_TTL_MS = 5 * 60_000;
export const OPERATOR_PASSKEYS_MAX = 10;
/** How recent the sign-in must be to add a passkey (a fresh proof of both factors). */
export const OPERATOR_PASSKEY_ENROL_FRESH_MS = 10 * 60_000;
const NAME_LENGTH_MAX = 64;
/** EdDSA, ES256, RS256: the library's defaults, pinned (as for users). */
const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

export interface OperatorPasskeyView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

interface Principal {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly bootstrap: boolean;
  readonly sessionId: string | null;
}

const transportsOf = (raw: string | null) =>
  (raw ? raw.split(',') : []) as ('ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb')[];

export function createOperatorPasskeys(ctx: RecoveryContext) {
  const { db, clock } = ctx;
  const publicUrl = new URL(ctx.config.publicUrl);
  const rpId = publicUrl.hostname;
  const expectedOrigin = publicUrl.origin;

  async function ceremony(input: {
    operatorId: string | null;
    purpose: 'register' | 'sign_in';
    challenge: string;
  }): Promise<string> {
    const id = newId('owc');
    const nowMs = clock.nowMs();
    await db
      .insertInto('operator_webauthn_challenges')
      .values({
        id,
        operator_id: input.operatorId,
        purpose: input.purpose,
        challenge: input.challenge,
        created_at: new Date(nowMs),
        expires_at: new Date(nowMs + OPERATOR_PASSKEY_CEREMONY_TTL_MS),
      })
      .execute();
    return id;
  }

  /** Spends a live ceremony of this purpose (and operator, for registration); its challenge. */
  async function claim(input: {
    ceremonyId: string;
    purpose: 'register' | 'sign_in';
    operatorId: string | null;
  }): Promise<string | null> {
    const nowMs = clock.nowMs();
    const row = await db
      .updateTable('operator_webauthn_challenges')
      .set({ consumed_at: new Date(nowMs) })
      .where('id', '=', input.ceremonyId)
      .where('purpose', '=', input.purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', new Date(nowMs))
      .returning(['challenge', 'operator_id'])
      .executeTakeFirst();
    if (!row || row.operator_id !== input.operatorId) return null;
    return row.challenge;
  }

  async function ownPasskeys(operatorId: string) {
    return db
      .selectFrom('operator_passkeys')
      .selectAll()
      .where('operator_id', '=', operatorId)
      .orderBy('created_at')
      .limit(OPERATOR_PASSKEYS_MAX)
      .execute();
  }

  /** The bootstrap token has no account, and only a recent sign-in may enrol a key. */
  async function requireFreshSession(principal: Principal): Promise<void> {
    if (principal.bootstrap || !principal.sessionId)
      throw new DomainError(RECOVERY_ERRORS.OPERATOR_REAUTH_REQUIRED);
    const session = await db
      .selectFrom('operator_sessions')
      .select('created_at')
      .where('id', '=', principal.sessionId)
      .executeTakeFirst();
    if (!session || clock.nowMs() - session.created_at.getTime() > OPERATOR_PASSKEY_ENROL_FRESH_MS)
      throw new DomainError(RECOVERY_ERRORS.OPERATOR_REAUTH_REQUIRED);
  }

  return {
    async list(principal: Principal): Promise<OperatorPasskeyView[]> {
      if (principal.bootstrap) return [];
      return (await ownPasskeys(principal.id)).map((r) => ({
        id: r.id,
        name: r.name,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
    },

    async registrationOptions(
      principal: Principal,
    ): Promise<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
      await requireFreshSession(principal);
      const existing = await ownPasskeys(principal.id);
      if (existing.length >= OPERATOR_PASSKEYS_MAX)
        throw new DomainError(FACTOR_ERRORS.PASSKEY_LIMIT_REACHED, { max: OPERATOR_PASSKEYS_MAX });
      const options = await generateRegistrationOptions({
        rpName: 'Rampart Ops',
        rpID: rpId,
        // An opaque handle (WebAuthn §14.6.1): the operator id, never a person's details.
        userID: new TextEncoder().encode(principal.id),
        userName: principal.username,
        userDisplayName: principal.displayName,
        timeout: OPERATOR_PASSKEY_CEREMONY_TTL_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((r) => ({ id: r.id, transports: transportsOf(r.transports) })),
        // Discoverable, so the console's sign-in can offer it without naming the operator first.
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
      });
      return {
        ceremonyId: await ceremony({
          operatorId: principal.id,
          purpose: 'register',
          challenge: options.challenge,
        }),
        options,
      };
    },

    async register(
      principal: Principal,
      input: { ceremonyId: string; name: string; response: RegistrationResponseJSON },
    ): Promise<OperatorPasskeyView> {
      await requireFreshSession(principal);
      const challenge = await claim({
        ceremonyId: input.ceremonyId,
        purpose: 'register',
        operatorId: principal.id,
      });
      if (!challenge) throw new DomainError(FACTOR_ERRORS.PASSKEY_CHALLENGE_INVALID);
      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: rpId,
          requireUserPresence: true,
          requireUserVerification: true,
          supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
        });
      } catch {
        throw new DomainError(FACTOR_ERRORS.PASSKEY_VERIFICATION_FAILED, { reason: 'invalid_response' });
      }
      const info = verification.registrationInfo;
      if (!verification.verified || !info || info.credential.id !== input.response.id)
        throw new DomainError(FACTOR_ERRORS.PASSKEY_VERIFICATION_FAILED, { reason: 'invalid_attestation' });
      const nowMs = clock.nowMs();
      const name = input.name.trim().slice(0, NAME_LENGTH_MAX) || 'Passkey';
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('operator_passkeys')
          .values({
            id: info.credential.id,
            operator_id: principal.id,
            public_key: info.credential.publicKey,
            counter: BigInt(info.credential.counter),
            transports: info.credential.transports?.join(',') ?? null,
            name,
            created_at: new Date(nowMs),
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new DomainError(FACTOR_ERRORS.PASSKEY_ALREADY_REGISTERED);
        await writeAudit(trx, nowMs, {
          actor: { kind: 'operator', id: principal.id, role: principal.role },
          action: 'operator_passkey_added',
          subjectId: principal.id,
          details: { name },
        });
        return { id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: null };
      });
    },

    /** Options for the console's sign-in: discoverable credentials, no operator named. */
    async signInOptions(
      ip: string,
    ): Promise<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      // Each call writes a ceremony row: limited per IP like the sign-in itself.
      await ctx.identity.recoverySupport.rateLimit('credential_ip', `ops-passkey:${ip}`);
      const options = await generateAuthenticationOptions({
        rpID: rpId,
        timeout: OPERATOR_PASSKEY_CEREMONY_TTL_MS,
        userVerification: 'required',
      });
      return {
        ceremonyId: await ceremony({ operatorId: null, purpose: 'sign_in', challenge: options.challenge }),
        options,
      };
    },

    /**
     * The operator whose passkey signed this sign-in ceremony, or null for any failure (spent,
     * expired or foreign ceremony, unknown credential, bad signature, counter that did not grow):
     * sign-in answers the same for all of them. The counter is written only after the signature.
     */
    async verifySignIn(input: { ceremonyId: string; response: unknown }): Promise<string | null> {
      const parsed = authenticationResponseSchema.safeParse(input.response);
      if (!parsed.success) return null;
      const response = parsed.data;
      const challenge = await claim({ ceremonyId: input.ceremonyId, purpose: 'sign_in', operatorId: null });
      if (!challenge) return null;
      const passkey = await db
        .selectFrom('operator_passkeys')
        .selectAll()
        .where('id', '=', response.id)
        .executeTakeFirst();
      if (!passkey) return null;
      const handle = response.response.userHandle;
      if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.operator_id) return null;
      let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: rpId,
          credential: {
            id: passkey.id,
            publicKey: new Uint8Array(passkey.public_key),
            counter: 0,
            transports: transportsOf(passkey.transports),
          },
          requireUserVerification: true,
        });
      } catch {
        return null;
      }
      if (!verification.verified) return null;
      const stored = passkey.counter;
      const next = BigInt(verification.authenticationInfo.newCounter);
      // WebAuthn §6.1.1: a counter that does not grow signals a cloned authenticator.
      if ((next > 0n || stored > 0n) && next <= stored) return null;
      const updated = await db
        .updateTable('operator_passkeys')
        .set({ counter: next, last_used_at: new Date(clock.nowMs()) })
        .where('id', '=', passkey.id)
        .where('counter', next === 0n ? '=' : '<', next)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1 ? passkey.operator_id : null;
    },
  };
}

export type OperatorPasskeys = ReturnType<typeof createOperatorPasskeys>;
