/**
 * The demo world of issue 7: the demo users' verified identities (valid but invented ID numbers),
 * demo operators of every role with public passwords and TOTP seeds (demo mode only, like the
 * demo users' passwords), and an insurance pool with funds. Idempotent.
 */
import { assert } from '../shared/index.ts';
import type { RecoveryContext } from './context.ts';
import type { IdentityData } from './identity-data.ts';
import { composeIdNumber } from './national-id.ts';
import { BOOTSTRAP_OPERATOR, type OperatorRole, type Operators } from './operators.ts';

export const DEMO_IDENTITIES: readonly { phoneE164: string; realName: string; idNumber: string }[] =
  Object.freeze([
    {
      phoneE164: '+8613800138000',
      realName: '陈爱丽',
      idNumber: composeIdNumber({ region: '110105', birthDate: '1990-03-07', sequence: 124 }),
    },
    {
      phoneE164: '+8613900139000',
      realName: '李波',
      idNumber: composeIdNumber({ region: '310115', birthDate: '1988-11-02', sequence: 135 }),
    },
  ]);

export const DEMO_OPERATOR_PASSWORD = 'demo-operator-2026';
/** Base32 TOTP seeds, public on purpose: type one into an authenticator app to try the console. */
export const DEMO_OPERATORS: readonly {
  username: string;
  displayName: string;
  role: OperatorRole;
  totpSecret: string;
}[] = Object.freeze([
  {
    username: 'demo-agent',
    displayName: 'Demo Agent',
    role: 'agent',
    totpSecret: 'JBSWY3DPEHPK3PXPAGENTAGENTAGENTA',
  },
  {
    username: 'demo-analyst',
    displayName: 'Demo Risk Analyst',
    role: 'risk_analyst',
    totpSecret: 'JBSWY3DPEHPK3PXPANALYSTANALYSTAN',
  },
  {
    username: 'demo-supervisor',
    displayName: 'Demo Supervisor',
    role: 'supervisor',
    totpSecret: 'JBSWY3DPEHPK3PXPSUPERVISORSUPERV',
  },
  {
    username: 'demo-supervisor2',
    displayName: 'Demo Supervisor Two',
    role: 'supervisor',
    totpSecret: 'JBSWY3DPEHPK3PXPSECONDSECONDSECO',
  },
  {
    username: 'demo-auditor',
    displayName: 'Demo Auditor',
    role: 'auditor',
    totpSecret: 'JBSWY3DPEHPK3PXPAUDITORAUDITORAU',
  },
]);

export const DEMO_INSURANCE_POOL_MINOR = 100_000_000n; // 1,000,000.00 CNY

export async function seedRecoveryDemo(
  ctx: RecoveryContext,
  identityData: IdentityData,
  operators: Operators,
): Promise<void> {
  for (const demo of DEMO_IDENTITIES) {
    const user = await ctx.identity.findUserByPhone(demo.phoneE164);
    if (!user || (await identityData.view(user.id))) continue;
    await identityData.set(user.id, { realName: demo.realName, idNumber: demo.idNumber });
  }
  const existing = new Set((await operators.list()).map((o) => o.username));
  for (const op of DEMO_OPERATORS) {
    if (existing.has(op.username)) continue;
    await operators.create(BOOTSTRAP_OPERATOR, { ...op, password: DEMO_OPERATOR_PASSWORD });
  }
  const bank = await ctx.ledger.systemAccount('external_funding', 'CNY');
  const pool = await ctx.ledger.systemAccount('insurance_pool', 'CNY');
  const [result] = await ctx.ledger.createTransfers([
    {
      id: 'demo-insurance-pool-seed',
      kind: 'posted',
      code: 'insurance_funding',
      legs: [
        {
          debitAccountId: bank.id,
          creditAccountId: pool.id,
          amountMinor: DEMO_INSURANCE_POOL_MINOR,
          currency: 'CNY',
        },
      ],
    },
  ]);
  assert(result && result.status !== 'rejected', 'the demo insurance pool is funded');
}
