/**
 * The security lock's public surface (issue 4 point 8), built by `createSecurityLock`; its
 * `paymentGuard` is what payments asks, `checkWithdrawal` what funding asks. docs/protection.md.
 */
import type { PaymentGuard } from '../payments/index.ts';
import type { SecurityLockDeps } from './context.ts';
import { loadLock, toLockView } from './lock-settings.ts';
import { checkConfirmation, checkPaymentIntent } from './payment-guard.ts';
import { type SetSecurityLockInput, setSecurityLock } from './set-security-lock.ts';

export type SecurityLock = ReturnType<typeof createSecurityLock>;

export function createSecurityLock(deps: SecurityLockDeps) {
  const ctx = deps;
  const paymentGuard: PaymentGuard = {
    checkIntent: (input) => checkPaymentIntent(ctx, input),
    checkConfirmation: (input) =>
      checkConfirmation(ctx, {
        userId: input.payerId,
        operation: input.payeeKind === 'user' ? 'transfer' : 'merchant_payment',
        method: input.method,
        sessionId: input.sessionId,
        nowMs: input.nowMs,
      }),
  };
  return {
    get: async (userId: string) => toLockView(await loadLock(ctx.db, userId), ctx.clock.nowMs()),
    set: (input: SetSecurityLockInput) => setSecurityLock(ctx, input),
    paymentGuard,
    /** Funding asks before a withdrawal's payment password is checked. */
    checkWithdrawal: (input: { userId: string; sessionId: string | undefined }) =>
      checkConfirmation(ctx, {
        userId: input.userId,
        operation: 'withdrawal',
        method: 'payment_password',
        sessionId: input.sessionId,
        nowMs: ctx.clock.nowMs(),
      }),
  };
}
