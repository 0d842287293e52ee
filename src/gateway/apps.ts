/**
 * Merchants and their apps (issue 6 point 1): onboarding approved by an operator, apps with the
 * merchant's uploaded RSA-2048 public key, the platform's key pair per app (rotatable with an
 * overlap), an optional IP allow-list, and a console token for the merchant page.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Selectable } from 'kysely';
import { assert, DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { IP_ALLOW_LIST_MAX, KEY_ROTATION_OVERLAP_MAX_MS } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { GATEWAY_ERRORS } from './errors.ts';
import {
  generateRsaKeyPair,
  normalizeMerchantPublicKey,
  openSealedPrivateKey,
  sealPrivateKey,
} from './signing.ts';

export type AppRow = Selectable<Database['gateway_apps']>;

export interface MerchantView {
  readonly merchantId: string;
  readonly name: string;
  readonly status: 'pending' | 'approved' | 'suspended';
  readonly feeRateBp: number;
  readonly settlementAccountId: string;
}

export async function onboardMerchant(
  ctx: GatewayContext,
  input: { merchantId: string; name: string; contactEmail: string | null; feeRateBp: number | undefined },
): Promise<MerchantView> {
  const { db, clock } = ctx;
  const now = new Date(clock.nowMs());
  const existing = await db
    .selectFrom('gateway_merchants')
    .select('merchant_id')
    .where('merchant_id', '=', input.merchantId)
    .executeTakeFirst();
  if (existing) throw new DomainError(GATEWAY_ERRORS.MERCHANT_EXISTS);
  await db.transaction().execute(async (trx) => {
    const merchant = await trx
      .selectFrom('merchants')
      .select('id')
      .where('id', '=', input.merchantId)
      .executeTakeFirst();
    if (!merchant) {
      const settlement = await ctx.ledger.createAccount(
        {
          kind: 'merchant_settlement',
          currency: 'CNY',
          ownerId: input.merchantId,
          label: `${input.name} settlement`,
        },
        trx,
      );
      await trx
        .insertInto('merchants')
        .values({
          id: input.merchantId,
          name: input.name,
          settlement_account_id: settlement.id,
          currency: 'CNY',
          created_at: now,
        })
        .execute();
    }
    await trx
      .insertInto('gateway_merchants')
      .values({
        merchant_id: input.merchantId,
        status: 'pending',
        contact_email: input.contactEmail,
        fee_rate_bp: input.feeRateBp ?? ctx.defaultFeeRateBp,
        created_at: now,
      })
      .execute();
  });
  return getMerchant(ctx, input.merchantId);
}

export async function approveMerchant(ctx: GatewayContext, merchantId: string): Promise<MerchantView> {
  const updated = await ctx.db
    .updateTable('gateway_merchants')
    .set({ status: 'approved', approved_at: new Date(ctx.clock.nowMs()) })
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new DomainError(GATEWAY_ERRORS.MERCHANT_NOT_FOUND);
  return getMerchant(ctx, merchantId);
}

export async function getMerchant(ctx: GatewayContext, merchantId: string): Promise<MerchantView> {
  const row = await ctx.db
    .selectFrom('gateway_merchants as g')
    .innerJoin('merchants as m', 'm.id', 'g.merchant_id')
    .select(['g.merchant_id', 'm.name', 'g.status', 'g.fee_rate_bp', 'm.settlement_account_id'])
    .where('g.merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (!row) throw new DomainError(GATEWAY_ERRORS.MERCHANT_NOT_FOUND);
  return {
    merchantId: row.merchant_id,
    name: row.name,
    status: row.status,
    feeRateBp: row.fee_rate_bp,
    settlementAccountId: row.settlement_account_id,
  };
}

export function parseIpAllowList(list: readonly string[]): string[] {
  if (list.length > IP_ALLOW_LIST_MAX || list.some((ip) => isIP(ip) === 0)) {
    throw new DomainError(GATEWAY_ERRORS.INVALID_IP_ALLOW_LIST);
  }
  return [...new Set(list)];
}

export interface CreatedApp {
  readonly appId: string;
  readonly merchantId: string;
  /** The platform's public key: the merchant's `alipayPublicKey`. */
  readonly platformPublicKeyPem: string;
  /** Shown once: signs the merchant into the console. */
  readonly consoleToken: string;
}

/** App ids look like Alipay's: 16 digits starting 2021. */
function newAppId(): string {
  return `2021${Array.from({ length: 12 }, () => randomInt(10)).join('')}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function createApp(
  ctx: GatewayContext,
  input: {
    merchantId: string;
    name: string;
    merchantPublicKey: string;
    ipAllowList: readonly string[];
    appId?: string;
  },
): Promise<CreatedApp> {
  const merchant = await getMerchant(ctx, input.merchantId);
  if (merchant.status !== 'approved') throw new DomainError(GATEWAY_ERRORS.MERCHANT_NOT_APPROVED);
  const publicKeyPem = normalizeMerchantPublicKey(input.merchantPublicKey);
  if (!publicKeyPem) throw new DomainError(GATEWAY_ERRORS.INVALID_PUBLIC_KEY);
  const ipAllowList = parseIpAllowList(input.ipAllowList);
  const appId = input.appId ?? newAppId();
  const consoleToken = randomBytes(24).toString('base64url');
  const keys = generateRsaKeyPair();
  const keyId = newId('gwkey');
  const now = new Date(ctx.clock.nowMs());
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('gateway_apps')
      .values({
        app_id: appId,
        merchant_id: input.merchantId,
        name: input.name,
        status: 'active',
        merchant_public_key_pem: publicKeyPem,
        ip_allow_list: JSON.stringify(ipAllowList),
        console_token_sha256: sha256Hex(consoleToken),
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('gateway_platform_keys')
      .values({
        id: keyId,
        app_id: appId,
        public_key_pem: keys.publicKeyPem,
        private_key_sealed: sealPrivateKey(ctx.sealingKey, keyId, keys.privateKeyPem),
        signs_from: now,
        created_at: now,
      })
      .execute();
  });
  return { appId, merchantId: input.merchantId, platformPublicKeyPem: keys.publicKeyPem, consoleToken };
}

export async function loadApp(ctx: GatewayContext, appId: string): Promise<AppRow | undefined> {
  return ctx.db.selectFrom('gateway_apps').selectAll().where('app_id', '=', appId).executeTakeFirst();
}

export async function requireApp(ctx: GatewayContext, appId: string): Promise<AppRow> {
  const app = await loadApp(ctx, appId);
  if (!app) throw new DomainError(GATEWAY_ERRORS.APP_NOT_FOUND);
  return app;
}

/** The merchant is approved and the app active: else its calls are refused. */
export async function appUsable(ctx: GatewayContext, app: AppRow): Promise<boolean> {
  if (app.status !== 'active') return false;
  const merchant = await ctx.db
    .selectFrom('gateway_merchants')
    .select('status')
    .where('merchant_id', '=', app.merchant_id)
    .executeTakeFirst();
  return merchant?.status === 'approved';
}

export interface PlatformKeyView {
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly signsFrom: Date;
  readonly createdAt: Date;
  /** The key that signs now. */
  readonly current: boolean;
}

export async function listPlatformKeys(ctx: GatewayContext, appId: string): Promise<PlatformKeyView[]> {
  const rows = await ctx.db
    .selectFrom('gateway_platform_keys')
    .select(['id', 'public_key_pem', 'signs_from', 'created_at'])
    .where('app_id', '=', appId)
    .orderBy('signs_from', 'desc')
    .execute();
  const nowMs = ctx.clock.nowMs();
  const currentId = rows.find((r) => r.signs_from.getTime() <= nowMs)?.id;
  return rows.map((r) => ({
    keyId: r.id,
    publicKeyPem: r.public_key_pem,
    signsFrom: r.signs_from,
    createdAt: r.created_at,
    current: r.id === currentId,
  }));
}

/**
 * Adds a new platform key that starts signing after `overlapMs`; until then the current key
 * keeps signing, so the merchant installs the new public key first (docs/gateway.md).
 */
export async function rotatePlatformKey(
  ctx: GatewayContext,
  input: { appId: string; overlapMs: number },
): Promise<PlatformKeyView[]> {
  assert(
    input.overlapMs >= 0 && input.overlapMs <= KEY_ROTATION_OVERLAP_MAX_MS,
    'overlap validated at the edge',
  );
  await requireApp(ctx, input.appId);
  const keys = generateRsaKeyPair();
  const keyId = newId('gwkey');
  const nowMs = ctx.clock.nowMs();
  await ctx.db
    .insertInto('gateway_platform_keys')
    .values({
      id: keyId,
      app_id: input.appId,
      public_key_pem: keys.publicKeyPem,
      private_key_sealed: sealPrivateKey(ctx.sealingKey, keyId, keys.privateKeyPem),
      signs_from: new Date(nowMs + input.overlapMs),
      created_at: new Date(nowMs),
    })
    .execute();
  return listPlatformKeys(ctx, input.appId);
}

/** The private key that signs for this app now (cached unsealed per key id). */
export function createSigningKeys(ctx: GatewayContext) {
  const unsealed = new Map<string, string>();
  return async (appId: string): Promise<string> => {
    const row = await ctx.db
      .selectFrom('gateway_platform_keys')
      .select(['id', 'private_key_sealed'])
      .where('app_id', '=', appId)
      .where('signs_from', '<=', new Date(ctx.clock.nowMs()))
      .orderBy('signs_from', 'desc')
      .limit(1)
      .executeTakeFirst();
    assert(row, 'every app has a platform key from its creation');
    let pem = unsealed.get(row.id);
    if (!pem) {
      pem = openSealedPrivateKey(ctx.sealingKey, row.id, row.private_key_sealed);
      // Bounded: a few keys per app; cleared wholesale rather than tracked.
      if (unsealed.size > 1_000) unsealed.clear();
      unsealed.set(row.id, pem);
    }
    return pem;
  };
}

export async function updateApp(
  ctx: GatewayContext,
  input: {
    appId: string;
    merchantPublicKey?: string | undefined;
    ipAllowList?: readonly string[] | undefined;
    status?: 'active' | 'disabled' | undefined;
  },
): Promise<AppRow> {
  await requireApp(ctx, input.appId);
  const set: { merchant_public_key_pem?: string; ip_allow_list?: string; status?: 'active' | 'disabled' } =
    {};
  if (input.merchantPublicKey !== undefined) {
    const pem = normalizeMerchantPublicKey(input.merchantPublicKey);
    if (!pem) throw new DomainError(GATEWAY_ERRORS.INVALID_PUBLIC_KEY);
    set.merchant_public_key_pem = pem;
  }
  if (input.ipAllowList !== undefined)
    set.ip_allow_list = JSON.stringify(parseIpAllowList(input.ipAllowList));
  if (input.status !== undefined) set.status = input.status;
  if (Object.keys(set).length > 0)
    await ctx.db.updateTable('gateway_apps').set(set).where('app_id', '=', input.appId).execute();
  return requireApp(ctx, input.appId);
}

/** Console sign-in: the app id and its console token, compared in constant time. */
export async function verifyConsoleToken(
  ctx: GatewayContext,
  input: { appId: string; token: string },
): Promise<AppRow> {
  const app = await loadApp(ctx, input.appId);
  const expected = Buffer.from(app?.console_token_sha256 ?? sha256Hex('no such app'), 'hex');
  const given = Buffer.from(sha256Hex(input.token), 'hex');
  if (!app || !timingSafeEqual(expected, given)) throw new DomainError(GATEWAY_ERRORS.CONSOLE_SIGN_IN_FAILED);
  return app;
}
