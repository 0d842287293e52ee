/**
 * `rampart ledger simulate`: a seeded, replayable random-operation simulator for the ledger.
 *
 * fast-check draws the whole operation sequence from the seed alone (same seed and steps ⇒ the
 * same sequence, see `opsSha256`). The simulator drives the real ledger through it — posted and
 * multi-leg transfers (some bound to fail), holds with timeouts, posts and voids (twice, or of
 * unknown ids), clock advances with the expiry sweep, exact and conflicting re-submissions of
 * earlier ids, concurrent retries of one request, post-versus-void races and many transfers
 * contending for one hot account — while a small in-memory model predicts every outcome and every
 * balance. After every step the store must equal the model and each currency's money must sum to
 * zero; every few steps `verifyLedger` re-derives everything from the journal. Any difference
 * throws `SimulationMismatch` naming the seed and the step, so the failure replays.
 *
 * It creates accounts and append-only journal rows and drives the clock by hand: run it on a
 * scratch database, never on one that holds real money. It imports fast-check, so load it lazily
 * (`await import(...)`) from the CLI rather than through the ledger's index.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import {
  AMOUNT_MAX_MINOR,
  AssertionError,
  COMMON_ERRORS,
  type Currency,
  DomainError,
  ManualClock,
} from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { type AccountState, EXPIRE_ID_PREFIX, expireTransferId } from './apply-transfers.ts';
import { EXPIRE_HOLDS_PER_RUN_MAX } from './constants.ts';
import { createLedger, type Ledger } from './ledger.ts';
import type {
  AccountKind,
  MoveRequest,
  RejectReason,
  ResolveRequest,
  TransferLeg,
  TransferRequest,
  TransferResult,
} from './types.ts';
import { isMoveRequest } from './types.ts';
import { verifyLedger } from './verify-ledger.ts';

/** Customer accounts (wallets and credit lines) per run: few, so transfers collide often. */
export const SIM_ACCOUNTS_DEFAULT = 6;
export const SIM_ACCOUNTS_MIN = 2;
/** Every step re-reads all of a run's accounts, so their number stays small. */
export const SIM_ACCOUNTS_MAX = 64;
/** The operation sequence is drawn up front and kept in memory, as is the model's history. */
export const SIM_STEPS_MAX = 100_000;
/** fast-check seeds are 32-bit integers. */
export const SIM_SEED_MAX = 0x7fff_ffff;
/** `verifyLedger` scans the whole journal, so it runs every this many steps (and at the end). */
export const SIM_VERIFY_EVERY_STEPS_DEFAULT = 100;
/** Copies of one request submitted at once in a concurrent retry: about a pool's worth. */
const SIM_COPIES_MAX = 6;
/** Requests per `createTransfers` batch the simulator sends (far under TRANSFERS_PER_BATCH_MAX). */
const SIM_BATCH_REQUESTS_MAX = 6;
/** Legs per multi-leg transfer (under LEGS_PER_TRANSFER_MAX): payment, fee, cash-back, one more. */
const SIM_LEGS_MAX = 4;
/** Distinct transfers fired at once against one hot account. */
const SIM_HOT_TRANSFERS_MAX = 8;
/** Expiry sweeps per clock advance: each expires up to EXPIRE_HOLDS_PER_RUN_MAX holds, and a run
 *  never has more holds than steps × requests per step. */
const SIM_SWEEP_RUNS_MAX = Math.ceil((SIM_STEPS_MAX * SIM_BATCH_REQUESTS_MAX) / EXPIRE_HOLDS_PER_RUN_MAX) + 1;
/** Funds a hot account gets before contention when it has too little to contend for. */
const SIM_HOT_TOP_UP_MINOR = 10_000n;
const ID_PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,24}$/;
/** Transfer ids are at most 64 characters (CLIENT_ID_PATTERN); long ids test that boundary. */
const TRANSFER_ID_LENGTH_MAX = 64;

const HOLD_TIMEOUTS_MS = [1_000, 1_000, 30_000, 600_000, 3_600_000] as const;
/** Clock steps, chosen to land on and around the hold timeouts above. */
const CLOCK_STEPS_MS = [1, 999, 1_000, 29_999, 30_000, 60_000, 600_000, 3_600_000] as const;
/** Advances without a sweep stay short: the sweep runs every second in production. */
const CLOCK_STEPS_UNSWEPT_MS = [1, 500, 1_000] as const;
const CODES = ['p2p', 'merchant_pay', 'withdraw', 'refund'] as const;

/** Thrown when the ledger and the model disagree: a bug, with what is needed to replay it. */
export class SimulationMismatch extends AssertionError {
  override name = 'SimulationMismatch';
  readonly seed: number;
  readonly step: number;
  readonly steps: number;
  constructor(input: {
    seed: number;
    step: number;
    steps: number;
    op: string;
    detail: string;
    cause?: unknown;
  }) {
    super(
      `ledger simulation diverged at step ${input.step} of ${input.steps} (seed ${input.seed}; replay with ` +
        `--seed ${input.seed} --steps ${input.steps}): ${input.detail}\n  operation: ${input.op}`,
      input.cause === undefined ? undefined : { cause: input.cause },
    );
    this.seed = input.seed;
    this.step = input.step;
    this.steps = input.steps;
  }
}

export interface SimulationOptions {
  readonly ledger: Ledger;
  readonly db: Kysely<Database>;
  /** The clock the ledger reads; the simulator advances it. */
  readonly clock: ManualClock;
  readonly seed: number;
  readonly steps: number;
  /** Customer accounts (wallets and credit lines); system accounts are added. */
  readonly accounts?: number | undefined;
  readonly verifyEverySteps?: number | undefined;
  /** Prefix of every account and transfer id of the run; random by default so runs can share a store. */
  readonly idPrefix?: string | undefined;
  /** Called after each step's checks passed. */
  readonly onStep?: ((step: number, total: number) => void | Promise<void>) | undefined;
}

export interface SimulationReport {
  readonly seed: number;
  readonly steps: number;
  readonly accounts: number;
  readonly idPrefix: string;
  /** SHA-256 of the drawn operation sequence: equal for equal seeds, steps and accounts. */
  readonly opsSha256: string;
  readonly opsByKind: Readonly<Record<string, number>>;
  readonly requestsSubmitted: number;
  readonly transfersCreated: number;
  readonly replays: number;
  readonly rejectedByReason: Readonly<Partial<Record<RejectReason, number>>>;
  readonly holdsCreated: number;
  readonly holdsPosted: number;
  readonly holdsVoided: number;
  readonly holdsExpired: number;
  /** Requests submitted as one of several identical copies at once. */
  readonly concurrentCopies: number;
  readonly verifications: number;
  readonly clockAdvancedMs: number;
  readonly elapsedMs: number;
}

// ---------------------------------------------------------------------------------------------
// The operation sequence: plain data drawn by fast-check, resolved against the run's state when
// executed (a `pick` indexes whatever list it refers to, modulo its length).

type AccountPick =
  | { readonly role: 'customer'; readonly index: number }
  | { readonly role: 'bank' | 'fees' | 'usd_wallet' | 'unknown' };

interface LegSpec {
  readonly debit: AccountPick;
  readonly credit: AccountPick;
  readonly amountMinor: bigint;
  /** Book the leg in the other currency than the debit account's: a currency mismatch. */
  readonly otherCurrency: boolean;
}

type ReqSpec =
  | {
      readonly t: 'move';
      readonly kind: 'posted' | 'pending';
      readonly legs: readonly LegSpec[];
      readonly timeoutMs: number | null;
      readonly code: string;
      readonly userData: string | null;
      readonly longId: boolean;
    }
  | { readonly t: 'top_up'; readonly customer: number; readonly amountMinor: bigint; readonly usd: boolean }
  | {
      readonly t: 'resolve';
      readonly kind: 'post_pending' | 'void_pending';
      readonly target: 'open_hold' | 'any_hold' | 'unknown' | 'not_a_hold' | 'group_hold';
      readonly pick: number;
      readonly code: string;
    }
  | { readonly t: 'dup_exact'; readonly pick: number }
  /** A client transfer under a hold's expiry id: refused, or the hold could never expire. */
  | { readonly t: 'squat_expire_id'; readonly pick: number }
  | {
      readonly t: 'dup_different';
      readonly pick: number;
      readonly change: 'amount' | 'code' | 'user_data' | 'kind';
    };

type SimOp =
  | { readonly t: 'single'; readonly req: ReqSpec; readonly via: 'create' | 'submit' }
  | { readonly t: 'batch'; readonly reqs: readonly ReqSpec[] }
  | { readonly t: 'concurrent'; readonly req: ReqSpec; readonly copies: number; readonly via: Concurrency }
  | { readonly t: 'advance'; readonly ms: number; readonly sweep: boolean }
  | {
      readonly t: 'hot';
      readonly customer: number;
      readonly transfers: number;
      readonly winners: number;
      readonly via: Concurrency;
    }
  | { readonly t: 'race'; readonly pick: number; readonly via: Concurrency }
  /** A hold resolved right at its deadline: 1 ms before (allowed), at it or after (expired). */
  | {
      readonly t: 'deadline';
      readonly customer: number;
      readonly kind: 'post_pending' | 'void_pending';
      readonly offsetMs: -1 | 0 | 1;
      readonly sweepFirst: boolean;
    };

/** `submit`: the group-commit batcher; `create`: one `createTransfers` transaction per request. */
type Concurrency = 'submit' | 'create';

function oneIn(n: number): fc.Arbitrary<boolean> {
  return fc.integer({ min: 1, max: n }).map((x) => x === 1);
}

function opArbitrary(): fc.Arbitrary<SimOp> {
  const accountPick: fc.Arbitrary<AccountPick> = fc.oneof(
    { weight: 14, arbitrary: fc.nat().map((index) => ({ role: 'customer' as const, index })) },
    { weight: 2, arbitrary: fc.constant({ role: 'bank' as const }) },
    { weight: 2, arbitrary: fc.constant({ role: 'fees' as const }) },
    { weight: 1, arbitrary: fc.constant({ role: 'usd_wallet' as const }) },
    { weight: 1, arbitrary: fc.constant({ role: 'unknown' as const }) },
  );
  const amountMinor = fc.oneof(
    { weight: 20, arbitrary: fc.bigInt(1n, 300n) },
    { weight: 6, arbitrary: fc.bigInt(301n, 5_000n) },
    { weight: 2, arbitrary: fc.bigInt(1_000_000n, 1_000_000_000n) },
    { weight: 1, arbitrary: fc.constantFrom(0n, AMOUNT_MAX_MINOR + 1n) },
  );
  const leg: fc.Arbitrary<LegSpec> = fc.record({
    debit: accountPick,
    credit: accountPick,
    amountMinor,
    otherCurrency: oneIn(25),
  });
  const move: fc.Arbitrary<ReqSpec> = fc.record({
    t: fc.constant('move' as const),
    kind: fc.oneof({ weight: 2, arbitrary: fc.constant('posted' as const) }, fc.constant('pending' as const)),
    legs: fc.oneof(
      { weight: 3, arbitrary: fc.array(leg, { minLength: 1, maxLength: 1 }) },
      fc.array(leg, { minLength: 2, maxLength: SIM_LEGS_MAX }),
    ),
    timeoutMs: fc.option(fc.constantFrom(...HOLD_TIMEOUTS_MS), { freq: 4, nil: null }),
    code: fc.constantFrom(...CODES),
    userData: fc.option(fc.constantFrom('order-1', 'note'), { freq: 2, nil: null }),
    longId: oneIn(6),
  });
  const topUp: fc.Arbitrary<ReqSpec> = fc.record({
    t: fc.constant('top_up' as const),
    customer: fc.nat(),
    amountMinor: fc.bigInt(100n, 20_000n),
    usd: oneIn(8),
  });
  const resolve: fc.Arbitrary<ReqSpec> = fc.record({
    t: fc.constant('resolve' as const),
    kind: fc.constantFrom('post_pending' as const, 'void_pending' as const),
    target: fc.oneof(
      { weight: 8, arbitrary: fc.constant('open_hold' as const) },
      { weight: 3, arbitrary: fc.constant('any_hold' as const) },
      { weight: 1, arbitrary: fc.constant('unknown' as const) },
      { weight: 1, arbitrary: fc.constant('not_a_hold' as const) },
      { weight: 2, arbitrary: fc.constant('group_hold' as const) },
    ),
    pick: fc.nat(),
    code: fc.constantFrom(...CODES),
  });
  const dupExact: fc.Arbitrary<ReqSpec> = fc.record({ t: fc.constant('dup_exact' as const), pick: fc.nat() });
  const dupDifferent: fc.Arbitrary<ReqSpec> = fc.record({
    t: fc.constant('dup_different' as const),
    pick: fc.nat(),
    change: fc.constantFrom('amount' as const, 'code' as const, 'user_data' as const, 'kind' as const),
  });
  const squat: fc.Arbitrary<ReqSpec> = fc.record({
    t: fc.constant('squat_expire_id' as const),
    pick: fc.nat(),
  });
  const req: fc.Arbitrary<ReqSpec> = fc.oneof(
    { weight: 12, arbitrary: move },
    { weight: 4, arbitrary: topUp },
    { weight: 6, arbitrary: resolve },
    { weight: 3, arbitrary: dupExact },
    { weight: 2, arbitrary: dupDifferent },
    { weight: 1, arbitrary: squat },
  );
  const concurrency = fc.constantFrom('submit' as const, 'create' as const);
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        t: fc.constant('single' as const),
        req,
        via: fc.constantFrom('create' as const, 'submit' as const),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('batch' as const),
        reqs: fc.array(req, { minLength: 2, maxLength: SIM_BATCH_REQUESTS_MAX }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('concurrent' as const),
        req,
        copies: fc.integer({ min: 2, max: SIM_COPIES_MAX }),
        via: concurrency,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.record({
          t: fc.constant('advance' as const),
          ms: fc.constantFrom(...CLOCK_STEPS_MS),
          sweep: fc.constant(true),
        }),
        fc.record({
          t: fc.constant('advance' as const),
          ms: fc.constantFrom(...CLOCK_STEPS_UNSWEPT_MS),
          sweep: fc.constant(false),
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          t: fc.constant('hot' as const),
          customer: fc.nat(),
          transfers: fc.integer({ min: 3, max: SIM_HOT_TRANSFERS_MAX }),
          winners: fc.nat(),
          via: concurrency,
        })
        .map((op) => ({ ...op, winners: 1 + (op.winners % (op.transfers - 1)) })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('race' as const), pick: fc.nat(), via: concurrency }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('deadline' as const),
        customer: fc.nat(),
        kind: fc.constantFrom('post_pending' as const, 'void_pending' as const),
        offsetMs: fc.constantFrom(-1 as const, 0 as const, 1 as const),
        sweepFirst: fc.boolean(),
      }),
    },
  );
}

/** The operation sequence of a seed: a pure function of (seed, steps), prefix-stable in steps. */
export function drawSimulationOps(seed: number, steps: number): readonly SimOp[] {
  return fc.sample(opArbitrary(), { seed, numRuns: steps });
}

// ---------------------------------------------------------------------------------------------
// The model: what the ledger's rules say should happen, written independently of planBatch.

interface ModelHold {
  readonly id: string;
  readonly legs: readonly TransferLeg[];
  readonly expiresAtMs: number | null;
  state: 'pending' | 'posted' | 'voided' | 'expired';
}

interface ModelTransfer {
  readonly request: TransferRequest;
  readonly fields: string;
  /** Move: its own legs; resolution: the hold's. */
  readonly legs: readonly TransferLeg[];
}

type Expected =
  | { readonly status: 'created' | 'replayed' }
  | { readonly status: 'rejected'; readonly reason: RejectReason };

function requestFields(request: TransferRequest): string {
  return JSON.stringify([
    request.kind,
    request.code,
    isMoveRequest(request) ? null : request.pendingId,
    isMoveRequest(request) ? (request.timeoutMs ?? null) : null,
    request.userData ?? null,
    isMoveRequest(request)
      ? request.legs.map((l) => [l.debitAccountId, l.creditAccountId, String(l.amountMinor), l.currency])
      : null,
  ]);
}

/** Lets the simulator pick a random element and remove any element in O(1). */
class PickSet {
  readonly #items: string[] = [];
  readonly #index = new Map<string, number>();
  get size(): number {
    return this.#items.length;
  }
  add(item: string): void {
    if (this.#index.has(item)) return;
    this.#index.set(item, this.#items.length);
    this.#items.push(item);
  }
  delete(item: string): void {
    const i = this.#index.get(item);
    if (i === undefined) return;
    const last = this.#items.pop();
    this.#index.delete(item);
    if (last !== undefined && last !== item) {
      this.#items[i] = last;
      this.#index.set(last, i);
    }
  }
  pick(n: number): string | undefined {
    return this.#items.length === 0 ? undefined : this.#items[n % this.#items.length];
  }
}

class LedgerModel {
  readonly accounts = new Map<string, AccountState>();
  readonly holds = new Map<string, ModelHold>();
  readonly transfers = new Map<string, ModelTransfer>();
  /** Ids of the transfers the ledger's sweep wrote to expire holds. */
  readonly expiryIds = new Set<string>();
  /** Holds still pending (possibly past their deadline, not yet swept). */
  readonly openHolds = new PickSet();

  availableMinor(id: string): bigint {
    const a = this.accounts.get(id);
    assert(a, `model account ${id}`);
    return a.creditsPostedMinor - a.debitsPostedMinor - a.debitsPendingMinor + (a.negativeLimitMinor ?? 0n);
  }

  /** Decides a request as the ledger's rules say, and applies it when it is created. */
  apply(request: TransferRequest, nowMs: number): Expected {
    if (request.id.startsWith(EXPIRE_ID_PREFIX)) return rejected('invalid_id');
    if (isMoveRequest(request)) {
      // The shape checks the simulator can fail, in the ledger's order: per leg, then timeout.
      for (const leg of request.legs) {
        if (leg.amountMinor <= 0n || leg.amountMinor > AMOUNT_MAX_MINOR) return rejected('invalid_amount');
        if (leg.debitAccountId === leg.creditAccountId) return rejected('accounts_must_be_different');
      }
    }
    const prior = this.transfers.get(request.id);
    if (prior) {
      return prior.fields === requestFields(request)
        ? { status: 'replayed' }
        : rejected('exists_with_different_fields');
    }
    return isMoveRequest(request) ? this.#applyMove(request, nowMs) : this.#applyResolve(request, nowMs);
  }

  #applyMove(request: MoveRequest, nowMs: number): Expected {
    const working = new Map<string, AccountState>();
    const get = (id: string): AccountState | undefined => {
      const seen = working.get(id);
      if (seen) return seen;
      const base = this.accounts.get(id);
      if (!base) return undefined;
      const copy = { ...base };
      working.set(id, copy);
      return copy;
    };
    const pending = request.kind === 'pending';
    for (const leg of request.legs) {
      const debit = get(leg.debitAccountId);
      const credit = get(leg.creditAccountId);
      if (!debit) return rejected('debit_account_not_found');
      if (!credit) return rejected('credit_account_not_found');
      if (debit.currency !== leg.currency || credit.currency !== leg.currency) {
        return rejected('currency_mismatch');
      }
      if (pending) {
        debit.debitsPendingMinor += leg.amountMinor;
        credit.creditsPendingMinor += leg.amountMinor;
      } else {
        debit.debitsPostedMinor += leg.amountMinor;
        credit.creditsPostedMinor += leg.amountMinor;
      }
      if (
        debit.negativeLimitMinor !== null &&
        debit.debitsPostedMinor + debit.debitsPendingMinor >
          debit.creditsPostedMinor + debit.negativeLimitMinor
      ) {
        return rejected(debit.kind === 'credit_line' ? 'exceeds_credit_limit' : 'exceeds_credits');
      }
    }
    for (const [id, state] of working) this.accounts.set(id, state);
    this.transfers.set(request.id, { request, fields: requestFields(request), legs: request.legs });
    if (pending) {
      const expiresAtMs = request.timeoutMs === undefined ? null : nowMs + request.timeoutMs;
      this.holds.set(request.id, { id: request.id, legs: request.legs, expiresAtMs, state: 'pending' });
      this.openHolds.add(request.id);
    }
    return { status: 'created' };
  }

  #applyResolve(request: ResolveRequest, nowMs: number): Expected {
    const hold = this.holds.get(request.pendingId);
    if (!hold) return rejected('pending_transfer_not_found');
    if (hold.state === 'posted') return rejected('pending_transfer_already_posted');
    if (hold.state === 'voided') return rejected('pending_transfer_already_voided');
    if (hold.state === 'expired') return rejected('pending_transfer_expired');
    if (hold.expiresAtMs !== null && nowMs >= hold.expiresAtMs) return rejected('pending_transfer_expired');
    this.#release(hold, request.kind === 'post_pending' ? 'posted' : 'voided');
    this.transfers.set(request.id, { request, fields: requestFields(request), legs: hold.legs });
    return { status: 'created' };
  }

  #release(hold: ModelHold, state: 'posted' | 'voided' | 'expired'): void {
    for (const leg of hold.legs) {
      const debit = this.accounts.get(leg.debitAccountId);
      const credit = this.accounts.get(leg.creditAccountId);
      assert(debit && credit, `model accounts of hold ${hold.id}`);
      debit.debitsPendingMinor -= leg.amountMinor;
      credit.creditsPendingMinor -= leg.amountMinor;
      if (state === 'posted') {
        debit.debitsPostedMinor += leg.amountMinor;
        credit.creditsPostedMinor += leg.amountMinor;
      }
    }
    hold.state = state;
    this.openHolds.delete(hold.id);
  }

  /** The expiry sweep: every pending hold at or past its deadline expires. Returns their ids. */
  sweep(nowMs: number): string[] {
    const expired: string[] = [];
    for (const hold of this.holds.values()) {
      if (hold.state === 'pending' && hold.expiresAtMs !== null && nowMs >= hold.expiresAtMs) {
        this.#release(hold, 'expired');
        this.expiryIds.add(expireTransferId(hold.id));
        expired.push(hold.id);
      }
    }
    return expired;
  }
}

function rejected(reason: RejectReason): Expected {
  return { status: 'rejected', reason };
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`simulator: ${message}`);
}

function describeResult(result: TransferResult | Expected): string {
  return result.status === 'rejected' ? `rejected:${result.reason}` : result.status;
}

function legsKey(legs: readonly TransferLeg[]): string {
  return legs.map((l) => `${l.debitAccountId}>${l.creditAccountId}:${l.amountMinor}:${l.currency}`).join(';');
}

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

// ---------------------------------------------------------------------------------------------

/** Drives the real ledger through a seeded operation sequence, checking it against the model. */
export async function simulateLedger(options: SimulationOptions): Promise<SimulationReport> {
  const { ledger, db, clock, seed, steps } = options;
  const accountsCount = options.accounts ?? SIM_ACCOUNTS_DEFAULT;
  const verifyEverySteps = options.verifyEverySteps ?? SIM_VERIFY_EVERY_STEPS_DEFAULT;
  const prefix = options.idPrefix ?? `sim${seed.toString(36)}x${randomBytes(3).toString('hex')}`;
  const invalid = (message: string) =>
    new DomainError(COMMON_ERRORS.VALIDATION_FAILED, { seed, steps, accounts: accountsCount }, message);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > SIM_SEED_MAX) {
    throw invalid(`seed must be 0..${SIM_SEED_MAX}`);
  }
  if (!Number.isSafeInteger(steps) || steps < 1 || steps > SIM_STEPS_MAX) {
    throw invalid(`steps must be 1..${SIM_STEPS_MAX}`);
  }
  if (
    !Number.isSafeInteger(accountsCount) ||
    accountsCount < SIM_ACCOUNTS_MIN ||
    accountsCount > SIM_ACCOUNTS_MAX
  ) {
    throw invalid(`accounts must be ${SIM_ACCOUNTS_MIN}..${SIM_ACCOUNTS_MAX}`);
  }
  if (!Number.isSafeInteger(verifyEverySteps) || verifyEverySteps < 1) {
    throw invalid('verifyEverySteps must be ≥ 1');
  }
  if (!ID_PREFIX_PATTERN.test(prefix)) throw invalid('idPrefix must be 1–24 letters, digits or _.-');

  const startedMs = performance.now();
  const ops = drawSimulationOps(seed, steps);
  const opsSha256 = createHash('sha256').update(json(ops)).digest('hex');
  const model = new LedgerModel();
  const stats = {
    opsByKind: {} as Record<string, number>,
    requestsSubmitted: 0,
    transfersCreated: 0,
    replays: 0,
    rejectedByReason: {} as Partial<Record<RejectReason, number>>,
    holdsCreated: 0,
    holdsPosted: 0,
    holdsVoided: 0,
    holdsExpired: 0,
    concurrentCopies: 0,
    verifications: 0,
    clockAdvancedMs: 0,
  };

  // Accounts: an unbounded bank per currency, a fees account, a USD wallet (for mismatches) and
  // the customers: wallets, and every third a credit line with its own limit.
  const bank = `${prefix}-bank`;
  const usdBank = `${prefix}-bank-usd`;
  const fees = `${prefix}-fees`;
  const usdWallet = `${prefix}-usd`;
  const ghost = `${prefix}-ghost`;
  const customers: string[] = [];
  const specs: { id: string; kind: AccountKind; currency: Currency; negativeLimitMinor: bigint | null }[] = [
    { id: bank, kind: 'external_funding', currency: 'CNY', negativeLimitMinor: null },
    { id: usdBank, kind: 'external_funding', currency: 'USD', negativeLimitMinor: null },
    { id: fees, kind: 'fees', currency: 'CNY', negativeLimitMinor: 0n },
    { id: usdWallet, kind: 'wallet', currency: 'USD', negativeLimitMinor: 0n },
  ];
  for (let i = 0; i < accountsCount; i++) {
    const creditLine = i % 3 === 1;
    const id = `${prefix}-c${i}`;
    customers.push(id);
    specs.push({
      id,
      kind: creditLine ? 'credit_line' : 'wallet',
      currency: 'CNY',
      negativeLimitMinor: creditLine ? BigInt(i + 1) * 1_000n : 0n,
    });
  }
  for (const spec of specs) {
    const account = await ledger.createAccount({ ...spec, label: `simulation ${prefix}` });
    model.accounts.set(account.id, {
      id: account.id,
      kind: account.kind,
      currency: account.currency,
      negativeLimitMinor: account.negativeLimitMinor,
      debitsPendingMinor: 0n,
      debitsPostedMinor: 0n,
      creditsPendingMinor: 0n,
      creditsPostedMinor: 0n,
    });
  }
  const accountIds = specs.map((s) => s.id);

  // History the duplicate operations pick from.
  const submitted: TransferRequest[] = [];
  const createdRequests: TransferRequest[] = [];
  const holdIds: string[] = [];
  const postedIds: string[] = [];
  let idCounter = 0;

  const nextId = (long: boolean): string => {
    idCounter++;
    if (!long) return `${prefix}-t${idCounter}`;
    // Long ids keep their distinguishing digits at the end, as order numbers do.
    const head = `${prefix}-L`;
    return head + String(idCounter).padStart(TRANSFER_ID_LENGTH_MAX - head.length, '0');
  };
  const accountOf = (pick: AccountPick): string => {
    switch (pick.role) {
      case 'customer':
        return customers[pick.index % customers.length]!;
      case 'bank':
        return bank;
      case 'fees':
        return fees;
      case 'usd_wallet':
        return usdWallet;
      case 'unknown':
        return ghost;
    }
  };

  /** Turns a spec into a concrete request against the run's current state. */
  const materialize = (spec: ReqSpec, group: { lastHold?: string }): TransferRequest => {
    switch (spec.t) {
      case 'move': {
        const legs = spec.legs.map((leg): TransferLeg => {
          const debitAccountId = accountOf(leg.debit);
          const own = model.accounts.get(debitAccountId)?.currency ?? 'CNY';
          const currency: Currency = leg.otherCurrency ? (own === 'CNY' ? 'USD' : 'CNY') : own;
          return {
            debitAccountId,
            creditAccountId: accountOf(leg.credit),
            amountMinor: leg.amountMinor,
            currency,
          };
        });
        const request: MoveRequest = {
          id: nextId(spec.longId),
          kind: spec.kind,
          code: spec.code,
          legs,
          ...(spec.kind === 'pending' && spec.timeoutMs !== null ? { timeoutMs: spec.timeoutMs } : {}),
          ...(spec.userData === null ? {} : { userData: spec.userData }),
        };
        if (spec.kind === 'pending') group.lastHold = request.id;
        return request;
      }
      case 'top_up': {
        const to = spec.usd ? usdWallet : customers[spec.customer % customers.length]!;
        return {
          id: nextId(false),
          kind: 'posted',
          code: 'top_up',
          legs: [
            {
              debitAccountId: spec.usd ? usdBank : bank,
              creditAccountId: to,
              amountMinor: spec.amountMinor,
              currency: spec.usd ? 'USD' : 'CNY',
            },
          ],
        };
      }
      case 'resolve': {
        let pendingId: string | undefined;
        if (spec.target === 'group_hold') pendingId = group.lastHold;
        if (spec.target === 'not_a_hold') pendingId = postedIds[spec.pick % Math.max(1, postedIds.length)];
        if (spec.target === 'any_hold') pendingId = holdIds[spec.pick % Math.max(1, holdIds.length)];
        if (spec.target !== 'unknown') pendingId ??= model.openHolds.pick(spec.pick) ?? holdIds[0];
        return {
          id: nextId(false),
          kind: spec.kind,
          pendingId: pendingId ?? `${prefix}-nohold${spec.pick % 1000}`,
          code: spec.code,
        };
      }
      case 'dup_exact': {
        const earlier = submitted[spec.pick % Math.max(1, submitted.length)];
        return (
          earlier ?? materialize({ t: 'top_up', customer: spec.pick, amountMinor: 1_000n, usd: false }, group)
        );
      }
      case 'squat_expire_id': {
        const holdId =
          model.openHolds.pick(spec.pick) ?? holdIds[spec.pick % Math.max(1, holdIds.length)] ?? 'none';
        return {
          id: `${EXPIRE_ID_PREFIX}${holdId}`,
          kind: 'posted',
          code: 'p2p',
          legs: [{ debitAccountId: bank, creditAccountId: fees, amountMinor: 1n, currency: 'CNY' }],
        };
      }
      case 'dup_different': {
        const earlier = createdRequests[spec.pick % Math.max(1, createdRequests.length)];
        if (!earlier) {
          return materialize({ t: 'top_up', customer: spec.pick, amountMinor: 1_000n, usd: false }, group);
        }
        return changeFields(earlier, spec.change);
      }
    }
  };

  const tally = (request: TransferRequest, result: TransferResult): void => {
    stats.requestsSubmitted++;
    if (result.status === 'rejected') {
      stats.rejectedByReason[result.reason] = (stats.rejectedByReason[result.reason] ?? 0) + 1;
      return;
    }
    if (result.status === 'replayed') {
      stats.replays++;
      return;
    }
    stats.transfersCreated++;
    createdRequests.push(request);
    if (request.kind === 'pending') {
      stats.holdsCreated++;
      holdIds.push(request.id);
    } else if (request.kind === 'posted') postedIds.push(request.id);
    else if (request.kind === 'post_pending') stats.holdsPosted++;
    else stats.holdsVoided++;
  };

  let step = 0;
  let currentOp: SimOp | undefined;
  const mismatch = (detail: string, cause?: unknown) =>
    new SimulationMismatch({ seed, step, steps, op: json(currentOp), detail, cause });

  /** The ledger's result must be what the model expects, and carry the right transfer. */
  const expectResult = (
    request: TransferRequest,
    result: TransferResult | undefined,
    expected: Expected,
  ): void => {
    if (!result) throw mismatch(`no result for ${request.id}`);
    if (describeResult(result) !== describeResult(expected)) {
      throw mismatch(
        `${request.kind} ${request.id}: ledger says ${describeResult(result)}, model expects ${describeResult(expected)}` +
          `\n  request: ${json(request)}`,
      );
    }
    if (result.status !== 'rejected') {
      const known = model.transfers.get(request.id);
      if (!known) throw mismatch(`model lost ${request.id}`);
      if (result.transfer.id !== request.id || result.transfer.kind !== known.request.kind) {
        throw mismatch(
          `${request.id}: ${result.status} transfer is ${result.transfer.kind} ${result.transfer.id}`,
        );
      }
      if (legsKey(result.transfer.legs) !== legsKey(known.legs)) {
        throw mismatch(
          `${request.id}: ${result.status} legs ${legsKey(result.transfer.legs)} ≠ ${legsKey(known.legs)}`,
        );
      }
    }
    tally(request, result);
  };

  /** Results of requests that ran concurrently must match some serial order: the ledger's
   *  winners (created, then replayed) first, then the rejected ones. */
  const expectSerializable = (
    requests: readonly TransferRequest[],
    results: readonly TransferResult[],
  ): void => {
    if (results.length !== requests.length) {
      throw mismatch(`${results.length} results for ${requests.length} requests`);
    }
    const rank = (r: TransferResult) => (r.status === 'created' ? 0 : r.status === 'replayed' ? 1 : 2);
    const order = requests.map((_, i) => i).sort((a, b) => rank(results[a]!) - rank(results[b]!) || a - b);
    for (const i of order) expectResult(requests[i]!, results[i], model.apply(requests[i]!, clock.nowMs()));
  };

  const submitSerial = async (
    requests: readonly TransferRequest[],
    via: 'create' | 'submit',
  ): Promise<void> => {
    const results =
      via === 'create'
        ? await ledger.createTransfers(requests)
        : await Promise.all(requests.map((request) => ledger.submitTransfer(request)));
    if (results.length !== requests.length) {
      throw mismatch(`${results.length} results for ${requests.length} requests`);
    }
    for (const [i, request] of requests.entries()) {
      expectResult(request, results[i], model.apply(request, clock.nowMs()));
    }
  };

  const submitConcurrent = async (requests: readonly TransferRequest[], via: Concurrency): Promise<void> => {
    const results =
      via === 'submit'
        ? await Promise.all(requests.map((request) => ledger.submitTransfer(request)))
        : (await Promise.all(requests.map((request) => ledger.createTransfers([request])))).map((r) => r[0]!);
    expectSerializable(requests, results);
  };

  const sweep = async (): Promise<string[]> => {
    let expiredMinimum = 0;
    for (let run = 0; run < SIM_SWEEP_RUNS_MAX; run++) {
      const expired = await ledger.expireHolds();
      if (expired === 0) break;
      expiredMinimum += expired;
    }
    const expired = model.sweep(clock.nowMs());
    // Other runs sharing the store may have holds due too, so the ledger may expire more.
    if (expiredMinimum < expired.length) {
      throw mismatch(
        `the sweep expired ${expiredMinimum} holds, the model ${expired.length}: ${expired.join(' ')}`,
      );
    }
    stats.holdsExpired += expired.length;
    return [...expired, ...expired.map(expireTransferId)];
  };

  /** After every step: the run's accounts equal the model, money sums to zero per currency,
   *  touched holds are in the model's state, and exactly the created ids are in the journal. */
  const check = async (touchedIds: readonly string[]): Promise<void> => {
    const rows = await db
      .selectFrom('ledger_accounts')
      .select([
        'id',
        'debits_pending_minor',
        'debits_posted_minor',
        'credits_pending_minor',
        'credits_posted_minor',
      ])
      .where('id', 'in', accountIds)
      .execute();
    if (rows.length !== accountIds.length) {
      throw mismatch(`${rows.length} of ${accountIds.length} accounts found`);
    }
    for (const row of rows) {
      const want = model.accounts.get(row.id);
      assert(want, `model account ${row.id}`);
      const got = [
        row.debits_pending_minor,
        row.debits_posted_minor,
        row.credits_pending_minor,
        row.credits_posted_minor,
      ];
      const expected = [
        want.debitsPendingMinor,
        want.debitsPostedMinor,
        want.creditsPendingMinor,
        want.creditsPostedMinor,
      ];
      if (got.some((v, i) => v !== expected[i])) {
        throw mismatch(
          `account ${row.id} balances (debits pending, posted, credits pending, posted) are ${got.join(', ')}; ` +
            `the model has ${expected.join(', ')}`,
        );
      }
    }
    const unbalanced = await sql<{ currency: string; posted: string; pending: string }>`
      SELECT currency, sum(credits_posted_minor - debits_posted_minor)::text AS posted,
             sum(credits_pending_minor - debits_pending_minor)::text AS pending
      FROM ledger_accounts GROUP BY currency
      HAVING sum(credits_posted_minor - debits_posted_minor) <> 0
          OR sum(credits_pending_minor - debits_pending_minor) <> 0`.execute(db);
    if (unbalanced.rows.length > 0) {
      throw mismatch(`money does not sum to zero: ${json(unbalanced.rows)}`);
    }
    if (touchedIds.length === 0) return;
    const ids = [...new Set(touchedIds)];
    const holdRows = await db
      .selectFrom('ledger_holds')
      .select(['transfer_id', 'state'])
      .where('transfer_id', 'in', ids)
      .execute();
    const holdStates = new Map(holdRows.map((r) => [r.transfer_id, r.state]));
    const journal = new Set(
      (await db.selectFrom('ledger_transfers').select('id').where('id', 'in', ids).execute()).map(
        (r) => r.id,
      ),
    );
    for (const id of ids) {
      const hold = model.holds.get(id);
      if ((holdStates.get(id) ?? null) !== (hold?.state ?? null)) {
        throw mismatch(
          `hold ${id} is ${holdStates.get(id) ?? 'absent'}; the model has ${hold?.state ?? 'no hold'}`,
        );
      }
      if (journal.has(id) !== (model.transfers.has(id) || model.expiryIds.has(id))) {
        throw mismatch(
          `transfer ${id} is ${journal.has(id) ? '' : 'not '}in the journal; the model disagrees`,
        );
      }
    }
  };

  const verify = async (): Promise<void> => {
    // The production sweep runs every second; run it before judging holds past their deadline.
    await check(await sweep());
    const pending = await sql<{ count: string }>`
      SELECT count(*)::text AS count FROM ledger_holds
      WHERE state = 'pending' AND starts_with(transfer_id, ${`${prefix}-`})`.execute(db);
    const modelPending = [...model.holds.values()].filter((h) => h.state === 'pending').length;
    if (Number(pending.rows[0]?.count ?? -1) !== modelPending) {
      throw mismatch(`${pending.rows[0]?.count} holds pending in the store, ${modelPending} in the model`);
    }
    const report = await verifyLedger(db, { nowMs: clock.nowMs() });
    stats.verifications++;
    if (!report.ok) throw mismatch(`verifyLedger failed: ${json(report.violations)}`);
  };

  const runOp = async (op: SimOp): Promise<string[]> => {
    switch (op.t) {
      case 'single': {
        const request = materialize(op.req, {});
        submitted.push(request);
        await submitSerial([request], op.via);
        return touchedBy([request]);
      }
      case 'batch': {
        const group = {};
        const requests: TransferRequest[] = [];
        for (const spec of op.reqs) {
          const request = materialize(spec, group);
          requests.push(request);
          submitted.push(request);
        }
        await submitSerial(requests, 'create');
        return touchedBy(requests);
      }
      case 'concurrent': {
        const request = materialize(op.req, {});
        submitted.push(request);
        const copies = Array.from({ length: op.copies }, () => request);
        stats.concurrentCopies += copies.length;
        await submitConcurrent(copies, op.via);
        return touchedBy([request]);
      }
      case 'advance': {
        clock.advance(op.ms);
        stats.clockAdvancedMs += op.ms;
        return op.sweep ? await sweep() : [];
      }
      case 'hot': {
        const hot = customers[op.customer % customers.length]!;
        const requests: TransferRequest[] = [];
        if (model.availableMinor(hot) < BigInt(op.transfers)) {
          const topUp = materialize(
            { t: 'top_up', customer: op.customer, amountMinor: SIM_HOT_TOP_UP_MINOR, usd: false },
            {},
          );
          requests.push(topUp);
          submitted.push(topUp);
          await submitSerial([topUp], 'create');
        }
        const amountMinor = model.availableMinor(hot) / BigInt(op.winners);
        const contenders = Array.from({ length: op.transfers }, (_, i): TransferRequest => {
          const other = customers[(op.customer + 1 + i) % customers.length]!;
          return {
            id: nextId(false),
            kind: 'posted',
            code: 'p2p',
            legs: [
              {
                debitAccountId: hot,
                creditAccountId: other === hot ? fees : other,
                amountMinor,
                currency: 'CNY',
              },
            ],
          };
        });
        submitted.push(...contenders);
        await submitConcurrent(contenders, op.via);
        return touchedBy([...requests, ...contenders]);
      }
      case 'race': {
        let holdId = model.openHolds.pick(op.pick);
        const requests: TransferRequest[] = [];
        const open = holdId ? model.holds.get(holdId) : undefined;
        if (!open || (open.expiresAtMs !== null && clock.nowMs() >= open.expiresAtMs)) {
          const hold: MoveRequest = {
            id: nextId(false),
            kind: 'pending',
            code: 'merchant_pay',
            timeoutMs: HOLD_TIMEOUTS_MS[2],
            legs: [
              {
                debitAccountId: bank,
                creditAccountId: customers[op.pick % customers.length]!,
                amountMinor: 500n,
                currency: 'CNY',
              },
            ],
          };
          requests.push(hold);
          await submitSerial([hold], 'create');
          holdId = hold.id;
        }
        assert(holdId, 'a hold to race for');
        const post: ResolveRequest = {
          id: nextId(false),
          kind: 'post_pending',
          pendingId: holdId,
          code: 'merchant_pay',
        };
        const voidIt: ResolveRequest = {
          id: nextId(false),
          kind: 'void_pending',
          pendingId: holdId,
          code: 'merchant_pay',
        };
        requests.push(post, voidIt);
        submitted.push(...requests);
        await submitConcurrent([post, voidIt], op.via);
        return touchedBy(requests);
      }
      case 'deadline': {
        const timeoutMs = HOLD_TIMEOUTS_MS[0];
        const hold: MoveRequest = {
          id: nextId(false),
          kind: 'pending',
          code: 'withdraw',
          timeoutMs,
          legs: [
            {
              debitAccountId: bank,
              creditAccountId: customers[op.customer % customers.length]!,
              amountMinor: 700n,
              currency: 'CNY',
            },
          ],
        };
        submitted.push(hold);
        await submitSerial([hold], 'create');
        clock.advance(timeoutMs + op.offsetMs);
        stats.clockAdvancedMs += timeoutMs + op.offsetMs;
        const expired = op.sweepFirst ? await sweep() : [];
        const resolve: ResolveRequest = {
          id: nextId(false),
          kind: op.kind,
          pendingId: hold.id,
          code: 'withdraw',
        };
        submitted.push(resolve);
        await submitSerial([resolve], 'create');
        return [...expired, ...touchedBy([hold, resolve])];
      }
    }
  };

  for (step = 1; step <= steps; step++) {
    const op = ops[step - 1]!;
    currentOp = op;
    stats.opsByKind[op.t] = (stats.opsByKind[op.t] ?? 0) + 1;
    try {
      const touched = await runOp(op);
      await check(touched);
      if (step % verifyEverySteps === 0 || step === steps) await verify();
    } catch (error) {
      if (error instanceof SimulationMismatch) throw error;
      throw mismatch(
        `the ledger threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        error,
      );
    }
    await options.onStep?.(step, steps);
  }

  return {
    seed,
    steps,
    accounts: accountsCount,
    idPrefix: prefix,
    opsSha256,
    ...stats,
    rejectedByReason: Object.fromEntries(
      Object.entries(stats.rejectedByReason).sort(([a], [b]) => a.localeCompare(b)),
    ),
    opsByKind: Object.fromEntries(Object.entries(stats.opsByKind).sort(([a], [b]) => a.localeCompare(b))),
    elapsedMs: Math.round(performance.now() - startedMs),
  };
}

/** Transfer ids (and hold ids) a step's requests touch, for the per-step journal check. */
function touchedBy(requests: readonly TransferRequest[]): string[] {
  return requests.flatMap((r) => (isMoveRequest(r) ? [r.id] : [r.id, r.pendingId]));
}

/** The same id with other fields, still a valid request: the ledger must refuse it. */
function changeFields(
  request: TransferRequest,
  change: 'amount' | 'code' | 'user_data' | 'kind',
): TransferRequest {
  const userData = request.userData === 'changed' ? 'changed again' : 'changed';
  if (!isMoveRequest(request)) {
    if (change === 'code') return { ...request, code: `${request.code}_v2` };
    if (change === 'kind') {
      return { ...request, kind: request.kind === 'post_pending' ? 'void_pending' : 'post_pending' };
    }
    return { ...request, userData };
  }
  switch (change) {
    case 'amount': {
      const [first, ...rest] = request.legs;
      assert(first, 'a created transfer has legs');
      return { ...request, legs: [{ ...first, amountMinor: first.amountMinor + 1n }, ...rest] };
    }
    case 'code':
      return { ...request, code: `${request.code}_v2` };
    case 'user_data':
      return { ...request, userData };
    case 'kind': {
      if (request.kind === 'pending') {
        const { timeoutMs: _dropped, ...rest } = request;
        return { ...rest, kind: 'posted' };
      }
      return { ...request, kind: 'pending' };
    }
  }
}

/**
 * The CLI's entry (`rampart ledger simulate --seed N --steps N [--accounts N]`): builds a ledger
 * with its own manual clock on the given store and runs the simulation. Scratch databases only.
 */
export async function runLedgerSimulation(input: {
  db: Kysely<Database>;
  /** The store's `concurrencyMax`: >1 on PostgreSQL runs batches truly in parallel. */
  batchesInFlightMax: number;
  seed: number;
  steps: number;
  accounts?: number | undefined;
  verifyEverySteps?: number | undefined;
  onStep?: ((step: number, total: number) => void | Promise<void>) | undefined;
}): Promise<SimulationReport> {
  const clock = new ManualClock();
  const ledger = createLedger({ db: input.db, clock, batchesInFlightMax: input.batchesInFlightMax });
  try {
    return await simulateLedger({ ...input, ledger, clock });
  } finally {
    await ledger.drain();
  }
}
