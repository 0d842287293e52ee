/**
 * createRecovery: issue 7's use cases over one context — identity data, self-service recovery
 * and freezes, "my account was stolen", manual recovery with documents, loss claims, operators
 * and what they do, the audit log and the recovery report.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import { type Actor, listAudit, writeAudit } from './audit.ts';
import { createClaims } from './claims.ts';
import type { RecoveryConfig, RecoveryContext } from './context.ts';
import { seedRecoveryDemo } from './demo.ts';
import { createDocumentStore } from './documents.ts';
import { createIdentityData } from './identity-data.ts';
import { createManualRecovery } from './manual-recovery.ts';
import { createOperators } from './operators.ts';
import { createOps } from './ops.ts';
import { noSuspendUserGrants, type SuspendUserGrants } from './ports.ts';
import { recoveryReport } from './report.ts';
import { createSelfService } from './self-service.ts';
import { createStolen } from './stolen.ts';
import { createVault, type KeyWrapper } from './vault.ts';

/** Four eyes above 1,000.00 CNY; at most 50,000.00 CNY per user per year (the demo policy). */
export const DEFAULT_PAYOUT_SECOND_APPROVAL_MINOR = 100_000n;
export const DEFAULT_CLAIM_YEARLY_CAP_MINOR = 5_000_000n;
/** How often main.ts runs `runDue` (cool-downs end within this of their time). */
export const RECOVERY_DUE_INTERVAL_MS = 30_000;

export interface RecoveryDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly identity: Identity;
  readonly ledger: Ledger;
  readonly wallet: Wallet;
  readonly payments: Payments;
  readonly masterKey: Buffer;
  /** A KMS in production; the master-key-derived KEK by default. */
  readonly keyWrapper?: KeyWrapper | undefined;
  readonly grants?: SuspendUserGrants | undefined;
  readonly publicUrl: string;
  /** The data directory; documents go to `<dataDir>-recovery-documents` (never the database). */
  readonly documentsDir: string;
  readonly config?:
    | Partial<Pick<RecoveryConfig, 'payoutSecondApprovalMinor' | 'claimYearlyCapMinor'>>
    | undefined;
}

export function documentsDirFor(dataDir: string): string {
  return dataDir.startsWith('memory://')
    ? join(tmpdir(), 'rampart-test-recovery-documents')
    : `${dataDir}-recovery-documents`;
}

export function createRecovery(deps: RecoveryDeps) {
  const vault = createVault(deps.masterKey, deps.keyWrapper);
  const ctx: RecoveryContext = {
    db: deps.db,
    clock: deps.clock,
    identity: deps.identity,
    ledger: deps.ledger,
    wallet: deps.wallet,
    payments: deps.payments,
    vault,
    grants: deps.grants ?? noSuspendUserGrants,
    config: {
      publicUrl: deps.publicUrl,
      documentsDir: deps.documentsDir,
      payoutSecondApprovalMinor:
        deps.config?.payoutSecondApprovalMinor ?? DEFAULT_PAYOUT_SECOND_APPROVAL_MINOR,
      claimYearlyCapMinor: deps.config?.claimYearlyCapMinor ?? DEFAULT_CLAIM_YEARLY_CAP_MINOR,
    },
  };
  const identityData = createIdentityData(ctx);
  const selfService = createSelfService(ctx, identityData);
  const operators = createOperators(ctx);
  const manual = createManualRecovery(
    ctx,
    identityData,
    createDocumentStore({ dir: deps.documentsDir, vault }),
  );
  return {
    identityData,
    selfService,
    stolen: createStolen(ctx),
    manual,
    claims: createClaims(ctx),
    operators,
    ops: createOps(ctx, identityData, selfService),
    listAudit: (input: Parameters<typeof listAudit>[1]) => listAudit(deps.db, input),
    /** An operator action of another module (issue 5's rules, lists and cases) into the same
     *  audit log, after that action committed. */
    recordOperatorAction: (input: {
      actor: Extract<Actor, { kind: 'operator' }>;
      action: string;
      userId?: string | null;
      subjectId?: string | null;
      details?: Record<string, string | number | boolean | null>;
    }) => writeAudit(deps.db, deps.clock.nowMs(), input),
    report: (input?: Parameters<typeof recoveryReport>[1]) => recoveryReport(deps.db, input),
    /** Cool-downs that ended: called by main.ts on an interval; safe in many processes. */
    runDue: (nowMs: number) => manual.runDue(nowMs),
    seedDemo: () => seedRecoveryDemo(ctx, identityData, operators),
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
