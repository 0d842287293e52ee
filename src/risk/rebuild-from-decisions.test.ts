// Proves the embedded-mode boot rebuild (docs/risk.md, "Feature windows at boot"): a platform is
// opened on a PGlite data dir (or a PostgreSQL database with --pg), a burst of tiny payments is
// assessed by its risk engine with the default rules and the real online features, the platform
// is closed and opened again on the same data, and the next tiny payment is refused as card
// testing because the windows were refilled from the recorded decisions. A control platform on
// the same data with the rebuild skipped (rowsMax 0) shows the rule would not fire otherwise.
// Wrong payment passwords, observed without a decision, are replayed from their security events.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config.ts';
import { openPlatform, type Platform } from '../main.ts';
import { ManualClock } from '../shared/index.ts';
import { createScratchDatabase, dropScratchDatabase } from '../testing/test-store.ts';
import {
  FEATURE_NAMES,
  MemoryFeatureState,
  OnlineFeatureSource,
  type RiskEvent,
  rebuildFeaturesFromDecisions,
} from './index.ts';

const adminUrl = process.env.RAMPART_TEST_PG_ADMIN_URL;
const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
let dir: string;
let databaseUrl: string | undefined;
let counter = 0;
// One key for every open: a restart keeps its master key.
const masterKey = randomBytes(32).toString('base64');

function tinyPayment(userId: string): RiskEvent {
  counter++;
  return {
    eventId: `evt_rebuild_${counter}`,
    kind: 'payment',
    userId,
    atMs: clock.nowMs(),
    amountMinor: 200n,
    currency: 'CNY',
    payeeKey: 'merchant:m_rebuild',
    balanceMinor: 100_000n,
    deviceKey: 'device-tester',
    ip: '10.9.9.9',
    country: 'CN',
    detail: { firstTimePayee: counter === 1 ? 'true' : 'false', knownDevice: 'true' },
  };
}

async function open(): Promise<Platform> {
  const config = loadConfig(
    {},
    {
      dataDir: join(dir, 'db'),
      databaseUrl,
      masterKey,
      logLevel: 'silent',
    },
  );
  return openPlatform(config, { clock, rebuildRiskFeatures: true });
}

async function close(platform: Platform): Promise<void> {
  await platform.modules.ledger.drain();
  await platform.store.close();
}

describe('feature windows rebuilt at boot from recorded decisions', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-rebuild-'));
    if (adminUrl) databaseUrl = await createScratchDatabase(adminUrl, 'rampart_test');
  });
  after(async () => {
    if (adminUrl && databaseUrl) await dropScratchDatabase(adminUrl, databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  test('after a restart on the same data, the card-testing velocity rule still fires', async () => {
    const first = await open();
    const decisions: string[] = [];
    try {
      for (let i = 0; i < 7; i++) {
        clock.advance(20_000);
        decisions.push((await first.modules.riskEngine.assess(tinyPayment('usr_tester'))).decision);
      }
      // A denied event never enters the windows, and the rebuild must not replay it either.
      clock.advance(20_000);
      const denied = await first.modules.riskEngine.assess({ ...tinyPayment('usr_tester'), amountMinor: 0n });
      assert.equal(denied.outcome, 'malformed_event');
    } finally {
      await close(first);
    }
    // 1st–4th allowed; 5th–7th challenged as a small-payment burst (4+ earlier in the hour).
    assert.deepEqual(decisions, ['allow', 'allow', 'allow', 'allow', 'challenge', 'challenge', 'challenge']);

    clock.advance(60_000);
    const second = await open();
    try {
      const result = await second.modules.riskEngine.assess(tinyPayment('usr_tester'));
      assert.equal(result.featureValues.user_payments_1h, 7, 'the seven earlier payments are remembered');
      assert.equal(result.decision, 'deny');
      assert.ok(result.reasons.includes('card_testing'), result.reasons.join(','));
      // Another user's first payment is unaffected.
      const other = await second.modules.riskEngine.assess(tinyPayment('usr_someone_else'));
      assert.equal(other.decision, 'allow');
      assert.equal(other.featureValues.user_payments_1h, 0);
    } finally {
      await close(second);
    }
  });

  test('without the rebuild the same windows would be empty (control), and rowsMax bounds the replay', async () => {
    const platform = await open();
    try {
      const empty = new OnlineFeatureSource(new MemoryFeatureState());
      const none = await rebuildFeaturesFromDecisions(platform.store.db, empty, {
        nowMs: clock.nowMs(),
        days: 38,
        rowsMax: 0,
      });
      assert.equal(none.events, 0);
      assert.equal(none.truncated, true);
      const vector = await empty.extract(tinyPayment('usr_tester'));
      assert.equal(vector.user_payments_1h, 0);

      const three = new OnlineFeatureSource(new MemoryFeatureState());
      const report = await rebuildFeaturesFromDecisions(platform.store.db, three, {
        nowMs: clock.nowMs(),
        days: 38,
        rowsMax: 3,
      });
      // The newest three observed: the tester's 6th and 7th, and the other user's payment.
      assert.equal(report.events, 3);
      assert.equal((await three.extract(tinyPayment('usr_tester'))).user_payments_1h, 2);

      const all = new OnlineFeatureSource(new MemoryFeatureState());
      const full = await rebuildFeaturesFromDecisions(platform.store.db, all, {
        nowMs: clock.nowMs(),
        days: 38,
      });
      assert.equal(full.truncated, false);
      assert.equal(full.skipped, 0);
      // 7 before the restart and the other user's 1 after it; the malformed and the denied
      // events were never observed, so they are not replayed.
      assert.equal(full.events, 8);
      assert.ok(FEATURE_NAMES.includes('user_payments_1h'));
    } finally {
      await close(platform);
    }
  });

  test('labels are replayed at the time they arrived', async () => {
    const platform = await open();
    try {
      clock.advance(60_000);
      const scam = {
        ...tinyPayment('usr_victim'),
        kind: 'transfer' as const,
        payeeKey: 'user:usr_scammer',
        amountMinor: 5_000n,
      };
      const assessed = await platform.modules.riskEngine.assess(scam);
      assert.notEqual(assessed.decision, 'deny');
      clock.advance(60_000);
      await platform.modules.riskEngine.label(scam.eventId, true);
      const rebuilt = new OnlineFeatureSource(new MemoryFeatureState());
      const report = await rebuildFeaturesFromDecisions(platform.store.db, rebuilt, {
        nowMs: clock.nowMs(),
        days: 38,
      });
      assert.equal(report.labels, 1);
      const next = await rebuilt.extract({
        ...scam,
        eventId: 'evt_next',
        userId: 'usr_next',
        atMs: clock.nowMs(),
      });
      assert.equal(next.payee_reports_30d, 1, 'the report against the payee survives the restart');
    } finally {
      await close(platform);
    }
  });

  test('wrong payment passwords (observed, not decided) are replayed from their security events', async () => {
    const platform = await open();
    let userId: string;
    try {
      const user = await platform.modules.identity.createUser({
        phoneE164: '+8613900009999',
        displayName: '重启',
        password: 'rebuild-login-2026',
        paymentPassword: '583917',
      });
      userId = user.id;
      const origin = {
        ip: '10.9.9.10',
        userAgent: undefined,
        deviceKey: undefined,
        locale: 'zh-CN' as const,
        location: null,
      };
      for (let k = 0; k < 2; k++) {
        clock.advance(30_000);
        await assert.rejects(
          platform.modules.identity.security.verifyPaymentPassword(userId, '000000', origin),
          /payment password is wrong/,
        );
      }
      clock.advance(30_000);
      const live = await platform.modules.riskEngine.assess(tinyPayment(userId));
      assert.equal(live.featureValues.failed_payment_passwords_1h, 2);
    } finally {
      await close(platform);
    }
    clock.advance(60_000);
    const reopened = await open();
    try {
      const result = await reopened.modules.riskEngine.assess(tinyPayment(userId));
      assert.equal(result.featureValues.failed_payment_passwords_1h, 2, 'remembered across the restart');
      assert.equal(result.featureValues.user_events_1h, 3, 'two failures and the payment, once each');
      // Control: the decisions alone do not hold them.
      const decisionsOnly = new OnlineFeatureSource(new MemoryFeatureState());
      const report = await rebuildFeaturesFromDecisions(reopened.store.db, decisionsOnly, {
        nowMs: clock.nowMs(),
        days: 38,
      });
      assert.equal(report.observedEvents, 0);
      const vector = await decisionsOnly.extract(tinyPayment(userId));
      assert.equal(vector.failed_payment_passwords_1h, 0);
    } finally {
      await close(reopened);
    }
  });
});
