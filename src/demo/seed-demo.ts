/**
 * Seeds the demo world: users with wallets and opening balances, and a merchant. Idempotent:
 * running it twice changes nothing (users are found by phone, top-ups have fixed transfer ids).
 */
import type { Kysely } from 'kysely';
import type { Agreements } from '../agreements/index.ts';
import type { Credit } from '../credit/index.ts';
import { type Gateway, generateRsaKeyPair, pemBody } from '../gateway/index.ts';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import {
  DEMO_AGREEMENT,
  DEMO_APP_ID,
  DEMO_AUTHORISED_APP,
  DEMO_CREDIT_LINE,
  DEMO_MERCHANT,
  DEMO_USERS,
} from './demo-data.ts';

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
  /** When given, Alice is granted her demo credit line (once: an existing line is left alone). */
  credit?: Pick<Credit, 'get' | 'grant'>;
  /** When given, the demo users get an auto-debit agreement and an authorised app (issue 4 point 9). */
  agreements?: Agreements | undefined;
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
        // The demo merchant's name counts as checked (issue 9: unverified ones get a warning).
        verified_at: settlement.createdAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  if (deps.credit) {
    const alice = await identity.findUserByPhone(DEMO_CREDIT_LINE.phoneE164);
    assert(alice, 'the demo credit user was seeded above');
    if (!(await deps.credit.get(alice.id))) {
      await deps.credit.grant({
        userId: alice.id,
        limit: { amountMinor: DEMO_CREDIT_LINE.limitMinor, currency: 'CNY' },
      });
    }
  }
  if (deps.agreements) await seedAgreements(identity, deps.agreements);
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

/** Alice has signed a monthly coffee subscription with the demo merchant and authorised its
 *  app, so the Security Center's lists are not empty. Idempotent by the merchant's number. */
async function seedAgreements(identity: Identity, agreements: Agreements): Promise<void> {
  const [alice] = DEMO_USERS;
  assert(alice, 'demo users exist');
  const user = await identity.findUserByPhone(alice.phoneE164);
  assert(user, 'the demo user was created above');
  const { agreement } = await agreements.requestAgreement({
    merchantId: DEMO_MERCHANT.id,
    userId: user.id,
    purpose: DEMO_AGREEMENT.purpose,
    perDebitCapMinor: DEMO_AGREEMENT.perDebitCapMinor,
    monthlyCapMinor: DEMO_AGREEMENT.monthlyCapMinor,
    currency: 'CNY',
    externalAgreementNo: DEMO_AGREEMENT.externalAgreementNo,
  });
  if (agreement.status === 'pending') {
    // Alice signs it with her (public, demo) payment password, as she would in the wallet.
    await agreements.confirmAgreement({
      userId: user.id,
      agreementId: agreement.id,
      paymentPassword: alice.paymentPassword,
      origin: { ip: '127.0.0.1', userAgent: 'demo-seed', deviceKey: undefined, locale: 'en', location: null },
    });
  }
  const apps = await agreements.listApps(user.id);
  if (!apps.some((a) => a.appId === DEMO_AUTHORISED_APP.appId)) {
    await agreements.grantApp({ userId: user.id, merchantId: DEMO_MERCHANT.id, ...DEMO_AUTHORISED_APP });
  }
}
