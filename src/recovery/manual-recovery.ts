/**
 * Phone lost or deactivated (issue 7 point 4): a manual-review case. The applicant proves the new
 * phone with an SMS code, and gives the old phone number, real name, ID number, the transactions
 * they remember and document images. The answer is the same whether or not an account matches
 * (a case is opened either way; the operator sees "no matching account"). On approval a 24-hour
 * cool-down starts: the account is frozen, every channel bound to it hears of it with a one-click
 * cancel link, and only when the cool-down ends (`runDue`, DB-driven: any process may run it, rows
 * are claimed with FOR UPDATE SKIP LOCKED) is the new phone bound; withdrawals then open once the
 * owner sets new login and payment passwords through the unfreeze flow (an operator approval is
 * recorded for it), so they never skip that step.
 */
import { IDENTITY_ERRORS, type Located, maskPhone, normalizePhone } from '../identity/index.ts';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { type Actor, writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { sha256Hex } from './crypto-util.ts';
import {
  DOCUMENT_BYTES_MAX,
  DOCUMENTS_PER_REQUEST_MAX,
  type DocumentStore,
  sniffDocumentType,
} from './documents.ts';
import { RECOVERY_ERRORS } from './errors.ts';
import type { IdentityData } from './identity-data.ts';
import { todayIso } from './identity-data.ts';
import { maskIdNumber, normalizeRealName, parseIdNumber } from './national-id.ts';
import { OPERATOR_UNFREEZE_TTL_MS } from './self-service.ts';

export const MANUAL_COOLDOWN_MS = 24 * 3600_000;
export const MANUAL_DUE_BATCH_MAX = 20;
export const REMEMBERED_TRANSACTIONS_CHARS_MAX = 2_000;
export const MANUAL_LIST_MAX = 100;
/** How much of the account's history the reviewer sees beside the remembered transactions: about
 *  a month of ordinary use, enough to check "what you remember" without paging. */
export const REVIEW_ACTIVITY_MAX = 40;

export interface ManualRecoveryInput {
  readonly oldPhone: string;
  readonly newPhone: string;
  readonly newPhoneCode: string;
  readonly realName: string;
  readonly idNumber: string;
  readonly rememberedTransactions: string;
  readonly documents: readonly Buffer[];
}

export interface ManualRecoveryView {
  readonly id: string;
  readonly userId: string | null;
  readonly status: 'pending_review' | 'approved' | 'rejected' | 'cancelled' | 'completed' | 'failed';
  readonly newPhoneMasked: string;
  readonly identityMatches: boolean;
  readonly createdAt: Date;
  readonly cooldownUntil: Date | null;
  readonly reviewedBy: string | null;
  readonly documents: readonly { id: string; mime: string; sizeBytes: number }[];
}

/** What the operator reads of a case: masked identity, the remembered transactions as typed. */
export interface ManualRecoveryDetail extends ManualRecoveryView {
  readonly oldPhoneMasked: string;
  readonly realNameGiven: string;
  readonly idNumberGivenMasked: string;
  readonly rememberedTransactions: string;
  /** The matched account's latest wallet movements, newest first, for the reviewer to compare
   *  with what the applicant remembers (empty when no account matched the old phone). */
  readonly recentActivity: readonly {
    readonly at: Date;
    readonly direction: 'in' | 'out';
    readonly code: string;
    readonly amountMinor: bigint;
    readonly currency: string;
  }[];
}

const newPhoneSubject = (phone: string) => `manual:${phone}`;

export function createManualRecovery(
  ctx: RecoveryContext,
  identityData: IdentityData,
  documents: DocumentStore,
) {
  const { db, clock, vault } = ctx;
  const support = ctx.identity.recoverySupport;

  const detailsAad = (id: string) => `manual_recoveries:${id}:details`;

  async function toView(row: {
    id: string;
    user_id: string | null;
    status: ManualRecoveryView['status'];
    new_phone_e164: string;
    identity_matches: boolean;
    created_at: Date;
    cooldown_until: Date | null;
    reviewed_by: string | null;
  }): Promise<ManualRecoveryView> {
    const docs = await db
      .selectFrom('manual_recovery_documents')
      .select(['id', 'mime', 'size_bytes'])
      .where('recovery_id', '=', row.id)
      .orderBy('created_at')
      .execute();
    return {
      id: row.id,
      userId: row.user_id,
      status: row.status,
      newPhoneMasked: maskPhone(row.new_phone_e164),
      identityMatches: row.identity_matches,
      createdAt: row.created_at,
      cooldownUntil: row.cooldown_until,
      reviewedBy: row.reviewed_by,
      documents: docs.map((d) => ({ id: d.id, mime: d.mime, sizeBytes: d.size_bytes })),
    };
  }

  /** Checks every document before anything is written. */
  function checkDocuments(files: readonly Buffer[]): ('image/jpeg' | 'image/png' | 'application/pdf')[] {
    if (files.length === 0 || files.length > DOCUMENTS_PER_REQUEST_MAX)
      throw new DomainError(
        RECOVERY_ERRORS.TOO_MANY_DOCUMENTS,
        { min: 1, max: DOCUMENTS_PER_REQUEST_MAX },
        'Attach 1 to 5 documents.',
      );
    return files.map((file) => {
      if (file.length > DOCUMENT_BYTES_MAX) throw new DomainError(RECOVERY_ERRORS.DOCUMENT_TOO_LARGE);
      const type = sniffDocumentType(file);
      if (!type) throw new DomainError(RECOVERY_ERRORS.DOCUMENT_TYPE);
      return type;
    });
  }

  return {
    /** Step 1: a code to the new phone (which must not belong to an account — silently). */
    async sendNewPhoneCode(newPhoneInput: string, origin: Located): Promise<void> {
      const phone = normalizePhone(newPhoneInput);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      await support.rateLimit('credential_ip', `manual:${origin.ip}`);
      await support.rateLimit('code_send', `manual:${phone}`);
      if (await ctx.identity.findUserByPhone(phone)) return;
      await support.sendCodeTo({
        phoneE164: phone,
        purpose: 'recovery',
        subjectId: newPhoneSubject(phone),
        locale: origin.locale,
      });
    },

    /** Step 2: the case. Returns a status token (the applicant's only handle on it). */
    async submit(
      input: ManualRecoveryInput,
      origin: Located,
    ): Promise<{ statusToken: string; status: 'pending_review' }> {
      const oldPhone = normalizePhone(input.oldPhone);
      const newPhone = normalizePhone(input.newPhone);
      if (!oldPhone || !newPhone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      const name = normalizeRealName(input.realName);
      if (!name) throw new DomainError(RECOVERY_ERRORS.INVALID_REAL_NAME);
      const parsedId = parseIdNumber(input.idNumber, todayIso(clock.nowMs()));
      if (!parsedId.ok) throw new DomainError(RECOVERY_ERRORS.INVALID_ID_NUMBER, { reason: parsedId.reason });
      const types = checkDocuments(input.documents);
      await support.rateLimit('credential_ip', `manual:${origin.ip}`);
      // Possession of the new phone: the code it received.
      await support.verifyCodeTo({
        phoneE164: newPhone,
        purpose: 'recovery',
        subjectId: newPhoneSubject(newPhone),
        code: input.newPhoneCode,
      });
      const user = await ctx.identity.findUserByPhone(oldPhone);
      const matches = user
        ? await identityData.matches(user.id, { realName: name, idNumber: parsedId.idNumber })
        : false;
      const nowMs = clock.nowMs();
      const id = newId('mrc');
      const statusToken = newSecretToken();
      const key = vault.newDataKey();
      const details = JSON.stringify({
        oldPhone,
        realName: name,
        idMasked: maskIdNumber(parsedId.idNumber),
        remembered: input.rememberedTransactions.slice(0, REMEMBERED_TRANSACTIONS_CHARS_MAX),
      });
      const written: { id: string; mime: string; size: number; keyId: string; wrappedDek: string }[] = [];
      input.documents.forEach((file, i) => {
        const docId = newId('doc');
        const sealed = documents.write(docId, file);
        written.push({
          id: docId,
          mime: types[i] ?? 'application/octet-stream',
          size: file.length,
          ...sealed,
        });
      });
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('manual_recoveries')
          .values({
            id,
            user_id: user?.id ?? null,
            status: 'pending_review',
            new_phone_e164: newPhone,
            identity_matches: matches,
            details_sealed: `${key.keyId}:${key.wrappedDek}:${vault.sealText(key.dek, details, detailsAad(id))}`,
            status_token_sha256: sha256Hex(statusToken),
            created_at: new Date(nowMs),
          })
          .execute();
        await trx
          .insertInto('manual_recovery_documents')
          .values(
            written.map((d) => ({
              id: d.id,
              recovery_id: id,
              mime: d.mime,
              size_bytes: d.size,
              key_id: d.keyId,
              wrapped_dek: d.wrappedDek,
              created_at: new Date(nowMs),
            })),
          )
          .execute();
        await writeAudit(trx, nowMs, {
          actor: { kind: 'anonymous' },
          action: 'manual_recovery_submitted',
          userId: user?.id ?? null,
          subjectId: id,
          details: { documents: written.length, identityMatches: matches },
        });
        if (user) {
          // The bound channels hear of it at once: if this is an attacker, the owner can object.
          await support.notice(trx, {
            userId: user.id,
            template: 'recovery_update',
            vars: { step: 'manual_submitted', time: new Date(nowMs).toISOString() },
          });
        }
      });
      return { statusToken, status: 'pending_review' };
    },

    async status(
      statusToken: string,
    ): Promise<{ status: ManualRecoveryView['status']; cooldownUntil: Date | null }> {
      const row = await db
        .selectFrom('manual_recoveries')
        .select(['status', 'cooldown_until'])
        .where('status_token_sha256', '=', sha256Hex(statusToken))
        .executeTakeFirst();
      if (!row) throw new DomainError(RECOVERY_ERRORS.RECOVERY_NOT_FOUND);
      return { status: row.status, cooldownUntil: row.cooldown_until };
    },

    async list(input: {
      status?: ManualRecoveryView['status'] | undefined;
      limit: number;
    }): Promise<ManualRecoveryView[]> {
      let query = db
        .selectFrom('manual_recoveries')
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(Math.min(input.limit, MANUAL_LIST_MAX));
      if (input.status) query = query.where('status', '=', input.status);
      const rows = await query.execute();
      return Promise.all(rows.map(toView));
    },

    async detail(id: string): Promise<ManualRecoveryDetail> {
      const row = await db
        .selectFrom('manual_recoveries')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new DomainError(RECOVERY_ERRORS.RECOVERY_NOT_FOUND);
      const [keyId = '', wrappedDek = '', body = ''] = row.details_sealed.split(':');
      const details = JSON.parse(
        vault.openText(vault.openDataKey({ keyId, wrappedDek }), body, detailsAad(id)),
      ) as {
        oldPhone: string;
        realName: string;
        idMasked: string;
        remembered: string;
      };
      return {
        ...(await toView(row)),
        oldPhoneMasked: maskPhone(details.oldPhone),
        realNameGiven: details.realName,
        idNumberGivenMasked: details.idMasked,
        rememberedTransactions: details.remembered,
        recentActivity: row.user_id
          ? (await ctx.wallet.listActivity({ userId: row.user_id, limit: REVIEW_ACTIVITY_MAX })).items
              .filter((item) => item.status === 'posted')
              .map((item) => ({
                at: item.createdAt,
                direction: item.direction,
                code: item.code,
                amountMinor: item.amountMinor,
                currency: item.currency,
              }))
          : [],
      };
    },

    async readDocument(recoveryId: string, documentId: string): Promise<{ mime: string; bytes: Buffer }> {
      const doc = await db
        .selectFrom('manual_recovery_documents')
        .selectAll()
        .where('id', '=', documentId)
        .where('recovery_id', '=', recoveryId)
        .executeTakeFirst();
      if (!doc) throw new DomainError(RECOVERY_ERRORS.RECOVERY_NOT_FOUND);
      return {
        mime: doc.mime,
        bytes: documents.read(doc.id, { keyId: doc.key_id, wrappedDek: doc.wrapped_dek }),
      };
    },

    /** Approve (cool-down starts, account frozen, every channel told with a cancel link) or reject. */
    async decide(
      operator: Extract<Actor, { kind: 'operator' }>,
      id: string,
      input: { approve: boolean; note: string },
    ): Promise<ManualRecoveryView> {
      const nowMs = clock.nowMs();
      const row = await db
        .selectFrom('manual_recoveries')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new DomainError(RECOVERY_ERRORS.RECOVERY_NOT_FOUND);
      if (row.status !== 'pending_review') throw new DomainError(RECOVERY_ERRORS.RECOVERY_STATE);
      // No account behind the old phone: nothing to approve.
      if (input.approve && !row.user_id)
        throw new DomainError(
          RECOVERY_ERRORS.RECOVERY_STATE,
          undefined,
          'No account matches this request; reject it.',
        );
      const cancelToken = newSecretToken();
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('manual_recoveries')
          .set(
            input.approve
              ? {
                  status: 'approved',
                  reviewed_by: operator.id,
                  reviewed_at: new Date(nowMs),
                  review_note: input.note.slice(0, 500),
                  cooldown_until: new Date(nowMs + MANUAL_COOLDOWN_MS),
                  cancel_token_sha256: sha256Hex(cancelToken),
                }
              : {
                  status: 'rejected',
                  reviewed_by: operator.id,
                  reviewed_at: new Date(nowMs),
                  review_note: input.note.slice(0, 500),
                  finished_at: new Date(nowMs),
                },
          )
          .where('id', '=', id)
          .where('status', '=', 'pending_review')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new DomainError(RECOVERY_ERRORS.RECOVERY_STATE);
        await writeAudit(trx, nowMs, {
          actor: operator,
          action: input.approve ? 'manual_recovery_approved' : 'manual_recovery_rejected',
          userId: row.user_id,
          subjectId: id,
        });
        if (row.user_id && input.approve) {
          await support.freeze(trx, { userId: row.user_id, reason: 'operator', origin: null });
          await support.notice(trx, {
            userId: row.user_id,
            template: 'recovery_update',
            vars: {
              step: 'manual_approved',
              time: new Date(nowMs).toISOString(),
              cancelUrl: `${ctx.config.publicUrl}/recovery/cancel?token=${cancelToken}`,
            },
          });
        } else if (row.user_id) {
          await support.notice(trx, {
            userId: row.user_id,
            template: 'recovery_update',
            vars: { step: 'manual_rejected', time: new Date(nowMs).toISOString() },
          });
        }
        await support.noticeTo(trx, {
          userId: row.user_id,
          phoneE164: row.new_phone_e164,
          template: 'recovery_update',
          vars: {
            step: input.approve ? 'manual_approved' : 'manual_rejected',
            time: new Date(nowMs).toISOString(),
          },
        });
      });
      return this.detail(id);
    },

    /** The one-click cancel of the cool-down notice. */
    async cancel(cancelToken: string): Promise<void> {
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('manual_recoveries')
          .set({ status: 'cancelled', finished_at: new Date(nowMs), cooldown_until: null })
          .where('cancel_token_sha256', '=', sha256Hex(cancelToken))
          .where('status', '=', 'approved')
          .returning(['id', 'user_id'])
          .executeTakeFirst();
        if (!row) throw new DomainError(IDENTITY_ERRORS.LINK_INVALID);
        await writeAudit(trx, nowMs, {
          actor: row.user_id ? { kind: 'user', id: row.user_id } : { kind: 'anonymous' },
          action: 'manual_recovery_cancelled',
          userId: row.user_id,
          subjectId: row.id,
        });
        if (row.user_id)
          await support.notice(trx, {
            userId: row.user_id,
            template: 'recovery_update',
            vars: { step: 'manual_cancelled', time: new Date(nowMs).toISOString() },
          });
      });
    },

    /**
     * Completes cool-downs that are due: binds the new phone and records the operator approval
     * the owner needs to unfreeze with new passwords. Claims each row with FOR UPDATE SKIP
     * LOCKED in its own transaction, so several processes may run it at once.
     */
    async runDue(nowMs: number): Promise<number> {
      let done = 0;
      for (let i = 0; i < MANUAL_DUE_BATCH_MAX; i++) {
        const finished = await db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom('manual_recoveries')
            .selectAll()
            .where('status', '=', 'approved')
            .where('cooldown_until', '<=', new Date(nowMs))
            .orderBy('cooldown_until')
            .limit(1)
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!row) return false;
          const userId = row.user_id;
          const bound = userId
            ? await support.bindPhone(trx, { userId, phoneE164: row.new_phone_e164 })
            : false;
          await trx
            .updateTable('manual_recoveries')
            .set({
              status: bound ? 'completed' : 'failed',
              finished_at: new Date(nowMs),
              cooldown_until: null,
            })
            .where('id', '=', row.id)
            .execute();
          await writeAudit(trx, nowMs, {
            actor: { kind: 'system' },
            action: bound ? 'manual_recovery_completed' : 'manual_recovery_failed',
            userId,
            subjectId: row.id,
            details: { durationMs: nowMs - row.created_at.getTime() },
          });
          if (userId && bound) {
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
              vars: { step: 'manual_completed', time: new Date(nowMs).toISOString() },
            });
          }
          return true;
        });
        if (!finished) break;
        done++;
      }
      return done;
    },
  };
}

export type ManualRecovery = ReturnType<typeof createManualRecovery>;
