/** What recovery needs from modules built by other helpers, as ports wired in main.ts. */

/**
 * Suspends a user's agreements (deduction items, auto-pay) and family cards pending review.
 * Issue 7 point 2; `src/agreements` (another branch) provides `suspendAll(userId)`. The default is
 * a no-op that reports nothing suspended, so the flow is honest about what it did.
 */
export interface SuspendUserGrants {
  suspendAll(userId: string): Promise<{ suspended: number }>;
}

export const noSuspendUserGrants: SuspendUserGrants = {
  suspendAll: async () => ({ suspended: 0 }),
};
