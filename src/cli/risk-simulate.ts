/**
 * `npm run risk -- simulate` (issue 5 point 8): replays attacks and legitimate traffic through the
 * HTTP API (Fastify's inject: routing, schemas, auth and error mapping, without a socket, so each
 * request can come from its own IP) against a seeded population on an in-memory store, then
 * prints one JSON line: attacks stopped per scenario, money lost per 10 million paid, and the
 * share of legitimate payments challenged, held or refused.
 *
 * Legitimate traffic: LEGIT_USERS people, each on their own phone, pay friends and a merchant
 * over LEGIT_DAYS days in waking hours (some payments come in bursts minutes apart, as a shopping
 * trip does), signing in again whenever their session has gone idle. The attacks follow on the
 * next day, against people of that population (victims have a history, a habitual phone and
 * payees, as real ones do); only the card tester and the mule accounts are fresh accounts.
 *
 * Scenarios (each against its own victim):
 * - account_takeover: the attacker has the password and a phished SMS code, signs in from a new
 *   device abroad and sends most of the balance to a new payee;
 * - stolen_phone: the thief uses the victim's unlocked phone (session, device, observed payment
 *   password; SMS codes arrive on the same phone) and drains the balance in three transfers to an
 *   account the ring uses for every theft;
 * - fake_customer_service: the victim, on their own phone, is talked into moving 85 % of the
 *   balance to a "safe account" they never paid;
 * - mule: 12 people each send a fresh mule account 800–2,000 CNY;
 * - card_testing: a fresh account on a new device makes 15 tiny merchant payments in a minute.
 * Operators are simulated as ideal reviewers: a held payment is rejected when it is an attack and
 * approved otherwise (the numbers say what holding achieves when review is right).
 *
 * "Stopped" means no money reached the attacker: refused, held then rejected, or never confirmed
 * because the attacker could not pass the challenge. "Cut short" means some money was lost but the
 * attack's later payments were stopped (a velocity rule can only see a burst once it has begun).
 * `--legit-users N` sizes the legitimate population (default LEGIT_USERS).
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from '../app.ts';

type App = Awaited<ReturnType<typeof buildApp>>;

import { loadConfig } from '../config.ts';
import { DEMO_MERCHANT, seedDemo } from '../demo/index.ts';
import { createModules, loadRiskScoring, type Modules } from '../main.ts';
import { ManualClock } from '../shared/index.ts';
import { migrateToLatest, openStore, type Store } from '../store/index.ts';
import { formatRecoverySimulation, recoverySimulationToJson, simulateRecovery } from './recovery-simulate.ts';

const OPERATOR_TOKEN = `sim-${randomBytes(24).toString('hex')}`;
const PASSWORD = 'simulated-login-2026';
const PIN = '583917';
const LEGIT_USERS = 80;
const LEGIT_PAYMENTS_PER_USER = 8;
/** Days of legitimate traffic before the attacks (the features' 1 d and 7 d windows fill). */
const LEGIT_DAYS = 4;
/** Share of legitimate payments that follow the payer's previous one within minutes (bursts). */
const LEGIT_BURST_SHARE = 0.2;
/** Waking hours, Beijing time 08:00–23:00, as UTC hours from midnight UTC: 00:00–15:00. */
const WAKING_HOURS_UTC = 15;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Re-sign-in when the last activity is older than this (the session idle timeout is 30 min). */
const SESSION_REUSE_MS = 25 * MINUTE_MS;

/** Deterministic PRNG (mulberry32): the same seed replays the same traffic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Actor {
  readonly phone: string;
  readonly userId: string;
  ip: string;
  token: string;
  deviceKey: string | undefined;
  /** When this actor last used the session (it goes idle after 30 minutes). */
  lastActiveMs: number;
}

interface Outcome {
  /** 'paid' | 'challenged_paid' | 'held' | 'declined' | 'not_confirmed' | error code */
  readonly result: string;
  readonly intentId: string | null;
  readonly amountMinor: bigint;
  readonly challenged: boolean;
}

class Simulation {
  private phoneCounter = 0;
  private requestCounter = 0;
  constructor(
    private readonly app: App,
    private readonly store: Store,
    private readonly modules: Modules,
    private readonly clock: ManualClock,
  ) {}

  async user(name: string, balanceMinor: bigint): Promise<Actor> {
    this.phoneCounter++;
    const phone = `+86137${String(40_000_000 + this.phoneCounter)}`;
    const user = await this.modules.identity.createUser({
      phoneE164: phone,
      displayName: name,
      password: PASSWORD,
      paymentPassword: PIN,
    });
    if (balanceMinor > 0n) {
      const bank = await this.modules.ledger.systemAccount('external_funding', 'CNY');
      const wallet = await this.modules.wallet.openWallet(user.id, 'CNY');
      const [r] = await this.modules.ledger.createTransfers([
        {
          id: `sim-topup-${randomBytes(8).toString('hex')}`,
          kind: 'posted',
          code: 'top_up',
          legs: [
            {
              debitAccountId: bank.id,
              creditAccountId: wallet.id,
              amountMinor: balanceMinor,
              currency: 'CNY',
            },
          ],
        },
      ]);
      if (r?.status !== 'created') throw new Error('seed top-up failed');
    }
    return {
      phone,
      userId: user.id,
      ip: `10.50.${this.phoneCounter >> 8}.${this.phoneCounter & 255}`,
      token: '',
      deviceKey: undefined,
      lastActiveMs: Number.NEGATIVE_INFINITY,
    };
  }

  /** Signs in again only when the session has gone idle (a person reopening the app). */
  async ensureSession(actor: Actor): Promise<boolean> {
    if (actor.token && this.clock.nowMs() - actor.lastActiveMs < SESSION_REUSE_MS) return true;
    return this.signIn(actor);
  }

  private async lastCode(phone: string): Promise<string> {
    const row = await this.store.db
      .selectFrom('notification_outbox')
      .select('body')
      .where('destination', '=', phone)
      .where('template', '=', 'otp_code')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const code = row?.body.match(/\b\d{6}\b/)?.[0];
    if (!code) throw new Error(`no code sent to ${phone}`);
    return code;
  }

  /** Signs in (answering any SMS challenge with the code that reached the phone); false if refused. */
  async signIn(actor: Actor): Promise<boolean> {
    // Time passes between sessions (and past the SMS resend cool-down of an earlier sign-in).
    this.clock.advance(120_000);
    const headers = actor.deviceKey ? { 'x-rampart-device': actor.deviceKey } : {};
    const post = (url: string, payload: object) =>
      this.app.inject({ method: 'POST', url, payload, headers, remoteAddress: actor.ip });
    let r = await post('/api/v1/auth/sign-in', { phone: actor.phone, password: PASSWORD });
    if (r.statusCode !== 200) return false;
    if (r.json().status !== 'signed_in') {
      const { challengeToken } = r.json();
      const sent = await post('/api/v1/auth/sign-in/send-code', { challengeToken });
      if (sent.statusCode !== 200) return false;
      r = await post('/api/v1/auth/sign-in/verify', {
        challengeToken,
        method: 'sms',
        code: await this.lastCode(actor.phone),
      });
      if (r.statusCode !== 200) return false;
    }
    actor.token = r.json().token;
    actor.lastActiveMs = this.clock.nowMs();
    actor.deviceKey = r.cookies.find((c) => c.name === 'rampart_device')?.value ?? actor.deviceKey;
    return true;
  }

  private call(actor: Actor, url: string, payload?: object) {
    return this.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${actor.token}`,
        ...(actor.deviceKey ? { 'x-rampart-device': actor.deviceKey } : {}),
      },
      remoteAddress: actor.ip,
      ...(payload ? { payload } : {}),
    });
  }

  async balance(actor: Actor): Promise<bigint> {
    const wallet = await this.modules.wallet.openWallet(actor.userId, 'CNY');
    return wallet.creditsPostedMinor - wallet.debitsPostedMinor - wallet.debitsPendingMinor;
  }

  /** Pays and confirms; `canAnswerSms`: whoever pays receives the SMS code (the phone's holder). */
  async pay(
    payer: Actor,
    payee: { phone: string } | { merchantId: string },
    amountMinor: bigint,
    canAnswerSms: boolean,
  ): Promise<Outcome> {
    this.clock.advance(5_000);
    payer.lastActiveMs = this.clock.nowMs();
    const created = await this.call(payer, '/api/v1/payments/intents', {
      payee,
      amount: { amountMinor: amountMinor.toString(), currency: 'CNY' },
      channel: 'balance',
      clientRequestId: `sim-${++this.requestCounter}`,
    });
    if (created.statusCode !== 201) {
      const code = created.json().error?.code ?? `http_${created.statusCode}`;
      return {
        result: code === 'payment_declined' ? 'declined' : code,
        intentId: null,
        amountMinor,
        challenged: false,
      };
    }
    const intent = created.json();
    const challenged = intent.confirmation === 'payment_password_and_second_factor';
    const body: Record<string, string | boolean> = { paymentPassword: PIN };
    // The anti-fraud warning (issue 9) is ticked by everyone here: the legitimate payer, and the
    // scam victim whom the fraudster talks through it (the pessimistic case for the engine).
    if (intent.fraudWarning) body.warningAcknowledged = true;
    if (challenged) {
      if (!canAnswerSms) return { result: 'not_confirmed', intentId: intent.id, amountMinor, challenged };
      const sent = await this.call(payer, `/api/v1/payments/intents/${intent.id}/sms-code`);
      if (sent.statusCode !== 200)
        return { result: 'not_confirmed', intentId: intent.id, amountMinor, challenged };
      body.smsCode = await this.lastCode(payer.phone);
    }
    const confirmed = await this.call(payer, `/api/v1/payments/intents/${intent.id}/confirm`, body);
    if (confirmed.statusCode !== 200) {
      return {
        result: confirmed.json().error?.code ?? 'confirm_failed',
        intentId: intent.id,
        amountMinor,
        challenged,
      };
    }
    const status = confirmed.json().status;
    return { result: status === 'in_review' ? 'held' : 'paid', intentId: intent.id, amountMinor, challenged };
  }

  /** The ideal reviewer: rejects attack holds, approves legitimate ones. */
  async review(intentIds: ReadonlySet<string>, attack: boolean): Promise<Map<string, string>> {
    const decided = new Map<string, string>();
    const list = await this.app.inject({
      method: 'GET',
      url: '/api/v1/operator/cases?kind=payment_hold&status=open&limit=100',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'x-operator-name': 'simulated.reviewer' },
    });
    for (const c of list.json().cases as { id: string; intentId: string }[]) {
      if (!intentIds.has(c.intentId)) continue;
      const action = attack ? 'reject' : 'approve';
      const r = await this.app.inject({
        method: 'POST',
        url: `/api/v1/operator/cases/${c.id}/${action}`,
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'x-operator-name': 'simulated.reviewer' },
        payload: {},
      });
      decided.set(c.intentId, r.statusCode === 200 ? action : `failed_${r.statusCode}`);
    }
    return decided;
  }
}

interface ScenarioResult {
  /** How each of the scenario's payments ended ('paid', 'held', 'declined', an error code…). */
  results: Record<string, number>;
  attempts: number;
  stopped: number;
  cutShort: number;
  attemptedMinor: bigint;
  lostMinor: bigint;
}

async function main(): Promise<void> {
  const seedArg = process.argv.indexOf('--seed');
  const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 20260302;
  const usersArg = process.argv.indexOf('--legit-users');
  const legitUsers = usersArg > 0 ? Number(process.argv[usersArg + 1]) : LEGIT_USERS;
  // 27 victims are drawn from the population (5 + 5 + 5 + 12).
  if (!Number.isSafeInteger(legitUsers) || legitUsers < 30 || legitUsers > 2_000)
    throw new Error('--legit-users must be a whole number from 30 to 2000');
  const random = prng(seed);
  const between = (lo: number, hi: number) => BigInt(Math.round(lo + random() * (hi - lo)));

  const config = loadConfig(process.env, {
    dataDir: 'memory://',
    databaseUrl: undefined,
    operatorToken: OPERATOR_TOKEN,
    logLevel: 'silent',
    webDistDir: '/nonexistent',
    riskRulesReloadCheckMs: 0,
  });
  const store = await openStore({ dataDir: 'memory://', poolSizeMax: 4 });
  await migrateToLatest(store);
  // A manual clock starting at 10:00 Beijing time: the simulation moves time itself, so windows,
  // cool-downs and deadlines behave as in real time without waiting for them.
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
  // The same model and online features as a running platform (main.ts loadRiskScoring).
  const risk = await loadRiskScoring();
  const modules = createModules(store, config, clock, { masterKey: randomBytes(32), devMode: true, risk });
  await seedDemo({ db: store.db, ...modules });
  const app = await buildApp({ config, clock, ping: store.ping, ...modules, demo: false });
  await app.ready();
  const sim = new Simulation(app, store, modules, clock);
  const startedMs = Date.now();

  try {
    // Legitimate traffic: each person on their own phone pays two friends and a merchant over
    // LEGIT_DAYS days, in waking hours; a share of payments follows the previous one within
    // minutes. A person never tries to pay more than they have.
    const startMs = clock.nowMs();
    const legit: Actor[] = [];
    for (let i = 0; i < legitUsers; i++) legit.push(await sim.user(`用户${i}`, between(500_000, 5_000_000)));
    const planned: { atMs: number; payer: number; k: number }[] = [];
    for (let i = 0; i < legitUsers; i++) {
      const times: number[] = [];
      for (let k = 0; k < LEGIT_PAYMENTS_PER_USER; k++) {
        const day = Math.floor(random() * LEGIT_DAYS);
        const base = startMs + day * DAY_MS + Math.floor(random() * WAKING_HOURS_UTC * HOUR_MS);
        const previous = times.at(-1);
        times.push(
          previous !== undefined && random() < LEGIT_BURST_SHARE
            ? previous + Number(between(2, 15)) * MINUTE_MS
            : base,
        );
      }
      for (const [k, atMs] of times.entries()) planned.push({ atMs, payer: i, k });
    }
    planned.sort((a, b) => a.atMs - b.atMs || a.payer - b.payer);
    const legitOutcomes: Outcome[] = [];
    for (const { atMs, payer: i, k } of planned) {
      const payer = legit[i] as Actor;
      if (atMs > clock.nowMs()) clock.set(atMs);
      if (!(await sim.ensureSession(payer))) throw new Error('a legitimate sign-in was refused');
      const friends = [legit[(i + 1) % legit.length], legit[(i + 7) % legit.length]].filter(
        (f): f is Actor => f !== undefined,
      );
      const roll = random();
      const payee =
        roll < 0.4
          ? { merchantId: DEMO_MERCHANT.id }
          : { phone: (friends[k % friends.length] ?? payer).phone };
      // Mostly everyday amounts; one in ten a larger one (rent, a used phone).
      let amount = random() < 0.9 ? between(1_000, 60_000) : between(100_000, 800_000);
      const balance = await sim.balance(payer);
      if (balance < 1_000n) continue;
      if (amount > balance) amount = balance / 2n;
      legitOutcomes.push(await sim.pay(payer, payee, amount, true));
    }
    const legitHeld = new Set(
      legitOutcomes.filter((o) => o.result === 'held' && o.intentId).map((o) => o.intentId as string),
    );
    const legitReview = await sim.review(legitHeld, false);

    const scenarios: Record<string, ScenarioResult> = {};
    const attackHeld = new Map<string, { scenario: string; amountMinor: bigint }>();
    const record = (scenario: string, outcomes: Outcome[]) => {
      const s = scenarios[scenario] ?? {
        attempts: 0,
        stopped: 0,
        results: {},
        cutShort: 0,
        attemptedMinor: 0n,
        lostMinor: 0n,
      };
      scenarios[scenario] = s;
      s.attempts++;
      let lost = 0n;
      for (const o of outcomes) {
        s.results[o.result] = (s.results[o.result] ?? 0) + 1;
        s.attemptedMinor += o.amountMinor;
        if (o.result === 'paid') lost += o.amountMinor;
        if (o.result === 'held' && o.intentId)
          attackHeld.set(o.intentId, { scenario, amountMinor: o.amountMinor });
      }
      s.lostMinor += lost;
      return lost;
    };
    const lostByAttempt: { scenario: string; lost: bigint; heldIds: string[]; unpaid: number }[] = [];
    const attempt = (scenario: string, outcomes: Outcome[]) => {
      const lost = record(scenario, outcomes);
      lostByAttempt.push({
        scenario,
        lost,
        heldIds: outcomes.filter((o) => o.result === 'held' && o.intentId).map((o) => o.intentId as string),
        unpaid: outcomes.filter((o) => o.result !== 'paid' && o.result !== 'held').length,
      });
    };

    // The attacks, the morning after the legitimate days (10:00 Beijing time).
    clock.set(Math.max(clock.nowMs(), startMs + LEGIT_DAYS * DAY_MS));
    // Victims come from the population, each used once: 5 takeovers, 5 stolen phones, 5 scams, 12 mule payers.
    let nextVictim = 0;
    const victim = (): Actor => legit[nextVictim++] as Actor;
    const mule = await sim.user('收款人', 0n);
    for (let n = 0; n < 5; n++) {
      // Account takeover: password and phished code, new device, abroad.
      const ato = victim();
      const attacker: Actor = { ...ato, ip: '8.8.8.8', token: '', deviceKey: undefined };
      if (!(await sim.signIn(attacker)))
        attempt('account_takeover', [
          { result: 'sign_in_denied', intentId: null, amountMinor: 0n, challenged: false },
        ]);
      else {
        const amount = ((await sim.balance(ato)) * 9n) / 10n;
        attempt('account_takeover', [await sim.pay(attacker, { phone: mule.phone }, amount, true)]);
      }

      // Stolen unlocked phone: three transfers of 30 % each, SMS codes arrive on the same phone.
      const owner = victim();
      await sim.ensureSession(owner);
      const thief = owner;
      const share = ((await sim.balance(owner)) * 3n) / 10n;
      const stolen: Outcome[] = [];
      for (let k = 0; k < 3; k++) stolen.push(await sim.pay(thief, { phone: mule.phone }, share, true));
      attempt('stolen_phone', stolen);

      // Fake customer service: the victim, on their own phone, moves 85 % to a "safe account".
      const scammed = victim();
      await sim.ensureSession(scammed);
      const safeAccount = await sim.user(`安全账户${n}`, 0n);
      const amount = ((await sim.balance(scammed)) * 85n) / 100n;
      attempt('fake_customer_service', [await sim.pay(scammed, { phone: safeAccount.phone }, amount, true)]);

      // Card testing: a fresh account on a new device, 15 tiny merchant payments.
      const tester = await sim.user(`测卡${n}`, 100_000n);
      await sim.signIn(tester);
      const probes: Outcome[] = [];
      for (let k = 0; k < 15; k++)
        probes.push(await sim.pay(tester, { merchantId: DEMO_MERCHANT.id }, between(100, 300), true));
      attempt('card_testing', probes);
    }
    // Mule accounts: many people, each paying this account for the first time, send it money.
    const collector = await sim.user('骡子', 0n);
    const muleOutcomes: Outcome[] = [];
    for (let k = 0; k < 12; k++) {
      const payer = victim();
      await sim.ensureSession(payer);
      muleOutcomes.push(await sim.pay(payer, { phone: collector.phone }, between(80_000, 200_000), true));
    }
    attempt('mule', muleOutcomes);

    const attackReview = await sim.review(new Set(attackHeld.keys()), true);
    for (const a of lostByAttempt) {
      const held = a.heldIds.filter((id) => attackReview.get(id) !== 'reject');
      const s = scenarios[a.scenario];
      if (!s) continue;
      const heldLost = held.reduce((sum, id) => sum + (attackHeld.get(id)?.amountMinor ?? 0n), 0n);
      s.lostMinor += heldLost;
      if (a.lost + heldLost === 0n) s.stopped++;
      else if (a.unpaid + a.heldIds.length - held.length > 0) s.cutShort++;
    }

    const legitPaidMinor = legitOutcomes
      .filter(
        (o) =>
          o.result === 'paid' ||
          (o.result === 'held' && o.intentId && legitReview.get(o.intentId) === 'approve'),
      )
      .reduce((s, o) => s + o.amountMinor, 0n);
    const lostMinor = Object.values(scenarios).reduce((s, x) => s + x.lostMinor, 0n);
    const paidMinor = legitPaidMinor + lostMinor;
    const attempts = Object.values(scenarios).reduce((s, x) => s + x.attempts, 0);
    const stopped = Object.values(scenarios).reduce((s, x) => s + x.stopped, 0);
    const cutShort = Object.values(scenarios).reduce((s, x) => s + x.cutShort, 0);
    const share = (n: number) => Number((n / legitOutcomes.length).toFixed(4));
    const tally = (keys: Iterable<string>) => {
      const counts: Record<string, number> = {};
      for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
      return counts;
    };
    // What stepped up, held or refused legitimate payments (decisions before the attacks began,
    // by the legitimate payers): the reasons an operator would look at first.
    const legitIds = legit.map((a) => a.userId);
    const legitDecisions = await store.db
      .selectFrom('risk_decisions')
      .select(['reasons'])
      .where('user_id', 'in', legitIds)
      .where('kind', 'in', ['payment', 'transfer'])
      .where('decision', '!=', 'allow')
      .where('created_at', '<', new Date(startMs + LEGIT_DAYS * DAY_MS))
      .execute();
    const legitReasons = tally(
      legitDecisions.flatMap((d) => (d.reasons as string[]).filter((r) => !r.startsWith('model:'))),
    );
    // Issue 7 point 8: owners and attackers through account recovery (src/cli/recovery-simulate.ts).
    const recovery = await simulateRecovery({ app, store, modules, clock, random });
    console.error(formatRecoverySimulation(recovery));
    console.log(
      JSON.stringify({
        simulate: 'risk',
        seed,
        // Set RAMPART_RISK_MODEL_MODE=enforce to let the model's score decide as well.
        model: `${risk.model?.version ?? 'none'} (${config.riskModelMode})`,
        attacks: attempts,
        attacks_stopped: stopped,
        attacks_cut_short: cutShort,
        by_scenario: Object.fromEntries(
          Object.entries(scenarios).map(([k, v]) => [
            k,
            {
              attempts: v.attempts,
              stopped: v.stopped,
              cut_short: v.cutShort,
              results: v.results,
              attempted_minor: v.attemptedMinor.toString(),
              lost_minor: v.lostMinor.toString(),
            },
          ]),
        ),
        paid_minor: paidMinor.toString(),
        lost_minor: lostMinor.toString(),
        lost_per_10m_paid: paidMinor === 0n ? 0 : Number((lostMinor * 10_000_000n * 100n) / paidMinor) / 100,
        legit_users: legitUsers,
        legit_payments: legitOutcomes.length,
        legit_challenged_share: share(legitOutcomes.filter((o) => o.challenged).length),
        legit_held_share: share(legitOutcomes.filter((o) => o.result === 'held').length),
        legit_refused_share: share(
          legitOutcomes.filter((o) => o.result !== 'paid' && o.result !== 'held').length,
        ),
        legit_not_paid_by: tally(
          legitOutcomes.filter((o) => o.result !== 'paid' && o.result !== 'held').map((o) => o.result),
        ),
        legit_rule_reasons: legitReasons,
        recovery: recoverySimulationToJson(recovery),
        elapsed_ms: Date.now() - startedMs,
      }),
    );
  } finally {
    await app.close();
    await modules.ledger.drain();
    await store.close();
  }
}

await main();
