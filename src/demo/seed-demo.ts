/**
 * Seeds the demo world: users with wallets and opening balances, and a merchant. Idempotent:
 * running it twice changes nothing (users are found by phone, top-ups have fixed transfer ids).
 */
import type { Kysely } from 'kysely';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import { DEMO_MERCHANT, DEMO_USERS } from './demo-data.ts';

export interface DemoSeedReport {
  readonly usersCreated: number;
  readonly topUps: number;
}

export async function seedDemo(deps: {
  db: Kysely<Database>;
  identity: Identity;
  wallet: Wallet;
  ledger: Ledger;
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
  return { usersCreated, topUps };
}
