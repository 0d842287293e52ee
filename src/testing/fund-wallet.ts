/**
 * Puts money in a user's CNY wallet for a test: one posted `top_up` transfer from the external
 * funding account (the bank side), as a settled top-up would leave it. Tests only.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Modules } from '../main.ts';

export async function fundWallet(
  modules: Pick<Modules, 'ledger' | 'wallet'>,
  userId: string,
  amountMinor: bigint,
): Promise<void> {
  if (amountMinor === 0n) return;
  const bank = await modules.ledger.systemAccount('external_funding', 'CNY');
  const wallet = await modules.wallet.openWallet(userId, 'CNY');
  const [result] = await modules.ledger.createTransfers([
    {
      id: `test-topup-${randomBytes(8).toString('hex')}`,
      kind: 'posted',
      code: 'top_up',
      legs: [{ debitAccountId: bank.id, creditAccountId: wallet.id, amountMinor, currency: 'CNY' }],
    },
  ]);
  assert.equal(result?.status, 'created');
}
