/**
 * Issue 7 point 5: a user's real name and resident ID number, set once (then only support may
 * correct them), validated (GB 11643 checksum and a real birth date), envelope-encrypted at rest
 * (vault.ts), shown masked, and found only through a keyed hash of the number.
 */
import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../shared/index.ts';
import type { RecoveryContext } from './context.ts';
import { RECOVERY_ERRORS } from './errors.ts';
import { maskIdNumber, maskRealName, normalizeRealName, parseIdNumber } from './national-id.ts';

export interface IdentityDataView {
  readonly verified: true;
  readonly realNameMasked: string;
  readonly idNumberMasked: string;
  readonly verifiedAt: Date;
}

const aad = (userId: string, field: string) => `identity_records:${userId}:${field}`;

export function todayIso(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Validates a typed ID number; the coded error on anything that is not a real one. */
export function parseIdOrThrow(input: string, nowMs: number): { idNumber: string; birthDate: string } {
  const verdict = parseIdNumber(input, todayIso(nowMs));
  if (!verdict.ok) throw new DomainError(RECOVERY_ERRORS.INVALID_ID_NUMBER, { reason: verdict.reason });
  return verdict;
}

export function parseNameOrThrow(input: string): string {
  const name = normalizeRealName(input);
  if (!name) throw new DomainError(RECOVERY_ERRORS.INVALID_REAL_NAME);
  return name;
}

export function createIdentityData(ctx: RecoveryContext) {
  const { db, clock, vault } = ctx;

  const idHmac = (idNumber: string) => vault.searchHmac(`id:${idNumber}`);

  return {
    idHmac,

    async view(userId: string): Promise<IdentityDataView | null> {
      const row = await db
        .selectFrom('identity_records')
        .select(['name_masked', 'id_masked', 'verified_at'])
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row
        ? {
            verified: true,
            realNameMasked: row.name_masked,
            idNumberMasked: row.id_masked,
            verifiedAt: row.verified_at,
          }
        : null;
    },

    /** Sets the verified identity once. Demo seeding and the user's own form both come here. */
    async set(userId: string, input: { realName: string; idNumber: string }): Promise<IdentityDataView> {
      const nowMs = clock.nowMs();
      const name = parseNameOrThrow(input.realName);
      const { idNumber, birthDate } = parseIdOrThrow(input.idNumber, nowMs);
      const key = vault.newDataKey();
      await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('identity_records')
          .select('user_id')
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (existing) throw new DomainError(RECOVERY_ERRORS.IDENTITY_ALREADY_SET);
        const inserted = await trx
          .insertInto('identity_records')
          .values({
            user_id: userId,
            key_id: key.keyId,
            wrapped_dek: key.wrappedDek,
            real_name_sealed: vault.sealText(key.dek, name, aad(userId, 'real_name')),
            id_number_sealed: vault.sealText(key.dek, idNumber, aad(userId, 'id_number')),
            id_number_hmac: idHmac(idNumber),
            id_masked: maskIdNumber(idNumber),
            name_masked: maskRealName(name),
            verified_at: new Date(nowMs),
          })
          .onConflict((oc) => oc.doNothing())
          .returning('user_id')
          .executeTakeFirst();
        // Either this user raced itself (already set) or the number belongs to someone else.
        if (!inserted) throw new DomainError(RECOVERY_ERRORS.ID_NUMBER_IN_USE);
        // The birth date feeds the payment-password rule "not your birthday".
        await trx
          .updateTable('users')
          .set({ birth_date: birthDate })
          .where('id', '=', userId)
          .where('birth_date', 'is', null)
          .execute();
      });
      const view = await this.view(userId);
      if (!view) throw new DomainError(RECOVERY_ERRORS.IDENTITY_ALREADY_SET);
      return view;
    },

    /**
     * True when both the name and the number match what the user verified. Input that is not even
     * a valid number is simply a mismatch here (the caller answers `verification_failed`, the
     * same as for any other wrong detail). The number is compared by keyed hash, the name after
     * decrypting, both in constant time.
     */
    async matches(userId: string, input: { realName: string; idNumber: string }): Promise<boolean> {
      const row = await db
        .selectFrom('identity_records')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!row) return false;
      const parsed = parseIdNumber(input.idNumber, todayIso(clock.nowMs()));
      const name = normalizeRealName(input.realName);
      const givenHmac = Buffer.from(idHmac(parsed.ok ? parsed.idNumber : 'invalid'), 'hex');
      const idOk = timingSafeEqual(givenHmac, Buffer.from(row.id_number_hmac, 'hex'));
      const dek = vault.openDataKey({ keyId: row.key_id, wrappedDek: row.wrapped_dek });
      const storedName = vault.openText(dek, row.real_name_sealed, aad(userId, 'real_name'));
      const a = Buffer.from(vault.searchHmac(`name:${storedName}`), 'hex');
      const b = Buffer.from(vault.searchHmac(`name:${name ?? ''}`), 'hex');
      const nameOk = timingSafeEqual(a, b);
      return idOk && nameOk && parsed.ok;
    },

    /** The user holding an ID number, found by keyed hash only. */
    async findUserByIdNumber(idNumberInput: string): Promise<string | null> {
      const parsed = parseIdNumber(idNumberInput, todayIso(clock.nowMs()));
      if (!parsed.ok) throw new DomainError(RECOVERY_ERRORS.INVALID_ID_NUMBER, { reason: parsed.reason });
      const row = await db
        .selectFrom('identity_records')
        .select('user_id')
        .where('id_number_hmac', '=', idHmac(parsed.idNumber))
        .executeTakeFirst();
      return row?.user_id ?? null;
    },
  };
}

export type IdentityData = ReturnType<typeof createIdentityData>;
