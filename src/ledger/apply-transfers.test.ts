// Proves planBatch's invariants on thousands of random batches with fast-check, no database: balanced entries, floors, conservation, idempotent replay, holds resolved at most once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AMOUNT_MAX_MINOR, CLIENT_ID_PATTERN, type Currency, INT8_MAX } from '../shared/index.ts';
import {
  type AccountState,
  type BatchInput,
  type BatchPlan,
  EXPIRE_ID_PREFIX,
  type ExistingTransfer,
  expireTransferId,
  fieldsSha256,
  type HoldState,
  planBatch,
  validateRequest,
} from './apply-transfers.ts';
import type {
  AccountKind,
  AnyTransferRequest,
  RejectReason,
  TransferKind,
  TransferLeg,
  TransferResult,
} from './types.ts';
import { isMoveRequest } from './types.ts';

const NOW_MS = Date.UTC(2026, 0, 1);
/** Enough random batches to find ordering and boundary cases; the whole file runs in seconds. */
const RUNS = 400;
/** Rejections decided by the request alone: a replay must repeat them. */
const SHAPE_REASONS: ReadonlySet<RejectReason> = new Set([
  'invalid_id',
  'invalid_code',
  'invalid_user_data',
  'invalid_amount',
  'invalid_currency',
  'invalid_timeout',
  'legs_empty',
  'legs_too_many',
  'accounts_must_be_different',
]);

// --- Random worlds: accounts within their floors, holds whose legs are in the pending balances,
// transfers already in the journal, and a batch that refers to all of them and to itself.

const accountArb = fc.record({
  kind: fc.constantFrom<AccountKind>('wallet', 'credit_line', 'external_funding', 'fees'),
  currency: fc.oneof({ weight: 5, arbitrary: fc.constant<Currency>('CNY') }, fc.constant<Currency>('USD')),
  limitMinor: fc.bigInt(0n, 5_000n),
  creditsPostedMinor: fc.oneof(
    { weight: 5, arbitrary: fc.bigInt(0n, 10_000n) },
    // Near int8's end, so that further credits overflow.
    // (Holds add at most 5 × 2 × 500 pending, so the start is still within int8.)
    { weight: 1, arbitrary: fc.bigInt(INT8_MAX - 8_000n, INT8_MAX - 5_000n) },
  ),
  debitsPostedPercent: fc.bigInt(0n, 100n),
});

const holdArb = fc.record({
  legs: fc.array(fc.record({ debit: fc.nat(), credit: fc.nat(), amountMinor: fc.bigInt(1n, 500n) }), {
    minLength: 1,
    maxLength: 2,
  }),
  state: fc.constantFrom<HoldState['state']>('pending', 'pending', 'pending', 'posted', 'voided', 'expired'),
  expiresInMs: fc.option(fc.integer({ min: -2_000, max: 2_000 }), { nil: null }),
});

const amountArb = fc.oneof(
  { weight: 10, arbitrary: fc.bigInt(1n, 1_000n) },
  { weight: 3, arbitrary: fc.bigInt(1_001n, 20_000n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, AMOUNT_MAX_MINOR, AMOUNT_MAX_MINOR + 1n) },
);

/** Most legs are well formed; some name one account twice or an account that does not exist. */
type LegOddity = 'none' | 'same_account' | 'missing_debit' | 'missing_credit';

type RequestSpec =
  | {
      t: 'move';
      kind: 'posted' | 'pending';
      legs: {
        debit: number;
        credit: number;
        oddity: LegOddity;
        amountMinor: bigint;
        otherCurrency: boolean;
      }[];
      timeoutMs: number | null;
    }
  | { t: 'resolve'; kind: 'post_pending' | 'void_pending' | 'expire_pending'; target: number; anyId: boolean }
  | { t: 'duplicate'; of: number; changed: boolean };

const requestArb: fc.Arbitrary<RequestSpec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('move' as const),
      kind: fc.constantFrom('posted' as const, 'pending' as const),
      legs: fc.array(
        fc.record({
          debit: fc.nat({ max: 7 }),
          credit: fc.nat({ max: 7 }),
          oddity: fc.oneof(
            { weight: 20, arbitrary: fc.constant<LegOddity>('none') },
            fc.constantFrom<LegOddity>('same_account', 'missing_debit', 'missing_credit'),
          ),
          amountMinor: amountArb,
          otherCurrency: fc.integer({ min: 1, max: 12 }).map((n) => n === 1),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      timeoutMs: fc.option(fc.integer({ min: 1, max: 3_000 }), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('resolve' as const),
      kind: fc.constantFrom('post_pending' as const, 'void_pending' as const, 'expire_pending' as const),
      target: fc.nat(),
      anyId: fc.integer({ min: 1, max: 8 }).map((n) => n === 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('duplicate' as const), of: fc.nat(), changed: fc.boolean() }),
  },
);

const worldArb = fc.record({
  accounts: fc.array(accountArb, { minLength: 2, maxLength: 6 }),
  holds: fc.array(holdArb, { maxLength: 5 }),
  requests: fc.array(requestArb, { minLength: 1, maxLength: 12 }),
});

interface World {
  readonly input: BatchInput;
  /** The journal's own requests (holds, earlier transfers): what duplicates copy. */
  readonly journal: readonly AnyTransferRequest[];
}

function fieldsOf(request: AnyTransferRequest): string {
  return fieldsSha256({
    kind: request.kind,
    code: request.code,
    pendingId: isMoveRequest(request) ? null : request.pendingId,
    timeoutMs: isMoveRequest(request) ? request.timeoutMs : undefined,
    userData: request.userData,
    legs: isMoveRequest(request) ? request.legs : undefined,
  });
}

type RawWorld = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function buildWorld(raw: RawWorld): World {
  const accounts = new Map<string, AccountState>();
  raw.accounts.forEach((a, i) => {
    const negativeLimitMinor =
      a.kind === 'external_funding' ? null : a.kind === 'credit_line' ? a.limitMinor : 0n;
    const roomMinor = a.creditsPostedMinor + (negativeLimitMinor ?? 10_000n);
    const debitsPostedMinor = (roomMinor * a.debitsPostedPercent) / 100n;
    accounts.set(`a${i}`, {
      id: `a${i}`,
      kind: a.kind,
      currency: a.currency,
      negativeLimitMinor,
      debitsPendingMinor: 0n,
      debitsPostedMinor: debitsPostedMinor > INT8_MAX - 20_000n ? INT8_MAX - 20_000n : debitsPostedMinor,
      creditsPendingMinor: 0n,
      creditsPostedMinor: a.creditsPostedMinor,
    });
  });
  const ids = [...accounts.keys()];
  const holds = new Map<string, HoldState>();
  const existing = new Map<string, ExistingTransfer>();
  const journal: AnyTransferRequest[] = [];
  raw.holds.forEach((h, i) => {
    const legs: TransferLeg[] = [];
    const reserve = new Map<string, bigint>();
    for (const leg of h.legs) {
      const debit = accounts.get(ids[leg.debit % ids.length]!)!;
      let credit = accounts.get(ids[leg.credit % ids.length]!)!;
      if (credit.id === debit.id) credit = accounts.get(ids[(leg.credit + 1) % ids.length]!)!;
      if (credit.currency !== debit.currency) continue;
      const reservedMinor = (reserve.get(debit.id) ?? 0n) + leg.amountMinor;
      const roomMinor =
        debit.negativeLimitMinor === null
          ? leg.amountMinor
          : debit.creditsPostedMinor +
            debit.negativeLimitMinor -
            debit.debitsPostedMinor -
            debit.debitsPendingMinor;
      if (h.state === 'pending' && reservedMinor > roomMinor) continue;
      reserve.set(debit.id, reservedMinor);
      legs.push({
        debitAccountId: debit.id,
        creditAccountId: credit.id,
        amountMinor: leg.amountMinor,
        currency: debit.currency,
      });
    }
    if (legs.length === 0) return;
    const id = `h${i}`;
    if (h.state === 'pending') {
      for (const leg of legs) {
        accounts.get(leg.debitAccountId)!.debitsPendingMinor += leg.amountMinor;
        accounts.get(leg.creditAccountId)!.creditsPendingMinor += leg.amountMinor;
      }
    }
    const expiresAtMs = h.expiresInMs === null ? null : NOW_MS + h.expiresInMs;
    holds.set(id, { transferId: id, state: h.state, expiresAtMs, legs });
    const request: AnyTransferRequest = { id, kind: 'pending', code: 'withdraw', legs };
    journal.push(request);
    existing.set(id, {
      fieldsSha256: fieldsOf(request),
      transfer: {
        id,
        kind: 'pending',
        pendingId: null,
        code: 'withdraw',
        userData: null,
        expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs),
        createdAt: new Date(NOW_MS - 5_000),
        legs,
      },
    });
  });

  /** A leg's accounts: the credit side in the debit's currency when there is such an account. */
  const legAccounts = (leg: { debit: number; credit: number; oddity: LegOddity }): [string, string] => {
    const debit = ids[leg.debit % ids.length]!;
    const currency = accounts.get(debit)!.currency;
    const others = ids.filter((id) => id !== debit);
    const sameCurrency = others.filter((id) => accounts.get(id)!.currency === currency);
    const pool = sameCurrency.length > 0 ? sameCurrency : others;
    const credit = pool[leg.credit % pool.length]!;
    if (leg.oddity === 'same_account') return [debit, debit];
    if (leg.oddity === 'missing_debit') return ['missing', credit];
    if (leg.oddity === 'missing_credit') return [debit, 'missing'];
    return [debit, credit];
  };
  const requests: AnyTransferRequest[] = [];
  raw.requests.forEach((spec, i) => {
    const id = `r${i}`;
    if (spec.t === 'move') {
      const legs = spec.legs.map((leg): TransferLeg => {
        const [debitAccountId, creditAccountId] = legAccounts(leg);
        const own = accounts.get(debitAccountId)?.currency ?? 'CNY';
        const currency: Currency = leg.otherCurrency ? (own === 'CNY' ? 'USD' : 'CNY') : own;
        return { debitAccountId, creditAccountId, amountMinor: leg.amountMinor, currency };
      });
      requests.push({
        id,
        kind: spec.kind,
        code: 'p2p',
        legs,
        ...(spec.kind === 'pending' && spec.timeoutMs !== null ? { timeoutMs: spec.timeoutMs } : {}),
      });
    } else if (spec.t === 'resolve') {
      // Targets: the journal's holds and holds earlier in this batch; sometimes any id at all.
      const targets = spec.anyId
        ? [...requests.map((r) => r.id), 'nope']
        : [...holds.keys(), ...requests.flatMap((r) => (r.kind === 'pending' ? [r.id] : []))];
      if (targets.length === 0) targets.push('nope');
      const pendingId = targets[spec.target % targets.length]!;
      requests.push(
        spec.kind === 'expire_pending'
          ? { id: expireTransferId(pendingId), kind: 'expire_pending', pendingId, code: 'hold_expired' }
          : { id, kind: spec.kind, pendingId, code: 'withdraw' },
      );
    } else {
      const sources = [...journal, ...requests];
      const source = sources[spec.of % sources.length];
      if (!source) return;
      requests.push(
        spec.changed && source.kind !== 'expire_pending' ? { ...source, userData: 'changed' } : source,
      );
    }
  });
  return { input: { nowMs: NOW_MS, requests, accounts, holds, existing }, journal };
}

const worlds = worldArb.map(buildWorld);

// --- What a plan does to the state, recomputed independently of planBatch.

function stateAfter(input: BatchInput, plan: BatchPlan): BatchInput {
  const accounts = new Map(input.accounts);
  for (const changed of plan.changedAccounts) accounts.set(changed.id, changed);
  const holds = new Map<string, HoldState>();
  for (const [id, hold] of input.holds) holds.set(id, { ...hold });
  const legsOf = new Map(plan.transfers.map((t) => [t.transfer.id, t.transfer.legs]));
  for (const created of plan.newHolds) {
    holds.set(created.transferId, {
      transferId: created.transferId,
      state: 'pending',
      expiresAtMs: created.expiresAtMs,
      legs: legsOf.get(created.transferId) ?? [],
    });
  }
  for (const resolved of plan.resolvedHolds) {
    const hold = holds.get(resolved.pendingId);
    assert.ok(hold, `resolved hold ${resolved.pendingId} exists`);
    hold.state = resolved.state;
  }
  const existing = new Map(input.existing);
  for (const { transfer, fieldsSha256: fields } of plan.transfers) {
    existing.set(transfer.id, { fieldsSha256: fields, transfer });
  }
  return { nowMs: input.nowMs, requests: input.requests, accounts, holds, existing };
}

function summary(result: TransferResult): string {
  return result.status === 'rejected' ? `rejected:${result.reason}` : result.status;
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function sumsByCurrency(accounts: ReadonlyMap<string, AccountState>): Map<string, [bigint, bigint]> {
  const sums = new Map<string, [bigint, bigint]>();
  for (const a of accounts.values()) {
    const [posted, pending] = sums.get(a.currency) ?? [0n, 0n];
    sums.set(a.currency, [
      posted + a.creditsPostedMinor - a.debitsPostedMinor,
      pending + a.creditsPendingMinor - a.debitsPendingMinor,
    ]);
  }
  return sums;
}

const property = (check: (world: World, plan: BatchPlan) => void) =>
  fc.assert(
    fc.property(worlds, (world) => check(world, planBatch(world.input))),
    { numRuns: RUNS },
  );

describe('planBatch (pure, random batches)', () => {
  test('leaves its input untouched and answers every request once, in order', () => {
    property((world) => {
      const before = json([...world.input.accounts.values(), ...world.input.holds.values()]);
      const plan = planBatch(world.input);
      assert.equal(json([...world.input.accounts.values(), ...world.input.holds.values()]), before);
      assert.equal(plan.results.length, world.input.requests.length);
      const created = plan.results.flatMap((r, i) =>
        r.status === 'created' ? [world.input.requests[i]!.id] : [],
      );
      assert.deepEqual(
        plan.transfers.map((t) => t.transfer.id),
        created,
      );
      assert.equal(new Set(created).size, created.length, 'an id is created at most once');
      for (const id of created) assert.ok(!world.input.existing.has(id), `${id} was not in the journal yet`);
      const written = new Set(plan.entries.map((e) => e.transferId));
      for (const id of written) assert.ok(created.includes(id), `entries only for created transfers (${id})`);
    });
  });

  test("every transfer's entries balance and mirror its legs (or its hold's)", () => {
    property(({ input }, plan) => {
      const holdLegs = new Map([...input.holds].map(([id, h]) => [id, h.legs]));
      for (const { transfer } of plan.transfers) {
        const entries = plan.entries.filter((e) => e.transferId === transfer.id);
        const net = new Map<string, [bigint, bigint]>();
        for (const e of entries) {
          const sign = e.side === 'D' ? 1n : -1n;
          const [pending, posted] = net.get(e.currency) ?? [0n, 0n];
          net.set(e.currency, [pending + sign * e.pendingDeltaMinor, posted + sign * e.postedDeltaMinor]);
        }
        for (const [currency, sums] of net) {
          assert.deepEqual(sums, [0n, 0n], `${transfer.id} balances in ${currency}`);
        }
        const legs =
          transfer.kind === 'posted' || transfer.kind === 'pending'
            ? transfer.legs
            : (holdLegs.get(transfer.pendingId!) ?? transfer.legs);
        assert.equal(json(transfer.legs), json(legs));
        assert.equal(entries.length, 2 * legs.length, `${transfer.id}: a debit and a credit per leg`);
        legs.forEach((leg, i) => {
          const deltas: Record<TransferKind, readonly [bigint, bigint]> = {
            posted: [0n, leg.amountMinor],
            pending: [leg.amountMinor, 0n],
            post_pending: [-leg.amountMinor, leg.amountMinor],
            void_pending: [-leg.amountMinor, 0n],
            expire_pending: [-leg.amountMinor, 0n],
          };
          const [pending, posted] = deltas[transfer.kind];
          for (const [side, accountId] of [
            ['D', leg.debitAccountId],
            ['C', leg.creditAccountId],
          ] as const) {
            const entry = entries.find((e) => e.legIndex === i && e.side === side);
            assert.ok(entry, `${transfer.id} leg ${i} ${side}`);
            assert.deepEqual(
              [entry.accountId, entry.currency, entry.pendingDeltaMinor, entry.postedDeltaMinor],
              [accountId, leg.currency, pending, posted],
            );
          }
        });
      }
    });
  });

  test('balances move by exactly the entries, stay within floors and int8, and money is conserved', () => {
    property(({ input }, plan) => {
      const after = stateAfter(input, plan);
      for (const [id, before] of input.accounts) {
        const expected = { ...before };
        for (const e of plan.entries.filter((x) => x.accountId === id)) {
          if (e.side === 'D') {
            expected.debitsPendingMinor += e.pendingDeltaMinor;
            expected.debitsPostedMinor += e.postedDeltaMinor;
          } else {
            expected.creditsPendingMinor += e.pendingDeltaMinor;
            expected.creditsPostedMinor += e.postedDeltaMinor;
          }
        }
        const actual = after.accounts.get(id)!;
        assert.deepEqual(actual, expected, `account ${id} moved by its entries`);
        assert.ok(actual.debitsPendingMinor >= 0n && actual.creditsPendingMinor >= 0n, `${id}: pending ≥ 0`);
        for (const v of [
          actual.debitsPendingMinor + actual.debitsPostedMinor,
          actual.creditsPendingMinor + actual.creditsPostedMinor,
        ]) {
          assert.ok(v <= INT8_MAX, `${id}: within int8`);
        }
        if (actual.negativeLimitMinor !== null) {
          assert.ok(
            actual.debitsPostedMinor + actual.debitsPendingMinor <=
              actual.creditsPostedMinor + actual.negativeLimitMinor,
            `${id} (${actual.kind}) within its floor`,
          );
        }
      }
      for (const e of plan.entries) {
        assert.ok(input.accounts.has(e.accountId), `entry on a known account ${e.accountId}`);
      }
      assert.deepEqual(sumsByCurrency(after.accounts), sumsByCurrency(input.accounts));
    });
  });

  test('a hold is resolved at most once, only while pending and before its deadline', () => {
    property(({ input }, plan) => {
      const resolvedIds = plan.resolvedHolds.map((r) => r.pendingId);
      assert.equal(new Set(resolvedIds).size, resolvedIds.length, 'no hold resolved twice in a batch');
      const createdResolutions = plan.transfers
        .filter((t) => t.transfer.pendingId !== null)
        .map((t) => t.transfer);
      assert.deepEqual(
        createdResolutions.map((t) => t.pendingId),
        resolvedIds,
      );
      const newHoldIds = new Set(plan.newHolds.map((h) => h.transferId));
      for (const resolution of createdResolutions) {
        const pendingId = resolution.pendingId!;
        const hold = input.holds.get(pendingId);
        assert.ok(newHoldIds.has(pendingId) || hold?.state === 'pending', `${pendingId} was pending`);
        const expiresAtMs = hold
          ? hold.expiresAtMs
          : plan.newHolds.find((h) => h.transferId === pendingId)!.expiresAtMs;
        const past = expiresAtMs !== null && input.nowMs >= expiresAtMs;
        assert.equal(
          past,
          resolution.kind === 'expire_pending',
          `${resolution.id}: only expiry resolves a hold past its deadline`,
        );
      }
    });
  });

  test('replaying the batch on the state it produced replays every accepted transfer and moves nothing', () => {
    property(({ input }, plan) => {
      const after = stateAfter(input, plan);
      const again = planBatch(after);
      plan.results.forEach((first, i) => {
        const second = again.results[i]!;
        if (first.status !== 'rejected') {
          assert.equal(second.status, 'replayed', `request ${i} (${summary(first)}) replays`);
          assert.equal(second.transfer.id, first.transfer.id);
          assert.equal(json(second.transfer), json(first.transfer));
        } else if (SHAPE_REASONS.has(first.reason) || first.reason === 'exists_with_different_fields') {
          assert.equal(summary(second), summary(first), `request ${i} is refused again`);
        }
      });
      const accepted = input.requests.filter((_, i) => plan.results[i]!.status !== 'rejected');
      const replay = planBatch({ ...after, requests: accepted });
      assert.ok(replay.results.every((r) => r.status === 'replayed'));
      assert.deepEqual(
        [replay.transfers, replay.entries, replay.newHolds, replay.resolvedHolds, replay.changedAccounts],
        [[], [], [], [], []],
      );
    });
  });
});

describe('expiry ids', () => {
  const idArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);

  test('are valid ids, and distinct for distinct holds, even long ones sharing a prefix', () => {
    const longPairArb = fc
      .tuple(
        fc.stringMatching(/^[a-z0-9]{57,63}$/),
        fc.constantFrom('0', '1', '2'),
        fc.constantFrom('7', '8', '9'),
      )
      .map(([head, a, b]) => [`${head}${a}`.slice(-64), `${head}${b}`.slice(-64)] as const);
    fc.assert(
      fc.property(fc.oneof(fc.tuple(idArb, idArb), longPairArb), ([a, b]) => {
        fc.pre(a !== b);
        assert.match(expireTransferId(a), CLIENT_ID_PATTERN);
        assert.notEqual(expireTransferId(a), expireTransferId(b));
      }),
      { numRuns: 1_000 },
    );
  });

  test('clients may not take them; the ledger may', () => {
    fc.assert(
      fc.property(idArb, (holdId) => {
        const id = expireTransferId(holdId);
        const leg = { debitAccountId: 'a', creditAccountId: 'b', amountMinor: 1n, currency: 'CNY' as const };
        assert.equal(validateRequest({ id, kind: 'posted', code: 'p2p', legs: [leg] }), 'invalid_id');
        assert.equal(
          validateRequest({ id, kind: 'void_pending', pendingId: holdId, code: 'p2p' }),
          'invalid_id',
        );
        assert.equal(
          validateRequest({ id, kind: 'expire_pending', pendingId: holdId, code: 'hold_expired' }),
          null,
        );
        assert.ok(id.startsWith(EXPIRE_ID_PREFIX));
      }),
    );
  });
});
