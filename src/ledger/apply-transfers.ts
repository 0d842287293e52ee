/**
 * The ledger's state machine, pure: given the locked accounts, the holds and the ids already in
 * the journal, decide each transfer of a batch in order and say what to write. No I/O here, so
 * every rule is testable without a database and the same code runs on PGlite and PostgreSQL.
 */
import { createHash } from 'node:crypto';
import type { Currency } from '../shared/index.ts';
import {
  AMOUNT_MAX_MINOR,
  assert,
  CLIENT_ID_PATTERN,
  INT8_MAX,
  isCurrency,
  unreachable,
} from '../shared/index.ts';
import {
  CODE_PATTERN,
  HOLD_TIMEOUT_MAX_MS,
  LEGS_PER_TRANSFER_MAX,
  USER_DATA_LENGTH_MAX,
} from './constants.ts';
import type {
  AccountKind,
  AnyTransferRequest,
  RejectReason,
  Transfer,
  TransferKind,
  TransferLeg,
  TransferResult,
} from './types.ts';
import { isMoveRequest } from './types.ts';

/** A locked account's balances, copied so a batch can try a transfer and roll it back in memory. */
export interface AccountState {
  readonly id: string;
  readonly kind: AccountKind;
  readonly currency: Currency;
  readonly negativeLimitMinor: bigint | null;
  debitsPendingMinor: bigint;
  debitsPostedMinor: bigint;
  creditsPendingMinor: bigint;
  creditsPostedMinor: bigint;
}

export interface HoldState {
  readonly transferId: string;
  state: 'pending' | 'posted' | 'voided' | 'expired';
  readonly expiresAtMs: number | null;
  readonly legs: readonly TransferLeg[];
}

export interface ExistingTransfer {
  readonly fieldsSha256: string;
  readonly transfer: Transfer;
}

export interface EntryWrite {
  readonly transferId: string;
  readonly legIndex: number;
  readonly accountId: string;
  readonly side: 'D' | 'C';
  readonly currency: Currency;
  readonly pendingDeltaMinor: bigint;
  readonly postedDeltaMinor: bigint;
}

export interface TransferWrite {
  readonly transfer: Transfer;
  readonly fieldsSha256: string;
}

export interface HoldResolution {
  readonly pendingId: string;
  readonly state: 'posted' | 'voided' | 'expired';
  readonly resolvedBy: string;
}

export interface BatchPlan {
  readonly results: TransferResult[];
  readonly transfers: TransferWrite[];
  readonly entries: EntryWrite[];
  /** Holds created by pending transfers of this batch. */
  readonly newHolds: { transferId: string; expiresAtMs: number | null }[];
  /** Holds (created earlier) resolved by this batch. Holds created and resolved in the same batch
   *  appear in both lists. */
  readonly resolvedHolds: HoldResolution[];
  /** Accounts whose balances changed, with their new balances. */
  readonly changedAccounts: AccountState[];
}

export interface BatchInput {
  readonly nowMs: number;
  readonly requests: readonly AnyTransferRequest[];
  readonly accounts: ReadonlyMap<string, AccountState>;
  readonly holds: ReadonlyMap<string, HoldState>;
  readonly existing: ReadonlyMap<string, ExistingTransfer>;
}

/** Canonical text of a request's fields: what idempotency compares, and what `ledger verify`
 *  recomputes from the journal to prove no stored field was edited. */
export function canonicalFields(request: {
  kind: TransferKind;
  code: string;
  pendingId?: string | null | undefined;
  timeoutMs?: number | null | undefined;
  userData?: string | null | undefined;
  legs?: readonly TransferLeg[] | undefined;
}): string {
  const legs = (request.legs ?? [])
    .map((leg) => `${leg.debitAccountId}>${leg.creditAccountId}:${leg.amountMinor}:${leg.currency}`)
    .join(';');
  return JSON.stringify([
    request.kind,
    request.code,
    request.pendingId ?? null,
    request.timeoutMs ?? null,
    request.userData ?? null,
    legs,
  ]);
}

export function fieldsSha256(request: Parameters<typeof canonicalFields>[0]): string {
  return createHash('sha256').update(canonicalFields(request)).digest('hex');
}

/** Ids the ledger issues itself start with this. Clients may not use it: a client transfer with a
 *  hold's expiry id made the sweep's expiry `exists_with_different_fields`, so the hold (and the
 *  money it reserves) stayed pending for ever, no longer postable or voidable either. */
export const EXPIRE_ID_PREFIX = 'expire:';
/** CLIENT_ID_PATTERN's length bound. */
const TRANSFER_ID_LENGTH_MAX = 64;

/** The id of the transfer that expires a hold: `expire:<hold id>` when it fits in 64 characters,
 *  else `expire:<SHA-256 of the hold id, base64url>`. Cutting long ids short instead gave holds that
 *  share their first 57 characters one expiry id, and all but the first could never expire. */
export function expireTransferId(holdId: string): string {
  const id = `${EXPIRE_ID_PREFIX}${holdId}`;
  if (id.length <= TRANSFER_ID_LENGTH_MAX) return id;
  return `${EXPIRE_ID_PREFIX}${createHash('sha256').update(holdId).digest('base64url')}`;
}

/** Shape checks that need no state. The HTTP edge validates first; this guards in-process callers. */
export function validateRequest(request: AnyTransferRequest): RejectReason | null {
  if (!CLIENT_ID_PATTERN.test(request.id)) return 'invalid_id';
  if (request.kind !== 'expire_pending' && request.id.startsWith(EXPIRE_ID_PREFIX)) return 'invalid_id';
  if (!CODE_PATTERN.test(request.code)) return 'invalid_code';
  if (request.userData != null && request.userData.length > USER_DATA_LENGTH_MAX) return 'invalid_user_data';
  if (isMoveRequest(request)) {
    if (request.legs.length === 0) return 'legs_empty';
    if (request.legs.length > LEGS_PER_TRANSFER_MAX) return 'legs_too_many';
    for (const leg of request.legs) {
      if (
        typeof leg.amountMinor !== 'bigint' ||
        leg.amountMinor <= 0n ||
        leg.amountMinor > AMOUNT_MAX_MINOR
      ) {
        return 'invalid_amount';
      }
      if (!isCurrency(leg.currency)) return 'invalid_currency';
      if (leg.debitAccountId === leg.creditAccountId) return 'accounts_must_be_different';
    }
    const timeoutMs = request.timeoutMs;
    if (request.kind === 'posted' && timeoutMs !== undefined) return 'invalid_timeout';
    if (
      timeoutMs !== undefined &&
      (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > HOLD_TIMEOUT_MAX_MS)
    ) {
      return 'invalid_timeout';
    }
  } else if (!CLIENT_ID_PATTERN.test(request.pendingId)) {
    return 'pending_transfer_not_found';
  }
  return null;
}

function cloneAccount(account: AccountState): AccountState {
  return { ...account };
}

/** The lowest posted balance this account may reach, or null for no bound. */
function floorViolation(account: AccountState): RejectReason | null {
  if (account.negativeLimitMinor === null) return null;
  const committedMinor = account.debitsPostedMinor + account.debitsPendingMinor;
  if (committedMinor <= account.creditsPostedMinor + account.negativeLimitMinor) return null;
  return account.kind === 'credit_line' ? 'exceeds_credit_limit' : 'exceeds_credits';
}

function overflows(account: AccountState): boolean {
  return (
    account.debitsPendingMinor + account.debitsPostedMinor > INT8_MAX ||
    account.creditsPendingMinor + account.creditsPostedMinor > INT8_MAX
  );
}

/** Decides every request of a batch in order. Later requests see earlier ones' effects. */
export function planBatch(input: BatchInput): BatchPlan {
  const results: TransferResult[] = [];
  const transfers: TransferWrite[] = [];
  const entries: EntryWrite[] = [];
  const newHolds: BatchPlan['newHolds'] = [];
  const resolvedHolds: HoldResolution[] = [];
  const working = new Map<string, AccountState>();
  const holds = new Map<string, HoldState>();
  const decided = new Map<string, ExistingTransfer>(input.existing);

  const account = (id: string): AccountState | undefined => {
    const current = working.get(id);
    if (current) return current;
    const locked = input.accounts.get(id);
    if (!locked) return undefined;
    const copy = cloneAccount(locked);
    working.set(id, copy);
    return copy;
  };
  const hold = (id: string): HoldState | undefined => {
    const current = holds.get(id);
    if (current) return current;
    const loaded = input.holds.get(id);
    if (!loaded) return undefined;
    const copy = { ...loaded };
    holds.set(id, copy);
    return copy;
  };

  for (const request of input.requests) {
    const invalid = validateRequest(request);
    if (invalid) {
      results.push({ status: 'rejected', reason: invalid });
      continue;
    }
    const fields = fieldsSha256({
      kind: request.kind,
      code: request.code,
      pendingId: isMoveRequest(request) ? null : request.pendingId,
      timeoutMs: isMoveRequest(request) ? request.timeoutMs : undefined,
      userData: request.userData,
      legs: isMoveRequest(request) ? request.legs : undefined,
    });
    const prior = decided.get(request.id);
    if (prior) {
      results.push(
        prior.fieldsSha256 === fields
          ? { status: 'replayed', transfer: prior.transfer }
          : { status: 'rejected', reason: 'exists_with_different_fields' },
      );
      continue;
    }

    // Work on copies of the touched accounts; publish them only if every leg succeeds.
    const touched = new Map<string, AccountState>();
    const touch = (id: string): AccountState | undefined => {
      const existing = touched.get(id);
      if (existing) return existing;
      const base = account(id);
      if (!base) return undefined;
      const copy = cloneAccount(base);
      touched.set(id, copy);
      return copy;
    };
    const transferEntries: EntryWrite[] = [];
    let reason: RejectReason | null = null;
    let legs: readonly TransferLeg[];
    let expiresAtMs: number | null = null;
    let holdToResolve: HoldState | null = null;

    if (isMoveRequest(request)) {
      legs = request.legs;
      const pending = request.kind === 'pending';
      if (pending && request.timeoutMs !== undefined) expiresAtMs = input.nowMs + request.timeoutMs;
      for (const [legIndex, leg] of legs.entries()) {
        const debit = touch(leg.debitAccountId);
        const credit = touch(leg.creditAccountId);
        if (!debit) reason = 'debit_account_not_found';
        else if (!credit) reason = 'credit_account_not_found';
        else if (debit.currency !== leg.currency || credit.currency !== leg.currency)
          reason = 'currency_mismatch';
        if (reason || !debit || !credit) break;
        if (pending) {
          debit.debitsPendingMinor += leg.amountMinor;
          credit.creditsPendingMinor += leg.amountMinor;
        } else {
          debit.debitsPostedMinor += leg.amountMinor;
          credit.creditsPostedMinor += leg.amountMinor;
        }
        reason =
          floorViolation(debit) ?? (overflows(debit) || overflows(credit) ? 'overflows_balance' : null);
        if (reason) break;
        const pendingDelta = pending ? leg.amountMinor : 0n;
        const postedDelta = pending ? 0n : leg.amountMinor;
        const base = { transferId: request.id, legIndex, currency: leg.currency };
        transferEntries.push(
          {
            ...base,
            accountId: debit.id,
            side: 'D',
            pendingDeltaMinor: pendingDelta,
            postedDeltaMinor: postedDelta,
          },
          {
            ...base,
            accountId: credit.id,
            side: 'C',
            pendingDeltaMinor: pendingDelta,
            postedDeltaMinor: postedDelta,
          },
        );
      }
    } else {
      const target = hold(request.pendingId);
      legs = target?.legs ?? [];
      if (!target) reason = 'pending_transfer_not_found';
      else if (target.state === 'posted') reason = 'pending_transfer_already_posted';
      else if (target.state === 'voided') reason = 'pending_transfer_already_voided';
      else if (target.state === 'expired') reason = 'pending_transfer_expired';
      else {
        const pastDeadline = target.expiresAtMs !== null && input.nowMs >= target.expiresAtMs;
        if (request.kind === 'expire_pending' && !pastDeadline) reason = 'pending_transfer_not_expired';
        if (request.kind !== 'expire_pending' && pastDeadline) reason = 'pending_transfer_expired';
      }
      if (!reason && target) {
        holdToResolve = target;
        const post = request.kind === 'post_pending';
        for (const [legIndex, leg] of target.legs.entries()) {
          const debit = touch(leg.debitAccountId);
          const credit = touch(leg.creditAccountId);
          assert(debit && credit, `accounts of hold ${target.transferId} are locked`);
          debit.debitsPendingMinor -= leg.amountMinor;
          credit.creditsPendingMinor -= leg.amountMinor;
          assert(
            debit.debitsPendingMinor >= 0n && credit.creditsPendingMinor >= 0n,
            'pending never negative',
          );
          if (post) {
            debit.debitsPostedMinor += leg.amountMinor;
            credit.creditsPostedMinor += leg.amountMinor;
            if (overflows(debit) || overflows(credit)) {
              reason = 'overflows_balance';
              break;
            }
          }
          const postedDelta = post ? leg.amountMinor : 0n;
          const base = { transferId: request.id, legIndex, currency: leg.currency };
          transferEntries.push(
            {
              ...base,
              accountId: debit.id,
              side: 'D',
              pendingDeltaMinor: -leg.amountMinor,
              postedDeltaMinor: postedDelta,
            },
            {
              ...base,
              accountId: credit.id,
              side: 'C',
              pendingDeltaMinor: -leg.amountMinor,
              postedDeltaMinor: postedDelta,
            },
          );
        }
      }
    }

    if (reason) {
      results.push({ status: 'rejected', reason });
      continue;
    }
    for (const [id, state] of touched) working.set(id, state);
    const transfer: Transfer = {
      id: request.id,
      kind: request.kind,
      pendingId: isMoveRequest(request) ? null : request.pendingId,
      code: request.code,
      userData: request.userData ?? null,
      expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs),
      createdAt: new Date(input.nowMs),
      legs,
    };
    transfers.push({ transfer, fieldsSha256: fields });
    entries.push(...transferEntries);
    decided.set(request.id, { fieldsSha256: fields, transfer });
    if (request.kind === 'pending') {
      newHolds.push({ transferId: request.id, expiresAtMs });
      holds.set(request.id, { transferId: request.id, state: 'pending', expiresAtMs, legs });
    } else if (holdToResolve) {
      const state = resolvedState(request.kind);
      holdToResolve.state = state;
      resolvedHolds.push({ pendingId: holdToResolve.transferId, state, resolvedBy: request.id });
    }
    results.push({ status: 'created', transfer });
  }

  const changedAccounts = [...working.values()].filter((state) => {
    const before = input.accounts.get(state.id);
    assert(before, 'a working account was loaded');
    return (
      before.debitsPendingMinor !== state.debitsPendingMinor ||
      before.debitsPostedMinor !== state.debitsPostedMinor ||
      before.creditsPendingMinor !== state.creditsPendingMinor ||
      before.creditsPostedMinor !== state.creditsPostedMinor
    );
  });
  assertBatchBalances(entries);
  for (const state of changedAccounts)
    assert(floorViolation(state) === null, `account ${state.id} within its floor`);
  return { results, transfers, entries, newHolds, resolvedHolds, changedAccounts };
}

function resolvedState(kind: TransferKind): HoldResolution['state'] {
  switch (kind) {
    case 'post_pending':
      return 'posted';
    case 'void_pending':
      return 'voided';
    case 'expire_pending':
      return 'expired';
    case 'posted':
    case 'pending':
      return unreachable(kind as never, `resolving transfer kind ${kind}`);
    default:
      return unreachable(kind, 'transfer kind');
  }
}

/** Every transfer's debits equal its credits, per currency, for pending and posted amounts. */
export function assertBatchBalances(entries: readonly EntryWrite[]): void {
  const sums = new Map<string, { pending: bigint; posted: bigint }>();
  for (const entry of entries) {
    const key = `${entry.transferId}\u0000${entry.currency}`;
    const sum = sums.get(key) ?? { pending: 0n, posted: 0n };
    const sign = entry.side === 'D' ? 1n : -1n;
    sum.pending += sign * entry.pendingDeltaMinor;
    sum.posted += sign * entry.postedDeltaMinor;
    sums.set(key, sum);
  }
  for (const [key, sum] of sums) {
    assert(sum.pending === 0n && sum.posted === 0n, `transfer ${key.split('\u0000')[0]} balances`);
  }
}
