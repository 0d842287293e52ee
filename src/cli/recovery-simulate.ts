/**
 * The recovery phase of `npm run risk -- simulate` (issue 7 point 8): real owners and attackers
 * go through account recovery over the HTTP API (inject, one IP each) on a seeded population with
 * the simulator's manual clock; then the recovery report is computed from the audit log, once for
 * the owners' accounts and once for the attacked accounts.
 *
 * - forgot_login: owners who forgot the login password and still hold their phone: SMS code +
 *   one more factor (TOTP, backup code, or the ID check), a new password, then a sign-in;
 * - lost_phone: owners whose phone is lost: a code to their new phone, the manual-review form
 *   (real name, ID number, three transactions they remember, a document), an operator review,
 *   the 24-hour cool-down, then unfreeze with new passwords on the new phone and a sign-in;
 * - attackers hold the victim's real name and ID number (most also the phone number) but not the
 *   SIM, a second factor or a backup code. Each tries every path: the three self-service kinds
 *   (guessing SMS codes), password guesses at sign-in, and the manual form with a phone of their
 *   own, a forged document and guessed transactions.
 *
 * The operator signs in to the console API (password + TOTP) and decides from what the review
 * page shows: whether the ID data matched and the account's recent movements beside the
 * transactions the applicant remembers (the rule: docs/recovery.md, "Reviewing a manual
 * recovery"). Owners are pessimistic about notices: nobody presses the cool-down's cancel link,
 * so review alone must stop the attackers. How people behave (how well they remember, how long a
 * step takes, how often they lose a factor) are the assumptions below, in one place; the figures
 * measure what the platform does with them.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { buildApp } from '../app.ts';
import type { Modules } from '../main.ts';
import { BOOTSTRAP_OPERATOR, composeIdNumber, type RecoveryReport } from '../recovery/index.ts';
import type { ManualClock } from '../shared/index.ts';
import type { Store } from '../store/index.ts';
import { formatReport } from './recovery-report-format.ts';

type App = Awaited<ReturnType<typeof buildApp>>;

export const FORGOT_LOGIN_OWNERS = 40;
export const LOST_PHONE_OWNERS = 25;
export const ATTACKERS = 20;
/** A month of ordinary use before anyone needs recovery: what the reviewer compares against. */
const HISTORY_DAYS = 30;
const HISTORY_PAYMENTS_PER_DAY_MAX = 1;
/** Attackers re-start a self-service path this many times (each start sends the owner an SMS). */
const ATTACKER_RESTARTS_MAX = 3;
/** A person starts a self-service recovery over at most this many times before giving up. */
const OWNER_STARTS_MAX = 2;
/** The operator sweeps the review queue this often (a review desk working through the day). */
const REVIEW_SWEEP_MS = 2 * 3600_000;
/** After the last arrival, time moves in these steps until every case is closed (3 days max). */
const DRAIN_STEP_MS = 10 * 60_000;
const DRAIN_STEPS_MAX = (3 * 24 * 3600_000) / DRAIN_STEP_MS;
/** The review rule: remembered payments that match the records (±2 days, ±1.00 CNY) needed. */
const REVIEW_MATCHES_MIN = 2;
const REVIEW_DATE_SLACK_MS = 2 * 24 * 3600_000;
const REVIEW_AMOUNT_SLACK_MINOR = 100n;

/** The behaviour assumptions (shares of people), named so the report can be read against them. */
const ASSUME = {
  /** forgot_login: which second factor the owner has set up. */
  totpShare: 0.35,
  backupCodeShare: 0.25,
  /** The rest rely on the ID check (real name + ID number). */
  /** The owner no longer has the authenticator (new phone) and falls back to the ID check. */
  totpLostShare: 0.1,
  /** The owner cannot find the printed backup codes and falls back to the ID check. */
  backupCodesLostShare: 0.3,
  /** Mistypes the SMS code once. */
  smsTypoShare: 0.08,
  /** Mistypes the ID number or name in the ID check once. */
  idTypoShare: 0.06,
  /** Walks away in the middle (a call, a meeting): never comes back to this attempt. */
  abandonShare: 0.04,
  /** lost_phone: each remembered transaction is right (the day ±1, the amount to the yuan). */
  rememberedRightShare: 0.75,
  /** Attackers who also hold the victim's phone number (the others guess one). */
  attackerKnowsPhoneShare: 0.7,
} as const;

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(2_000),
]);
const OLD_PASSWORD = 'sim-recovery-login-2026';
const NEW_PASSWORD = 'sim-Recovered-login-2026!';
const PIN = '583917';
const NEW_PIN = '720486';
const OPERATOR_PASSWORD = 'sim-operator-password-2026';
const COMMON_PASSWORDS = ['123456789', 'password123', 'qwerty123456', 'iloveyou2026', 'a123456789'];

interface Person {
  readonly userId: string;
  readonly phone: string;
  readonly realName: string;
  readonly idNumber: string;
  readonly ip: string;
  readonly factor: 'totp' | 'backup_code' | 'id_check';
  readonly totpSecret: string | null;
  readonly backupCodes: readonly string[];
}

interface Payment {
  readonly atMs: number;
  readonly amountMinor: bigint;
}

export interface RecoverySimulation {
  readonly owners: {
    readonly forgotLogin: { readonly people: number; readonly signedInAgain: number };
    readonly lostPhone: { readonly people: number; readonly signedInAgain: number };
    readonly report: RecoveryReport;
  };
  readonly attackers: {
    readonly people: number;
    readonly gotIn: number;
    readonly manualApproved: number;
    readonly byPath: Readonly<Record<string, { tries: number; succeeded: number }>>;
    readonly report: RecoveryReport;
  };
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '婷'];

export async function simulateRecovery(input: {
  app: App;
  store: Store;
  modules: Modules;
  clock: ManualClock;
  random: () => number;
}): Promise<RecoverySimulation> {
  const { app, store, modules, clock, random } = input;
  const chance = (p: number) => random() < p;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  let counter = 0;
  const nextPhone = () => `+86136${String(50_000_000 + ++counter)}`;

  const post = (url: string, payload: object, ip: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, remoteAddress: ip, headers });

  async function lastCode(phone: string): Promise<string | null> {
    const row = await store.db
      .selectFrom('notification_outbox')
      .select('body')
      .where('destination', '=', phone)
      .where('template', '=', 'otp_code')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row?.body.match(/\b\d{6}\b/)?.[0] ?? null;
  }
  const wrongCode = (right: string | null) =>
    String((Number(right ?? '0') + 1 + Math.floor(random() * 999_998)) % 1_000_000).padStart(6, '0');

  /** Signs in as the phone's holder (answering an SMS challenge); true when a session came back. */
  async function signIn(phone: string, password: string, ip: string): Promise<boolean> {
    clock.advance(61_000);
    let r = await post('/api/v1/auth/sign-in', { phone, password }, ip);
    if (r.statusCode !== 200) return false;
    if (r.json().status !== 'signed_in') {
      const { challengeToken } = r.json();
      if ((await post('/api/v1/auth/sign-in/send-code', { challengeToken }, ip)).statusCode !== 200)
        return false;
      clock.advance(between(15_000, 45_000));
      r = await post(
        '/api/v1/auth/sign-in/verify',
        { challengeToken, method: 'sms', code: (await lastCode(phone)) ?? '' },
        ip,
      );
    }
    return r.statusCode === 200 && typeof r.json().token === 'string';
  }

  // ---- the population: identity on file, a second factor for some, a month of payments -------
  const everyone: Person[] = [];
  async function person(kind: Person['factor']): Promise<Person> {
    const phone = nextPhone();
    const user = await modules.identity.createUser({
      phoneE164: phone,
      displayName: `恢复${counter}`,
      password: OLD_PASSWORD,
      paymentPassword: PIN,
    });
    const realName = `${SURNAMES[counter % SURNAMES.length]}${GIVEN[(counter * 7) % GIVEN.length]}`;
    const birth = new Date(Date.UTC(1960 + (counter % 40), counter % 12, 1 + (counter % 28)));
    const idNumber = composeIdNumber({
      region: '110105',
      birthDate: birth.toISOString().slice(0, 10),
      sequence: 100 + (counter % 800),
    });
    await modules.recovery.identityData.set(user.id, { realName, idNumber });
    let totpSecret: string | null = null;
    let backupCodes: string[] = [];
    if (kind === 'totp') {
      const enrolment = await modules.factors.totp.enroll(user.id, phone);
      totpSecret = enrolment.secret;
      await modules.factors.totp.confirm(user.id, totpCode(enrolment.secret));
    } else if (kind === 'backup_code') {
      backupCodes = await modules.factors.backupCodes.generate(user.id);
    }
    const p: Person = {
      userId: user.id,
      phone,
      realName,
      idNumber,
      ip: `10.70.${counter >> 8}.${counter & 255}`,
      factor: kind,
      totpSecret,
      backupCodes,
    };
    everyone.push(p);
    return p;
  }
  const totpCode = (secret: string) =>
    new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
      timestamp: clock.nowMs(),
    });
  const pickFactor = (): Person['factor'] => {
    const roll = random();
    return roll < ASSUME.totpShare
      ? 'totp'
      : roll < ASSUME.totpShare + ASSUME.backupCodeShare
        ? 'backup_code'
        : 'id_check';
  };

  const forgetful: Person[] = [];
  for (let i = 0; i < FORGOT_LOGIN_OWNERS; i++) forgetful.push(await person(pickFactor()));
  const phoneLosers: Person[] = [];
  for (let i = 0; i < LOST_PHONE_OWNERS; i++) phoneLosers.push(await person(pickFactor()));
  const victims: Person[] = [];
  for (let i = 0; i < ATTACKERS; i++) victims.push(await person(pickFactor()));

  const paid = new Map<string, Payment[]>();
  {
    const bank = await modules.ledger.systemAccount('external_funding', 'CNY');
    const wallets = new Map<string, string>();
    for (const p of everyone) wallets.set(p.userId, (await modules.wallet.openWallet(p.userId, 'CNY')).id);
    const topUps = everyone.map((p) => ({
      id: `sim-rec-topup-${p.userId}`,
      kind: 'posted' as const,
      code: 'top_up',
      legs: [
        {
          debitAccountId: bank.id,
          creditAccountId: wallets.get(p.userId) ?? '',
          amountMinor: 2_000_000n,
          currency: 'CNY' as const,
        },
      ],
    }));
    for (const r of await modules.ledger.createTransfers(topUps))
      if (r.status !== 'created') throw new Error('recovery simulation: seed top-up refused');
    for (let day = 0; day < HISTORY_DAYS; day++) {
      clock.advance(24 * 3600_000);
      const transfers = [];
      for (const [i, p] of everyone.entries()) {
        if (!chance(0.6)) continue;
        for (let k = 0; k < HISTORY_PAYMENTS_PER_DAY_MAX; k++) {
          const payee = everyone[(i + 1 + Math.floor(random() * (everyone.length - 1))) % everyone.length];
          if (!payee) continue;
          const amountMinor = BigInt(between(1_200, 60_000));
          transfers.push({
            id: `sim-rec-p2p-${day}-${i}-${k}`,
            kind: 'posted' as const,
            code: 'p2p',
            legs: [
              {
                debitAccountId: wallets.get(p.userId) ?? '',
                creditAccountId: wallets.get(payee.userId) ?? '',
                amountMinor,
                currency: 'CNY' as const,
              },
            ],
          });
          const list = paid.get(p.userId) ?? [];
          list.push({ atMs: clock.nowMs(), amountMinor });
          paid.set(p.userId, list);
        }
      }
      for (const r of await modules.ledger.createTransfers(transfers))
        if (r.status !== 'created') throw new Error('recovery simulation: history transfer refused');
    }
    clock.advance(between(2, 10) * 3600_000);
  }

  // ---- forgot login password: self-service -------------------------------------------------
  /** Runs one attempt to the end; 'done', 'restart' (attempt spent or expired) or 'gave_up'. */
  async function forgotLoginAttempt(p: Person, firstTry: boolean): Promise<'done' | 'restart' | 'gave_up'> {
    const started = await post('/api/v1/recovery/forgot-login/start', { phone: p.phone }, p.ip);
    if (started.statusCode !== 200) return 'gave_up';
    const { attemptToken } = started.json();
    clock.advance(between(15_000, 90_000)); // the SMS arrives; they read and type it
    if (firstTry && chance(ASSUME.smsTypoShare)) {
      await post(
        '/api/v1/recovery/forgot-login/verify-code',
        { attemptToken, code: wrongCode(await lastCode(p.phone)) },
        p.ip,
      );
      clock.advance(between(10_000, 30_000));
    }
    const verified = await post(
      '/api/v1/recovery/forgot-login/verify-code',
      { attemptToken, code: (await lastCode(p.phone)) ?? '' },
      p.ip,
    );
    if (verified.statusCode !== 200) return 'restart';
    if (chance(ASSUME.abandonShare)) return 'gave_up';
    let factor: object;
    let method = p.factor;
    if (method === 'totp' && chance(ASSUME.totpLostShare)) method = 'id_check';
    if (method === 'backup_code' && chance(ASSUME.backupCodesLostShare)) {
      clock.advance(between(120_000, 600_000)); // looked for the printout, in vain
      method = 'id_check';
    }
    if (method === 'totp') {
      clock.advance(between(15_000, 60_000));
      factor = { method: 'totp', code: totpCode(p.totpSecret ?? '') };
    } else if (method === 'backup_code') {
      clock.advance(between(60_000, 900_000)); // find the printed codes
      factor = { method: 'backup_code', code: p.backupCodes[0] ?? '' };
    } else {
      clock.advance(between(40_000, 150_000));
      if (chance(ASSUME.idTypoShare)) {
        const typo = `${p.idNumber.slice(0, 10)}${p.idNumber[11]}${p.idNumber[10]}${p.idNumber.slice(12)}`;
        const r = await post(
          '/api/v1/recovery/forgot-login/reset',
          {
            attemptToken,
            factor: { method: 'id_check', realName: p.realName, idNumber: typo },
            newPassword: NEW_PASSWORD,
          },
          p.ip,
        );
        if (r.statusCode === 200) return 'done';
        clock.advance(between(20_000, 60_000));
      }
      factor = { method: 'id_check', realName: p.realName, idNumber: p.idNumber };
    }
    const reset = await post(
      '/api/v1/recovery/forgot-login/reset',
      { attemptToken, factor, newPassword: NEW_PASSWORD },
      p.ip,
    );
    return reset.statusCode === 200 ? 'done' : 'restart';
  }

  let forgotSignedIn = 0;
  for (const p of forgetful) {
    clock.advance(between(60_000, 3600_000));
    for (let start = 0; start < OWNER_STARTS_MAX; start++) {
      const outcome = await forgotLoginAttempt(p, start === 0);
      if (outcome === 'done') {
        if (await signIn(p.phone, NEW_PASSWORD, p.ip)) forgotSignedIn++;
        break;
      }
      if (outcome === 'gave_up') break;
      clock.advance(61_000); // past the SMS resend cool-down
    }
  }

  // ---- the manual path: owners who lost the phone, and attackers ----------------------------
  async function manualRequest(
    applicant: { ip: string; newPhone: string },
    form: { oldPhone: string; realName: string; idNumber: string; remembered: string },
  ): Promise<boolean> {
    clock.advance(between(5, 15) * 60_000); // the form, the photos of the ID card
    const sent = await post(
      '/api/v1/recovery/manual/new-phone-code',
      { newPhone: applicant.newPhone },
      applicant.ip,
    );
    if (sent.statusCode !== 200) return false;
    clock.advance(between(20, 90) * 1000); // the code arrives on the new phone
    const fields: Record<string, string> = {
      oldPhone: form.oldPhone,
      newPhone: applicant.newPhone,
      newPhoneCode: (await lastCode(applicant.newPhone)) ?? '',
      realName: form.realName,
      idNumber: form.idNumber,
      rememberedTransactions: form.remembered,
    };
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/recovery/manual',
      remoteAddress: applicant.ip,
      ...multipart(fields, PNG),
    });
    return r.statusCode === 202;
  }

  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const yuan = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
  /** What an owner writes down: three of their payments, each right or misremembered. */
  function remembered(p: Person): string {
    const history = paid.get(p.userId) ?? [];
    const lines: string[] = [];
    for (let k = 0; k < 3 && history.length > 0; k++) {
      const real = history[Math.floor(random() * history.length)];
      if (!real) continue;
      if (chance(ASSUME.rememberedRightShare)) {
        const roundedMinor = ((real.amountMinor + 50n) / 100n) * 100n;
        lines.push(`${day(real.atMs + between(-1, 1) * 24 * 3600_000)} paid ${yuan(roundedMinor)} CNY`);
      } else {
        const off = BigInt(between(20, 60));
        const amountMinor = chance(0.5)
          ? real.amountMinor + (real.amountMinor * off) / 100n
          : real.amountMinor;
        const atMs = real.atMs + (chance(0.5) ? between(7, 20) : 0) * 24 * 3600_000;
        lines.push(`${day(atMs)} paid ${yuan(amountMinor)} CNY`);
      }
    }
    return lines.join('\n');
  }
  /** What an attacker writes: plausible dates in the last month and everyday round amounts. */
  function guessed(): string {
    const lines: string[] = [];
    for (let k = 0; k < 3; k++) {
      const atMs = clock.nowMs() - between(1, HISTORY_DAYS) * 24 * 3600_000;
      lines.push(`${day(atMs)} paid ${[50, 100, 88, 200, 66, 300, 120][between(0, 6)]}.00 CNY`);
    }
    return lines.join('\n');
  }

  const byPath: Record<string, { tries: number; succeeded: number }> = {};
  const tally = (path: string, ok: boolean) => {
    const s = byPath[path] ?? { tries: 0, succeeded: 0 };
    byPath[path] = s;
    s.tries++;
    if (ok) s.succeeded++;
  };

  // ---- the review desk and the cool-down job, driven by the clock ---------------------------
  const operator = await modules.recovery.operators.create(BOOTSTRAP_OPERATOR, {
    username: 'sim-review-agent',
    displayName: 'Simulated review agent',
    role: 'agent',
    password: OPERATOR_PASSWORD,
  });
  let nextSweepMs = clock.nowMs() + REVIEW_SWEEP_MS;
  let sweeps = 0;
  async function sweep(): Promise<void> {
    clock.advance(30_000); // a fresh TOTP step for this sign-in
    // One desk workstation per shift: the sign-in rate limiter counts wall-clock time, and the
    // simulation packs days of shifts into seconds, so one address would trip it.
    const deskIp = `10.99.${sweeps >> 8}.${sweeps & 255}`;
    sweeps++;
    const signedIn = await post(
      '/api/v1/ops/sign-in',
      { username: 'sim-review-agent', password: OPERATOR_PASSWORD, code: totpCode(operator.totpSecret) },
      deskIp,
    );
    if (signedIn.statusCode !== 200)
      throw new Error(`recovery simulation: operator sign-in ${signedIn.body}`);
    const auth = { authorization: `Bearer ${signedIn.json().token}` };
    const queue = await app.inject({
      method: 'GET',
      url: '/api/v1/ops/recoveries?status=pending_review',
      headers: auth,
    });
    // Oldest first, as a desk works its queue.
    for (const item of [...(queue.json().items as { id: string }[])].reverse()) {
      clock.advance(between(3, 12) * 60_000); // reading one case
      const detail = await app.inject({
        method: 'GET',
        url: `/api/v1/ops/recoveries/${item.id}`,
        headers: auth,
      });
      const approve = reviewDecision(detail.json());
      const decided = await app.inject({
        method: 'POST',
        url: `/api/v1/ops/recoveries/${item.id}/decision`,
        headers: auth,
        payload: {
          approve,
          note: approve
            ? 'ID matches; remembered payments found in the records'
            : 'evidence does not match the records',
        },
      });
      if (decided.statusCode !== 200) throw new Error(`recovery simulation: decision ${decided.body}`);
    }
    await post('/api/v1/ops/sign-out', {}, deskIp, auth);
  }

  /** Who asked for which account with which new phone; finished once the phone is bound. */
  interface Holder {
    readonly phone: string;
    readonly ip: string;
    readonly attacker: boolean;
    finished: boolean;
    signedIn: boolean;
  }
  const newPhones = new Map<string, Holder>();
  let lostSignedIn = 0;
  let attackersIn = 0;
  let manualApprovedForAttackers = 0;
  /** The holder of the new phone, told that the cool-down ended, unfreezes and signs in. */
  async function finish(holder: Holder) {
    if (holder.attacker) manualApprovedForAttackers++;
    clock.advance(between(10, 120) * 60_000);
    const started = await post('/api/v1/recovery/unfreeze/start', { phone: holder.phone }, holder.ip);
    clock.advance(between(15_000, 60_000));
    const attemptToken = started.json().attemptToken;
    await post(
      '/api/v1/recovery/unfreeze/verify-code',
      { attemptToken, code: (await lastCode(holder.phone)) ?? '' },
      holder.ip,
    );
    await post(
      '/api/v1/recovery/unfreeze/complete',
      { attemptToken, newPassword: NEW_PASSWORD, newPaymentPassword: NEW_PIN },
      holder.ip,
    );
    holder.signedIn = await signIn(holder.phone, NEW_PASSWORD, holder.ip);
    if (holder.attacker && holder.signedIn) attackersIn++;
    if (!holder.attacker && holder.signedIn) lostSignedIn++;
  }
  /** What runs while time passes: the desk's sweep when due, main.ts's cool-down job, owners. */
  async function tick(): Promise<void> {
    if (clock.nowMs() >= nextSweepMs) {
      await sweep();
      nextSweepMs = Math.max(nextSweepMs + REVIEW_SWEEP_MS, clock.nowMs());
    }
    await modules.recovery.runDue(clock.nowMs());
    for (const [userId, holder] of newPhones) {
      if (holder.finished) continue;
      if ((await modules.identity.findUserByPhone(holder.phone))?.id !== userId) continue;
      holder.finished = true;
      await finish(holder);
    }
  }

  async function lostPhoneOwner(p: Person): Promise<void> {
    const newPhone = nextPhone();
    newPhones.set(p.userId, { phone: newPhone, ip: p.ip, attacker: false, finished: false, signedIn: false });
    await manualRequest(
      { ip: p.ip, newPhone },
      { oldPhone: p.phone, realName: p.realName, idNumber: p.idNumber, remembered: remembered(p) },
    );
  }

  async function attacker(v: Person, n: number): Promise<void> {
    const ip = `203.0.${113 + (n >> 8)}.${n & 255}`;
    const knowsPhone = chance(ASSUME.attackerKnowsPhoneShare);
    const target = knowsPhone ? v.phone : nextPhone();
    // Self-service: the code goes to the owner's SIM; the attacker can only guess it.
    for (const kind of ['forgot-login', 'forgot-payment', 'unfreeze']) {
      let through = false;
      for (let r = 0; r < ATTACKER_RESTARTS_MAX && !through; r++) {
        clock.advance(61_000);
        const started = await post(`/api/v1/recovery/${kind}/start`, { phone: target }, ip);
        if (started.statusCode !== 200) break;
        const { attemptToken } = started.json();
        for (let g = 0; g < 5 && !through; g++) {
          const code = String(Math.floor(random() * 1_000_000)).padStart(6, '0');
          const verified = await post(`/api/v1/recovery/${kind}/verify-code`, { attemptToken, code }, ip);
          if (verified.statusCode !== 200) continue;
          // A lucky guess: the ID data is what they hold, so they offer it as the factor.
          const idFactor = { method: 'id_check', realName: v.realName, idNumber: v.idNumber };
          const done =
            kind === 'forgot-login'
              ? await post(
                  '/api/v1/recovery/forgot-login/reset',
                  { attemptToken, factor: idFactor, newPassword: NEW_PASSWORD },
                  ip,
                )
              : kind === 'unfreeze'
                ? await post(
                    '/api/v1/recovery/unfreeze/complete',
                    {
                      attemptToken,
                      realName: v.realName,
                      idNumber: v.idNumber,
                      factor: idFactor,
                      newPassword: NEW_PASSWORD,
                      newPaymentPassword: NEW_PIN,
                    },
                    ip,
                  )
                : null;
          through = done?.statusCode === 200;
        }
      }
      tally(kind, through);
    }
    // Password guesses at sign-in (a lucky one would still meet the new-device SMS challenge).
    let guessedIn = false;
    for (const password of COMMON_PASSWORDS) {
      clock.advance(5_000);
      const r = await post('/api/v1/auth/sign-in', { phone: target, password }, ip);
      if (r.statusCode === 200 && r.json().status === 'signed_in') guessedIn = true;
    }
    tally('sign_in_password_guess', guessedIn);
    // Manual review with a phone of their own.
    const attackerPhone = nextPhone();
    newPhones.set(v.userId, { phone: attackerPhone, ip, attacker: true, finished: false, signedIn: false });
    await manualRequest(
      { ip, newPhone: attackerPhone },
      { oldPhone: target, realName: v.realName, idNumber: v.idNumber, remembered: guessed() },
    );
  }

  // Owners and attackers arrive mixed over the day, as the desk would see them.
  const arrivals: (() => Promise<void>)[] = [
    ...phoneLosers.map((p) => () => lostPhoneOwner(p)),
    ...victims.map((v, n) => () => attacker(v, n)),
  ];
  for (let i = arrivals.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [arrivals[i], arrivals[j]] = [arrivals[j] as () => Promise<void>, arrivals[i] as () => Promise<void>];
  }
  for (const arrive of arrivals) {
    clock.advance(between(5, 40) * 60_000);
    await arrive();
    await tick();
  }
  // Then time runs on (in steps of the cool-down job's order of magnitude) until every request
  // is decided and every approval's cool-down has ended.
  for (let step = 0; step < DRAIN_STEPS_MAX; step++) {
    clock.advance(DRAIN_STEP_MS);
    await tick();
    const open = await store.db
      .selectFrom('manual_recoveries')
      .select('id')
      .where('status', 'in', ['pending_review', 'approved'])
      .executeTakeFirst();
    if (!open) break;
  }
  for (const [, holder] of newPhones) if (holder.attacker) tally('manual', holder.signedIn);
  attackersIn += Object.entries(byPath)
    .filter(([path]) => path !== 'manual')
    .reduce((sum, [, s]) => sum + s.succeeded, 0);

  const ownerIds = [...forgetful, ...phoneLosers].map((p) => p.userId);
  return {
    owners: {
      forgotLogin: { people: forgetful.length, signedInAgain: forgotSignedIn },
      lostPhone: { people: phoneLosers.length, signedInAgain: lostSignedIn },
      report: await modules.recovery.report({ userIds: ownerIds }),
    },
    attackers: {
      people: victims.length,
      gotIn: attackersIn,
      manualApproved: manualApprovedForAttackers,
      byPath,
      report: await modules.recovery.report({ userIds: victims.map((v) => v.userId) }),
    },
  };
}

/**
 * The reviewer's rule, applied to exactly what the console's review page shows: the ID data must
 * match the account, and at least two of the remembered payments must appear among its recent
 * outgoing movements (±2 days, ±1.00 CNY). A request naming no account is rejected.
 */
export function reviewDecision(detail: {
  userId?: string | null;
  identityMatches?: boolean;
  rememberedTransactions?: string;
  recentActivity?: { at: string; direction: string; amountMinor: string }[];
}): boolean {
  if (!detail.userId || !detail.identityMatches) return false;
  const outgoing = (detail.recentActivity ?? []).filter((a) => a.direction === 'out');
  let matched = 0;
  for (const line of (detail.rememberedTransactions ?? '').split('\n')) {
    const date = line.match(/\d{4}-\d{2}-\d{2}/)?.[0];
    const amount = line.match(/(\d+)\.(\d{2})\s*CNY/);
    if (!date || !amount) continue;
    const atMs = Date.parse(`${date}T12:00:00Z`);
    const amountMinor = BigInt(amount[1] ?? '0') * 100n + BigInt(amount[2] ?? '0');
    const hit = outgoing.some((a) => {
      const diff = BigInt(a.amountMinor) - amountMinor;
      return (
        Math.abs(Date.parse(a.at) - atMs) <= REVIEW_DATE_SLACK_MS &&
        diff <= REVIEW_AMOUNT_SLACK_MINOR &&
        diff >= -REVIEW_AMOUNT_SLACK_MINOR
      );
    });
    if (hit) matched++;
  }
  return matched >= REVIEW_MATCHES_MIN;
}

function multipart(fields: Record<string, string>, document: Buffer) {
  const boundary = `----rampart-sim-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="document0"; filename="id-card.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    document,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** The recovery tables for stderr: owners' and attacked accounts' reports and the attackers' tally. */
export function formatRecoverySimulation(sim: RecoverySimulation): string {
  const paths = Object.entries(sim.attackers.byPath)
    .map(([path, s]) => `${path} ${s.succeeded}/${s.tries}`)
    .join(', ');
  return [
    `recovery — real owners (${sim.owners.forgotLogin.people} forgot the login password, ${sim.owners.lostPhone.people} lost the phone):`,
    formatReport(sim.owners.report),
    `signed in again: forgot password ${sim.owners.forgotLogin.signedInAgain}/${sim.owners.forgotLogin.people}, phone lost ${sim.owners.lostPhone.signedInAgain}/${sim.owners.lostPhone.people}`,
    '',
    `recovery — accounts attacked with stolen personal data (${sim.attackers.people} attackers):`,
    formatReport(sim.attackers.report),
    `attackers in: ${sim.attackers.gotIn}; manual requests approved for attackers: ${sim.attackers.manualApproved}; by path (succeeded/tries): ${paths}`,
  ].join('\n');
}

export function recoverySimulationToJson(sim: RecoverySimulation) {
  return {
    owners_forgot_login: sim.owners.forgotLogin.people,
    owners_forgot_login_signed_in: sim.owners.forgotLogin.signedInAgain,
    owners_lost_phone: sim.owners.lostPhone.people,
    owners_lost_phone_signed_in: sim.owners.lostPhone.signedInAgain,
    owners_report: sim.owners.report,
    attackers: sim.attackers.people,
    attackers_in: sim.attackers.gotIn,
    attackers_manual_approved: sim.attackers.manualApproved,
    attackers_by_path: sim.attackers.byPath,
    attacked_report: sim.attackers.report,
  };
}
