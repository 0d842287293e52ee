/**
 * Authorised apps (issue 4 point 9): merchant apps the user let read their data, with the
 * scopes granted, when, and when last used; revocable in one step. The merchant open API
 * (issue 6) creates grants with `grantApp` and calls `touchApp` when it reads with one.
 */
import type { Selectable } from 'kysely';
import { DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { recordAgreementAudit } from './audit.ts';
import type { AppScope } from './constants.ts';
import type { AgreementsContext } from './context.ts';
import { AGREEMENT_ERRORS } from './errors.ts';
import { newestPage } from './listing.ts';

type AppRow = Selectable<Database['authorised_apps']>;

export interface AuthorisedAppView {
  readonly id: string;
  readonly appId: string;
  readonly appName: string;
  readonly merchant: { readonly id: string; readonly name: string };
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
  readonly lastUsedAt: Date | null;
}

function toView(row: AppRow & { merchant_name: string }): AuthorisedAppView {
  return {
    id: row.id,
    appId: row.app_id,
    appName: row.app_name,
    merchant: { id: row.merchant_id, name: row.merchant_name },
    scopes: row.scopes.split(' ').filter((s) => s.length > 0),
    grantedAt: row.granted_at,
    lastUsedAt: row.last_used_at,
  };
}

function liveApps(ctx: AgreementsContext, userId: string) {
  return ctx.db
    .selectFrom('authorised_apps as a')
    .innerJoin('merchants as m', 'm.id', 'a.merchant_id')
    .selectAll('a')
    .select('m.name as merchant_name')
    .where('a.user_id', '=', userId)
    .where('a.revoked_at', 'is', null);
}

export async function listApps(ctx: AgreementsContext, userId: string): Promise<AuthorisedAppView[]> {
  const rows = await newestPage(liveApps(ctx, userId), { createdAt: 'a.granted_at', id: 'a.id' }).execute();
  return rows.map(toView);
}

/** Grants (or widens) an app's access; the live grant per user and app is kept and renewed. */
export async function grantApp(
  ctx: AgreementsContext,
  input: { userId: string; merchantId: string; appId: string; appName: string; scopes: readonly AppScope[] },
): Promise<AuthorisedAppView> {
  const nowMs = ctx.clock.nowMs();
  const scopes = [...new Set(input.scopes)].sort();
  const merchant = await ctx.db
    .selectFrom('merchants')
    .select('id')
    .where('id', '=', input.merchantId)
    .executeTakeFirst();
  if (!merchant) throw new DomainError(AGREEMENT_ERRORS.MERCHANT_NOT_FOUND);
  await ctx.db.transaction().execute(async (trx) => {
    const live = await trx
      .selectFrom('authorised_apps')
      .selectAll()
      .where('user_id', '=', input.userId)
      .where('app_id', '=', input.appId)
      .where('revoked_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (live) {
      const merged = [...new Set([...live.scopes.split(' '), ...scopes])].filter((s) => s).sort();
      await trx
        .updateTable('authorised_apps')
        .set({ scopes: merged.join(' '), granted_at: new Date(nowMs), app_name: input.appName })
        .where('id', '=', live.id)
        .execute();
      return;
    }
    await trx
      .insertInto('authorised_apps')
      .values({
        id: newId('app'),
        user_id: input.userId,
        merchant_id: input.merchantId,
        app_id: input.appId,
        app_name: input.appName,
        scopes: scopes.join(' '),
        granted_at: new Date(nowMs),
      })
      .onConflict((oc) => oc.columns(['user_id', 'app_id']).where('revoked_at', 'is', null).doNothing())
      .execute();
  });
  const row = await liveApps(ctx, input.userId).where('a.app_id', '=', input.appId).executeTakeFirstOrThrow();
  await recordAgreementAudit(ctx.db, nowMs, {
    userId: input.userId,
    subjectId: row.id,
    type: 'app_granted',
    details: { appId: input.appId, merchantId: input.merchantId, scopes: row.scopes },
  });
  return toView(row);
}

/** Is this app allowed `scope` for this user now? Records the use when it is. */
export async function touchApp(
  ctx: AgreementsContext,
  input: { userId: string; appId: string; scope: AppScope },
): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('authorised_apps')
    .select(['id', 'scopes'])
    .where('user_id', '=', input.userId)
    .where('app_id', '=', input.appId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row?.scopes.split(' ').includes(input.scope)) return false;
  await ctx.db
    .updateTable('authorised_apps')
    .set({ last_used_at: new Date(ctx.clock.nowMs()) })
    .where('id', '=', row.id)
    .execute();
  return true;
}

/** One step, no password. Revoking a revoked or unknown grant of one's own is not_found. */
export async function revokeApp(
  ctx: AgreementsContext,
  input: { userId: string; id: string },
): Promise<void> {
  const result = await ctx.db
    .updateTable('authorised_apps')
    .set({ revoked_at: new Date(ctx.clock.nowMs()) })
    .where('id', '=', input.id)
    .where('user_id', '=', input.userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new DomainError(AGREEMENT_ERRORS.APP_NOT_FOUND);
  await recordAgreementAudit(ctx.db, ctx.clock.nowMs(), {
    userId: input.userId,
    subjectId: input.id,
    type: 'app_revoked',
  });
}
