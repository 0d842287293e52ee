/**
 * Seeds the demo world: users with wallets and opening balances, and a merchant. Idempotent:
 * running it twice changes nothing (users are found by phone, top-ups have fixed transfer ids).
 */
import type { Kysely } from 'kysely';
import { type Gateway, generateRsaKeyPair, pemBody } from '../gateway/index.ts';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import { DEMO_APP_ID, DEMO_MERCHANT, DEMO_USERS } from './demo-data.ts';

export interface DemoSeedReport {
  readonly usersCreated: number;
  readonly topUps: number;
  /** The demo merchant app, when this run created it (its private key exists only here). */
  readonly merchantApp?: DemoMerchantApp | undefined;
}

/** What a developer needs to point alipay-sdk at the platform (docs/gateway.md). */
export interface DemoMerchantApp {
  readonly appId: string;
  /** The merchant's private key (PKCS#8 PEM: `keyType: 'PKCS8'`). */
  readonly privateKey: string;
  /** The platform's public key: the SDK's `alipayPublicKey`. */
  readonly alipayPublicKey: string;
  readonly consoleToken: string;
}

export async function seedDemo(deps: {
  db: Kysely<Database>;
  identity: Identity;
  wallet: Wallet;
  ledger: Ledger;
  gateway?: Gateway | undefined;
}): Promise<DemoSeedReport> {
  const { db, identity, wallet, ledger } = deps;
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  let usersCreated = 0;
  let topUps = 0;
  for (const demo of DEMO_USERS) {
    let user = await identity.findUserByPhone(demo.phoneE164);
    if (!user) {
      user = await identity.createUser({
        phoneE164: demo.phoneE164,
        displayName: demo.displayName,
        password: demo.password,
        paymentPassword: demo.paymentPassword,
      });
      usersCreated++;
    }
    const account = await wallet.openWallet(user.id, 'CNY');
    const [result] = await ledger.createTransfers([
      {
        id: `demo-topup-${user.id}`.slice(0, 64),
        kind: 'posted',
        code: 'top_up',
        legs: [
          {
            debitAccountId: bank.id,
            creditAccountId: account.id,
            amountMinor: demo.openingBalanceMinor,
            currency: 'CNY',
          },
        ],
      },
    ]);
    assert(result && result.status !== 'rejected', 'demo top-up applies');
    if (result.status === 'created') topUps++;
  }
  const merchant = await db
    .selectFrom('merchants')
    .select('id')
    .where('id', '=', DEMO_MERCHANT.id)
    .executeTakeFirst();
  if (!merchant) {
    const settlement = await ledger.createAccount({
      kind: 'merchant_settlement',
      currency: 'CNY',
      ownerId: DEMO_MERCHANT.id,
      label: `${DEMO_MERCHANT.name} settlement`,
    });
    await db
      .insertInto('merchants')
      .values({
        id: DEMO_MERCHANT.id,
        name: DEMO_MERCHANT.name,
        settlement_account_id: settlement.id,
        currency: 'CNY',
        created_at: settlement.createdAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  const merchantApp = deps.gateway ? await seedDemoMerchantApp(db, deps.gateway) : undefined;
  return { usersCreated, topUps, merchantApp };
}

/** The demo merchant on the open API: approved, with one app and a fresh merchant key pair. */
async function seedDemoMerchantApp(
  db: Kysely<Database>,
  gateway: Gateway,
): Promise<DemoMerchantApp | undefined> {
  const onboarded = await db
    .selectFrom('gateway_merchants')
    .select('merchant_id')
    .where('merchant_id', '=', DEMO_MERCHANT.id)
    .executeTakeFirst();
  if (!onboarded) {
    await gateway.onboardMerchant({
      merchantId: DEMO_MERCHANT.id,
      name: DEMO_MERCHANT.name,
      contactEmail: null,
      feeRateBp: undefined,
    });
    await gateway.approveMerchant(DEMO_MERCHANT.id);
  }
  const app = await db
    .selectFrom('gateway_apps')
    .select('app_id')
    .where('app_id', '=', DEMO_APP_ID)
    .executeTakeFirst();
  if (app) return undefined;
  const merchantKeys = generateRsaKeyPair();
  const created = await gateway.createApp({
    merchantId: DEMO_MERCHANT.id,
    name: 'Demo Coffee web shop',
    merchantPublicKey: merchantKeys.publicKeyPem,
    ipAllowList: [],
    appId: DEMO_APP_ID,
  });
  return {
    appId: created.appId,
    privateKey: merchantKeys.privateKeyPem,
    alipayPublicKey: pemBody(created.platformPublicKeyPem),
    consoleToken: created.consoleToken,
  };
}
