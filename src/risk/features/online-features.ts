/**
 * The online features of issue 5 point 2, one implementation for production and evaluation
 * (`npm run risk -- eval` replays the labelled file through this very class). It implements the
 * FeatureSource port over a FeatureState: the in-memory state in embedded mode, Redis in the
 * scale-out mode. extract() never throws on a bad event: a missing or malformed field makes the
 * features that need it NaN (missing) and counts in `event_malformed_fields`.
 */
import { assert } from '../../shared/index.ts';
import type { FeatureSource, FeatureVector, RiskEvent } from '../ports.ts';
import { RISK_EVENT_KINDS } from '../ports.ts';
import type { FeatureState, MemberResult, ReadResult, StateRead, StateWrite } from './state.ts';
import {
  bucketOf,
  type CounterDelta,
  type CounterFamily,
  DAY_MS,
  daysWithEvents,
  delayedWindowSum,
  F_EVENTS,
  F_PAYMENTS,
  HOUR_MS,
  LONG_WINDOW_DAYS,
  logQ,
  perDay,
  type RingLayout,
  ringLayout,
  WINDOW_NAMES,
  type WindowName,
  windowSum,
} from './windows.ts';

/** Longest id, key or IP accepted; longer is malformed (keeps keys and memory bounded). */
const KEY_CHARS_MAX = 200;
/** Times before 2000 or after 2100 are malformed. */
const AT_MS_MIN = Date.UTC(2000, 0, 1);
const AT_MS_MAX = Date.UTC(2100, 0, 1);
/** Failed payment-password entries reported with one event: more is malformed. */
const FAILED_PASSWORDS_MAX = 1000;
/** Faster than an airliner between two places more than 100 km apart. */
const IMPOSSIBLE_SPEED_KMH = 900;
const IMPOSSIBLE_DISTANCE_KM = 100;
/** The log-amount spread never counts as smaller than this (×1000 log units), so z stays finite. */
const LOG_STD_FLOOR_Q = 50;
const BALANCE_SHARE_MAX = 10;
const EARTH_RADIUS_KM = 6371;
/** Delayed windows for label-based fraud rates, in days. */
const DELAYED_DAYS = [1, 7, 30] as const;

const ENTITIES = ['user', 'device', 'ip', 'payee', 'merchant'] as const;
type Entity = (typeof ENTITIES)[number];
/** Entities whose non-money events (sign-ins, changes) also count. */
const EVENT_ENTITIES: readonly Entity[] = ['user', 'device', 'ip'];
const MONEY_KINDS = new Set(['payment', 'transfer', 'withdrawal']);

/** The `detail` keys this module reads (the engine fills them; see docs/risk.md). */
export const DETAIL_KEYS = {
  /** security_change: what changed (password, phone, payment_password, new_device, …). */
  change: 'change',
  /**
   * Any event: failed payment-password entries since the last success, as a whole number. A
   * snapshot (`failed_payment_passwords_now`), not new failures: two payments between successes
   * carry the same ones, so it never enters the windows. Each failure is counted once, by its own
   * `security_change` event with change `payment_password_failed`.
   */
  failedPaymentPasswords: 'failedPaymentPasswords',
  /** Money events: the merchant behind the payee when it is not `merchant:<id>` itself. */
  merchantId: 'merchantId',
} as const;

function buildFeatureNames(): string[] {
  const names = [
    'event_kind',
    'event_malformed_fields',
    'amount_minor',
    'amount_log',
    'hour_utc',
    'is_weekend',
    'is_night',
  ];
  for (const entity of ENTITIES) {
    for (const window of WINDOW_NAMES) {
      if (EVENT_ENTITIES.includes(entity)) names.push(`${entity}_events_${window}`);
      names.push(`${entity}_payments_${window}`, `${entity}_sum_${window}_minor`);
    }
  }
  names.push(
    'user_mean_1d_minor',
    'user_mean_7d_minor',
    'user_mean_30d_minor',
    'amount_to_user_mean_1d',
    'amount_to_user_mean_7d',
    'amount_to_user_mean_30d',
    'amount_log_z_30d',
    'user_delayed_payments_30d',
    'user_delayed_mean_30d_minor',
    'amount_to_user_delayed_mean_30d',
    'amount_log_z_delayed_30d',
    'amount_to_payee_mean_30d',
    'balance_share',
    'device_new',
    'ip_new',
    'country_new',
    'payee_new_for_user',
    'user_countries_known',
    'user_devices_known',
    'user_ips_known',
    'payee_payers_known',
    'km_from_last_signin',
    'kmh_from_last_signin',
    'impossible_travel',
    'hours_since_last_signin',
    'hours_since_password_change',
    'hours_since_phone_change',
    'hours_since_security_change',
    'hours_since_new_device',
    'hours_since_new_country',
    'user_age_days',
    'payee_age_days',
    'payee_new_payers_1d',
    'payee_new_payers_7d',
    'payee_reports_7d',
    'payee_reports_30d',
    'user_confirmed_frauds_30d',
    'failed_payment_passwords_now',
    'failed_payment_passwords_1h',
    'failed_payment_passwords_1d',
  );
  for (const who of ['payee', 'merchant']) {
    for (const days of DELAYED_DAYS)
      names.push(`${who}_delayed_payments_${days}d`, `${who}_fraud_rate_${days}d`);
    names.push(`${who}_frauds_known_latest_1d`, `${who}_frauds_known_latest_7d`);
  }
  names.push(
    'payee_days_since_fraud',
    'payee_days_since_first_fraud',
    'payee_fraud_days_30d',
    'payee_fraud_span_days',
    'payee_fraud_payers_7d',
    'payee_fraud_payers_30d',
    'user_mean_7d_to_delayed_mean_30d',
    'user_log_std_7d',
    'user_log_std_delayed_30d',
    'payee_fraud_mean_amount_30d_minor',
    'payee_fraud_mean_amount_latest_7d_minor',
    'payee_fraud_amount_to_payee_mean_30d',
    'payee_fraud_share_since_first_fraud',
    'payee_settled_payments_since_first_fraud',
    'payee_fraud_run_days',
    'payee_fraud_run_payments',
    'payee_clear_ordinary_frauds_30d',
    'payee_ordinary_frauds_30d',
    'payee_payer_explained_frauds_30d',
    'payee_latest_fraud_payer_ratio',
  );
  return names;
}

/** Every feature, in a fixed order (the model's columns); names are stable. */
export const FEATURE_NAMES: readonly string[] = Object.freeze(buildFeatureNames());

/** The event's fields after validation; undefined where missing or malformed. */
interface CleanEvent {
  eventId: string | undefined;
  kind: string | undefined;
  userId: string | undefined;
  atMs: number | undefined;
  amountMinor: number | undefined;
  balanceMinor: number | undefined;
  payeeKey: string | undefined;
  merchantKey: string | undefined;
  deviceKey: string | undefined;
  ip: string | undefined;
  country: string | undefined;
  latitude: number | undefined;
  longitude: number | undefined;
  change: string | undefined;
  failedPaymentPasswords: number | undefined;
  malformed: number;
}

/** Reads an untrusted event (it may come from anywhere, typed or not) without ever throwing. */
export function cleanEvent(raw: unknown): CleanEvent {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  let malformed = typeof raw === 'object' && raw !== null ? 0 : 1;
  const text = (value: unknown, required = false): string | undefined => {
    if (value === undefined || value === null) {
      if (required) malformed++;
      return undefined;
    }
    if (typeof value === 'string' && value.length > 0 && value.length <= KEY_CHARS_MAX) return value;
    malformed++;
    return undefined;
  };
  const minor = (value: unknown): number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER))
      return Number(value);
    malformed++;
    return undefined;
  };
  const within = (value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
    malformed++;
    return undefined;
  };
  const kind = text(e.kind, true);
  if (e.atMs === undefined) malformed++;
  const atMs = within(e.atMs, AT_MS_MIN, AT_MS_MAX);
  if (kind !== undefined && !(RISK_EVENT_KINDS as readonly string[]).includes(kind)) malformed++;
  const detail =
    typeof e.detail === 'object' && e.detail !== null ? (e.detail as Record<string, unknown>) : {};
  if (e.detail !== undefined && (typeof e.detail !== 'object' || e.detail === null)) malformed++;
  const payeeKey = text(e.payeeKey);
  const merchantFromDetail = text(detail[DETAIL_KEYS.merchantId]);
  const merchantKey =
    merchantFromDetail ??
    (payeeKey?.startsWith('merchant:') ? payeeKey.slice('merchant:'.length) || undefined : undefined);
  const failedRaw = detail[DETAIL_KEYS.failedPaymentPasswords];
  let failedPaymentPasswords: number | undefined;
  if (failedRaw !== undefined) {
    if (
      typeof failedRaw === 'string' &&
      /^\d{1,4}$/.test(failedRaw) &&
      Number(failedRaw) <= FAILED_PASSWORDS_MAX
    )
      failedPaymentPasswords = Number(failedRaw);
    else malformed++;
  }
  const country = e.country === null ? undefined : text(e.country);
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) malformed++;
  let latitude = within(e.latitude, -90, 90);
  let longitude = within(e.longitude, -180, 180);
  if ((latitude === undefined) !== (longitude === undefined)) {
    latitude = undefined;
    longitude = undefined;
  }
  return {
    eventId: text(e.eventId, true),
    kind: kind !== undefined && (RISK_EVENT_KINDS as readonly string[]).includes(kind) ? kind : undefined,
    userId: text(e.userId, true),
    atMs,
    amountMinor: minor(e.amountMinor),
    balanceMinor: minor(e.balanceMinor),
    payeeKey,
    merchantKey,
    deviceKey: text(e.deviceKey),
    ip: text(e.ip),
    country: country !== undefined && /^[A-Z]{2}$/.test(country) ? country : undefined,
    latitude,
    longitude,
    change: text(detail[DETAIL_KEYS.change]),
    failedPaymentPasswords,
    malformed,
  };
}

const COUNTER_PREFIX: Record<Entity, string> = {
  user: 'cu',
  device: 'cd',
  ip: 'ci',
  payee: 'cp',
  merchant: 'cm',
};

/** A fraud below this multiple of its payer's mean is of ordinary size for the payer (NaN counts). */
export const PAYER_RATIO_ORDINARY = 2.5;
/** …and below this one, clearly so. */
export const PAYER_RATIO_CLEARLY_ORDINARY = 1.5;
/** The payer history a label's ratio reads: what the day ring still holds at the usual delay. */
const PAYER_HISTORY_DAYS = (delayDays: number) => Math.max(1, LONG_WINDOW_DAYS - delayDays);

/** State keys, one prefix per structure (documented in docs/risk.md for Redis operators). */
const K = {
  counter: (entity: Entity, id: string) => `${COUNTER_PREFIX[entity]}:${id}`,
  payeeFrauds: (payee: string) => `cpf:${payee}`,
  payeeOrdinaryFrauds: (payee: string) => `cpo:${payee}`,
  payeeClearOrdinaryFrauds: (payee: string) => `cpc:${payee}`,
  merchantFrauds: (merchant: string) => `cmf:${merchant}`,
  payeeReports: (payee: string) => `cpr:${payee}`,
  payeeFraudPayers: (payee: string) => `spf:${payee}`,
  payeeNewFraudPayers: (payee: string) => `cpfn:${payee}`,
  userFrauds: (user: string) => `cul:${user}`,
  payeeNewPayers: (payee: string) => `cpn:${payee}`,
  failedPasswords: (user: string) => `cuf:${user}`,
  userDevices: (user: string) => `sud:${user}`,
  userIps: (user: string) => `sui:${user}`,
  userCountries: (user: string) => `suc:${user}`,
  payeePayers: (payee: string) => `spp:${payee}`,
  user: (user: string) => `ru:${user}`,
  payee: (payee: string) => `rp:${payee}`,
  event: (eventId: string) => `e:${eventId}`,
};

function entityId(event: CleanEvent, entity: Entity): string | undefined {
  switch (entity) {
    case 'user':
      return event.userId;
    case 'device':
      return event.deviceKey;
    case 'ip':
      return event.ip;
    case 'payee':
      return event.payeeKey;
    case 'merchant':
      return event.merchantKey;
  }
}

function isMoney(event: CleanEvent): boolean {
  return event.kind !== undefined && MONEY_KINDS.has(event.kind) && event.amountMinor !== undefined;
}

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A request for state, remembering which result answers which question. */
class ReadPlan {
  readonly reads: StateRead[] = [];
  readonly #index = new Map<string, number>();
  add(read: StateRead): void {
    const id = read.kind === 'member' ? `${read.key}\u0000${read.member}` : read.key;
    if (this.#index.has(id)) return;
    this.#index.set(id, this.reads.length);
    this.reads.push(read);
  }
  get(results: readonly ReadResult[], key: string, member?: string): ReadResult {
    const index = this.#index.get(member === undefined ? key : `${key}\u0000${member}`);
    return index === undefined ? undefined : results[index];
  }
}

export interface OnlineFeatureOptions {
  /** Whole days before a label may count in a fraud rate (labels arrive late); must match the state. */
  readonly delayDays?: number;
}

export class OnlineFeatureSource implements FeatureSource {
  readonly state: FeatureState;
  readonly delayDays: number;
  readonly #layouts: Record<CounterFamily, RingLayout>;

  constructor(state: FeatureState) {
    this.state = state;
    this.delayDays = state.limits.delayDays;
    this.#layouts = { full: ringLayout('full', this.delayDays), daily: ringLayout('daily', this.delayDays) };
  }

  async extract(event: RiskEvent): Promise<FeatureVector> {
    const clean = cleanEvent(event);
    const plan = this.#planReads(clean);
    const results = plan.reads.length > 0 ? await this.state.read(plan.reads) : [];
    return this.#compute(clean, plan, results);
  }

  async observe(event: RiskEvent): Promise<void> {
    const writes = this.observeWrites(event);
    if (writes.length > 0) await this.state.write(writes);
  }

  /** The writes observe() applies (exposed so a replay can batch them). */
  observeWrites(event: RiskEvent): StateWrite[] {
    const e = cleanEvent(event);
    // Without an id the event cannot be recorded idempotently, without a time it has no bucket.
    if (e.eventId === undefined || e.atMs === undefined) return [];
    const at = e.atMs;
    const money = isMoney(e);
    const amount = money ? (e.amountMinor ?? 0) : 0;
    const q = money ? logQ(amount) : 0;
    const delta: CounterDelta = {
      events: 1,
      payments: money ? 1 : 0,
      sumMinor: amount,
      sumLogQ: q,
      sumLogQSq: q * q,
    };
    const writes: StateWrite[] = [
      { kind: 'guard', key: K.event(e.eventId), field: 'at', expect: null, value: String(at) },
    ];
    const eventFields: Record<string, string> = {};
    if (e.userId !== undefined) eventFields.u = e.userId;
    if (e.payeeKey !== undefined) eventFields.p = e.payeeKey;
    if (e.merchantKey !== undefined) eventFields.m = e.merchantKey;
    // The amount, so a label can say how large the confirmed frauds at a payee were.
    if (money) eventFields.a = String(amount);
    writes.push({ kind: 'set', key: K.event(e.eventId), fields: eventFields });
    for (const entity of ENTITIES) {
      const id = entityId(e, entity);
      if (id === undefined) continue;
      if ((entity === 'payee' || entity === 'merchant') && !money) continue;
      writes.push({ kind: 'add', key: K.counter(entity, id), family: 'full', atMs: at, delta });
    }
    // One per failed entry, from its own event; `failedPaymentPasswords` is a snapshot (above).
    const failed = e.kind === 'security_change' && e.change === 'payment_password_failed' ? 1 : 0;
    if (e.userId !== undefined) {
      const user = e.userId;
      const userKey = K.user(user);
      writes.push({ kind: 'set', key: userKey, fields: { firstMs: String(at) }, onlyIfMissing: true });
      writes.push({ kind: 'set', key: userKey, fields: { lastMs: String(at) } });
      if (e.deviceKey !== undefined)
        writes.push({
          kind: 'touch',
          key: K.userDevices(user),
          member: e.deviceKey,
          atMs: at,
          ifNew: [{ kind: 'set', key: userKey, fields: { newDeviceMs: String(at) } }],
        });
      if (e.ip !== undefined) writes.push({ kind: 'touch', key: K.userIps(user), member: e.ip, atMs: at });
      if (e.country !== undefined)
        writes.push({
          kind: 'touch',
          key: K.userCountries(user),
          member: e.country,
          atMs: at,
          ifNew: [{ kind: 'set', key: userKey, fields: { newCountryMs: String(at) } }],
        });
      if (e.kind === 'sign_in') {
        const fields: Record<string, string> = { signInMs: String(at) };
        if (e.latitude !== undefined && e.longitude !== undefined) {
          fields.locMs = String(at);
          fields.lat = String(e.latitude);
          fields.lon = String(e.longitude);
        }
        writes.push({ kind: 'set', key: userKey, fields });
      }
      if (e.kind === 'security_change') {
        const fields: Record<string, string> = { securityMs: String(at) };
        if (e.change === 'password') fields.passwordMs = String(at);
        if (e.change === 'phone') fields.phoneMs = String(at);
        if (e.change === 'new_device') fields.newDeviceMs = String(at);
        writes.push({ kind: 'set', key: userKey, fields });
      }
      if (failed > 0)
        writes.push({
          kind: 'add',
          key: K.failedPasswords(user),
          family: 'full',
          atMs: at,
          delta: { events: failed, payments: 0, sumMinor: 0, sumLogQ: 0, sumLogQSq: 0 },
        });
      if (money && e.payeeKey !== undefined)
        writes.push({
          kind: 'touch',
          key: K.payeePayers(e.payeeKey),
          member: user,
          atMs: at,
          ifNew: [
            {
              kind: 'add',
              key: K.payeeNewPayers(e.payeeKey),
              family: 'full',
              atMs: at,
              delta: { events: 1, payments: 0, sumMinor: 0, sumLogQ: 0, sumLogQSq: 0 },
            },
          ],
        });
    }
    if (money && e.payeeKey !== undefined)
      writes.push({
        kind: 'set',
        key: K.payee(e.payeeKey),
        fields: { firstMs: String(at) },
        onlyIfMissing: true,
      });
    return writes;
  }

  async label(eventId: string, fraud: boolean, atMs: number): Promise<void> {
    if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > KEY_CHARS_MAX) return;
    if (!Number.isFinite(atMs)) return;
    const key = K.event(eventId);
    const [record] = await this.state.read([{ kind: 'record', key }]);
    const payerRatio = fraud ? await this.#payerRatio(record) : Number.NaN;
    const writes = labelWrites(key, record, fraud, atMs, payerRatio);
    if (writes.length > 0) await this.state.write(writes);
  }

  /**
   * A confirmed fraud's amount against its payer's own mean, over the payer's payments from
   * LONG_WINDOW_DAYS before it up to `delayDays` before it: a compromise that began shortly before
   * the fraud has not inflated that mean, and the ring still holds those days when the label
   * arrives after the usual delay (a later label reads what is left of them). NaN when the event
   * kept no payer or amount, or the payer had no payments then.
   */
  async #payerRatio(record: ReadResult | undefined): Promise<number> {
    if (!record || record instanceof Float64Array || 'info' in record) return Number.NaN;
    const rec = record as Readonly<Record<string, string>>;
    // Already a fraud: the label changes nothing (labelWrites), so nothing to read for it.
    if (rec.label === '1') return Number.NaN;
    const amount = rec.a === undefined ? Number.NaN : Number(rec.a);
    const eventAtMs = Number(rec.at);
    if (rec.u === undefined || !(amount >= 0) || !Number.isFinite(eventAtMs)) return Number.NaN;
    const userKey = K.counter('user', rec.u);
    const [ring] = await this.state.read([{ kind: 'counter', key: userKey, family: 'full' }]);
    const before = delayedWindowSum(ring as Float64Array | undefined, this.#layouts.full, {
      days: PAYER_HISTORY_DAYS(this.delayDays),
      delayDays: this.delayDays,
      atMs: eventAtMs,
    });
    const mean = before.payments > 0 ? before.sumMinor / before.payments : 0;
    return mean > 0 ? amount / mean : Number.NaN;
  }

  #planReads(e: CleanEvent): ReadPlan {
    const plan = new ReadPlan();
    for (const entity of ENTITIES) {
      const id = entityId(e, entity);
      if (id !== undefined) plan.add({ kind: 'counter', key: K.counter(entity, id), family: 'full' });
    }
    if (e.payeeKey !== undefined) {
      plan.add({ kind: 'counter', key: K.payeeFrauds(e.payeeKey), family: 'daily' });
      plan.add({ kind: 'counter', key: K.payeeOrdinaryFrauds(e.payeeKey), family: 'daily' });
      plan.add({ kind: 'counter', key: K.payeeClearOrdinaryFrauds(e.payeeKey), family: 'daily' });
      plan.add({ kind: 'counter', key: K.payeeReports(e.payeeKey), family: 'daily' });
      plan.add({ kind: 'counter', key: K.payeeNewFraudPayers(e.payeeKey), family: 'daily' });
      plan.add({ kind: 'counter', key: K.payeeNewPayers(e.payeeKey), family: 'full' });
      plan.add({ kind: 'record', key: K.payee(e.payeeKey) });
      plan.add({ kind: 'member', key: K.payeePayers(e.payeeKey), member: e.userId ?? '' });
    }
    if (e.merchantKey !== undefined)
      plan.add({ kind: 'counter', key: K.merchantFrauds(e.merchantKey), family: 'daily' });
    if (e.userId !== undefined) {
      plan.add({ kind: 'record', key: K.user(e.userId) });
      plan.add({ kind: 'counter', key: K.userFrauds(e.userId), family: 'daily' });
      plan.add({ kind: 'counter', key: K.failedPasswords(e.userId), family: 'full' });
      plan.add({ kind: 'member', key: K.userDevices(e.userId), member: e.deviceKey ?? '' });
      plan.add({ kind: 'member', key: K.userIps(e.userId), member: e.ip ?? '' });
      plan.add({ kind: 'member', key: K.userCountries(e.userId), member: e.country ?? '' });
    }
    return plan;
  }

  #compute(e: CleanEvent, plan: ReadPlan, results: readonly ReadResult[]): FeatureVector {
    const f = new Map<string, number>();
    const set = (name: string, value: number) => f.set(name, value);
    const at = e.atMs;
    const money = isMoney(e);
    const amount = money ? (e.amountMinor ?? Number.NaN) : Number.NaN;
    set(
      'event_kind',
      e.kind === undefined ? Number.NaN : (RISK_EVENT_KINDS as readonly string[]).indexOf(e.kind),
    );
    set('event_malformed_fields', e.malformed);
    set('amount_minor', amount);
    set('amount_log', Number.isNaN(amount) ? Number.NaN : Math.log1p(amount / 100));
    if (at !== undefined) {
      const date = new Date(at);
      const hour = date.getUTCHours();
      set('hour_utc', hour);
      set('is_weekend', date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 1 : 0);
      set('is_night', hour <= 6 ? 1 : 0);
    }
    const full = this.#layouts.full;
    const daily = this.#layouts.daily;
    const ring = (key: string) => plan.get(results, key) as Float64Array | undefined;
    const record = (key: string) => plan.get(results, key) as Readonly<Record<string, string>> | undefined;
    const member = (key: string, m: string) => plan.get(results, key, m) as MemberResult | undefined;
    const hoursSince = (value: string | undefined) => {
      if (at === undefined || value === undefined) return Number.NaN;
      return Math.max(0, (at - Number(value)) / HOUR_MS);
    };

    // Windows per entity.
    const sums = new Map<string, ReturnType<typeof windowSum>>();
    for (const entity of ENTITIES) {
      const id = entityId(e, entity);
      if (id === undefined || at === undefined) continue;
      const r = ring(K.counter(entity, id));
      for (const window of WINDOW_NAMES) {
        const sum = windowSum(r, full, window, at);
        sums.set(`${entity}:${window}`, sum);
        if (EVENT_ENTITIES.includes(entity)) set(`${entity}_events_${window}`, sum.events);
        set(`${entity}_payments_${window}`, sum.payments);
        set(`${entity}_sum_${window}_minor`, sum.sumMinor);
      }
    }
    // The amount against the user's own history (and the payee's).
    for (const window of ['1d', '7d', '30d'] as WindowName[]) {
      const sum = sums.get(`user:${window}`);
      if (!sum) continue;
      const mean = sum.payments > 0 ? sum.sumMinor / sum.payments : Number.NaN;
      set(`user_mean_${window}_minor`, mean);
      set(`amount_to_user_mean_${window}`, money && mean > 0 ? amount / mean : Number.NaN);
    }
    const user30 = sums.get('user:30d');
    if (user30 && money && user30.payments >= 2) {
      const meanQ = user30.sumLogQ / user30.payments;
      const stdQ = Math.sqrt(Math.max(0, user30.sumLogQSq / user30.payments - meanQ * meanQ));
      set('amount_log_z_30d', (logQ(amount) - meanQ) / Math.max(stdQ, LOG_STD_FLOOR_Q));
    }
    // The same against the 30 days that end `delayDays` back: a history a compromise that began
    // within the delay has not yet inflated (its ×5 payments would otherwise raise the mean).
    const userId = e.userId;
    if (userId !== undefined && at !== undefined) {
      const old = delayedWindowSum(ring(K.counter('user', userId)), full, {
        days: 30,
        delayDays: this.delayDays,
        atMs: at,
      });
      set('user_delayed_payments_30d', old.payments);
      const mean = old.payments > 0 ? old.sumMinor / old.payments : Number.NaN;
      set('user_delayed_mean_30d_minor', mean);
      if (money && mean > 0) set('amount_to_user_delayed_mean_30d', amount / mean);
      const mean7 = sums.get('user:7d');
      if (mean7 && mean7.payments > 0 && mean > 0)
        set('user_mean_7d_to_delayed_mean_30d', mean7.sumMinor / mean7.payments / mean);
      if (old.payments >= 2) {
        const meanQ = old.sumLogQ / old.payments;
        const stdQ = Math.sqrt(Math.max(0, old.sumLogQSq / old.payments - meanQ * meanQ));
        set('user_log_std_delayed_30d', stdQ / 1000);
      }
      if (money && old.payments >= 2) {
        const meanQ = old.sumLogQ / old.payments;
        const stdQ = Math.sqrt(Math.max(0, old.sumLogQSq / old.payments - meanQ * meanQ));
        set('amount_log_z_delayed_30d', (logQ(amount) - meanQ) / Math.max(stdQ, LOG_STD_FLOOR_Q));
      }
    }
    const user7 = sums.get('user:7d');
    if (user7 && user7.payments >= 2) {
      const meanQ = user7.sumLogQ / user7.payments;
      set('user_log_std_7d', Math.sqrt(Math.max(0, user7.sumLogQSq / user7.payments - meanQ * meanQ)) / 1000);
    }
    const payee30 = sums.get('payee:30d');
    if (payee30 && money && payee30.payments > 0 && payee30.sumMinor > 0)
      set('amount_to_payee_mean_30d', amount / (payee30.sumMinor / payee30.payments));
    if (money && e.balanceMinor !== undefined && e.balanceMinor > 0)
      set('balance_share', Math.min(BALANCE_SHARE_MAX, amount / e.balanceMinor));

    // Novelty for the user.
    if (e.userId !== undefined) {
      const devices = member(K.userDevices(e.userId), e.deviceKey ?? '');
      const ips = member(K.userIps(e.userId), e.ip ?? '');
      const countries = member(K.userCountries(e.userId), e.country ?? '');
      if (e.deviceKey !== undefined && devices) set('device_new', devices.info ? 0 : 1);
      if (e.ip !== undefined && ips) set('ip_new', ips.info ? 0 : 1);
      if (e.country !== undefined && countries) set('country_new', countries.info ? 0 : 1);
      if (devices) set('user_devices_known', devices.size);
      if (ips) set('user_ips_known', ips.size);
      if (countries) set('user_countries_known', countries.size);
      const u = record(K.user(e.userId));
      if (u) {
        set('hours_since_last_signin', hoursSince(u.signInMs));
        set('hours_since_password_change', hoursSince(u.passwordMs));
        set('hours_since_phone_change', hoursSince(u.phoneMs));
        set('hours_since_security_change', hoursSince(u.securityMs));
        set('hours_since_new_device', hoursSince(u.newDeviceMs));
        set('hours_since_new_country', hoursSince(u.newCountryMs));
        set('user_age_days', hoursSince(u.firstMs) / 24);
        if (
          at !== undefined &&
          e.latitude !== undefined &&
          e.longitude !== undefined &&
          u.locMs !== undefined &&
          u.lat !== undefined &&
          u.lon !== undefined
        ) {
          const km = haversineKm(Number(u.lat), Number(u.lon), e.latitude, e.longitude);
          const hours = Math.max((at - Number(u.locMs)) / HOUR_MS, 1 / 60);
          const kmh = km / hours;
          set('km_from_last_signin', km);
          set('kmh_from_last_signin', kmh);
          set('impossible_travel', km > IMPOSSIBLE_DISTANCE_KM && kmh > IMPOSSIBLE_SPEED_KMH ? 1 : 0);
        }
      }
      if (at !== undefined) {
        const frauds = windowSum(ring(K.userFrauds(e.userId)), daily, '30d', at);
        set('user_confirmed_frauds_30d', frauds.events);
        const failed = ring(K.failedPasswords(e.userId));
        set('failed_payment_passwords_1h', windowSum(failed, full, '1h', at).events);
        set('failed_payment_passwords_1d', windowSum(failed, full, '1d', at).events);
      }
    }
    set('failed_payment_passwords_now', e.failedPaymentPasswords ?? Number.NaN);

    // The payee: age, new payers (mules), reports, delayed fraud rate.
    if (e.payeeKey !== undefined) {
      const payers = member(K.payeePayers(e.payeeKey), e.userId ?? '');
      if (payers) {
        set('payee_payers_known', payers.size);
        if (e.userId !== undefined) set('payee_new_for_user', payers.info ? 0 : 1);
      }
      const p = record(K.payee(e.payeeKey));
      set('payee_age_days', p ? hoursSince(p.firstMs) / 24 : 0);
      if (at !== undefined) {
        const newPayers = ring(K.payeeNewPayers(e.payeeKey));
        set('payee_new_payers_1d', windowSum(newPayers, full, '1d', at).events);
        set('payee_new_payers_7d', windowSum(newPayers, full, '7d', at).events);
        const reports = ring(K.payeeReports(e.payeeKey));
        set('payee_reports_7d', windowSum(reports, daily, '7d', at).events);
        set('payee_reports_30d', windowSum(reports, daily, '30d', at).events);
        // When the payee's known frauds happened (by payment day): a compromised payee shows
        // fraud on every day up to the labels' horizon, an old one-off fraud does not.
        const today = bucketOf(at, DAY_MS);
        // The lookback is the whole day ring (30 days of labels beyond the delay), so a fraud run
        // as long as a compromise is visible from its first day.
        const fraudDays = daysWithEvents(
          ring(K.payeeFrauds(e.payeeKey)),
          daily,
          today - LONG_WINDOW_DAYS - this.delayDays,
          today,
        );
        const lastFraudDay = fraudDays[fraudDays.length - 1];
        set('payee_days_since_fraud', lastFraudDay === undefined ? Number.NaN : today - lastFraudDay);
        set('payee_days_since_first_fraud', lastFraudDay === undefined ? Number.NaN : today - fraudDays[0]!);
        set('payee_fraud_days_30d', fraudDays.length);
        set('payee_fraud_span_days', lastFraudDay === undefined ? 0 : lastFraudDay - fraudDays[0]! + 1);
        // The payee's settled days (whole days up to the delay, all labels in), as far back as the
        // fraud lookback above, read once for two views of its known frauds:
        // - the share of fraud among settled payments from its first known fraud day on. A
        //   compromised terminal turns every payment into fraud from that day, so the share is 1;
        //   an isolated fraud is followed by ordinary payments and the share falls at once;
        // - the current fraud run: walking back from the horizon, the days on which every payment
        //   was fraud, up to the latest day with an ordinary payment (days without payments do
        //   not break it). A compromise shows a run as old as itself minus the delay; an old
        //   one-off does not make a new compromise look old.
        const horizonDay = today - this.delayDays - 1;
        const firstFraudDay = fraudDays[0];
        if (firstFraudDay !== undefined && firstFraudDay <= horizonDay) {
          const fromDay = horizonDay - LONG_WINDOW_DAYS + 1;
          assert(firstFraudDay >= fromDay, 'the fraud lookback starts within the settled days read');
          const paid = perDay(ring(K.counter('payee', e.payeeKey)), full, F_PAYMENTS, fromDay, horizonDay);
          const bad = perDay(ring(K.payeeFrauds(e.payeeKey)), daily, F_EVENTS, fromDay, horizonDay);
          let settled = 0;
          let settledBad = 0;
          for (let i = firstFraudDay - fromDay; i < paid.length; i++) {
            settled += paid[i]!;
            settledBad += bad[i]!;
          }
          set('payee_settled_payments_since_first_fraud', settled);
          if (settled > 0) set('payee_fraud_share_since_first_fraud', Math.min(1, settledBad / settled));
          let runStart = -1;
          let runPayments = 0;
          for (let i = paid.length - 1; i >= 0; i--) {
            if (paid[i]! === 0) continue;
            if (bad[i]! < paid[i]!) break;
            runStart = i;
            runPayments += paid[i]!;
          }
          set('payee_fraud_run_days', runStart < 0 ? 0 : paid.length - runStart);
          set('payee_fraud_run_payments', runPayments);
        }
        // Distinct payers with a confirmed fraud here (by payment day): many means the payee
        // itself is compromised, one means a compromised payer who happened to pay here.
        const fraudPayers = ring(K.payeeNewFraudPayers(e.payeeKey));
        set('payee_fraud_payers_7d', windowSum(fraudPayers, daily, '7d', at).events);
        set('payee_fraud_payers_30d', windowSum(fraudPayers, daily, '30d', at).events);
        // How large the payee's confirmed frauds were. A fraud explained by its own amount (far
        // above what is paid there) says little about the payee; ordinary-sized frauds are what a
        // compromised merchant or terminal produces, so this separates the two with one label.
        const frauds = ring(K.payeeFrauds(e.payeeKey));
        const known30 = windowSum(frauds, daily, '30d', at);
        // Whose fraud was it? A fraud far above its payer's own mean (a stolen card or account
        // spending big) is explained by the payer; one of ordinary size for its payer points at
        // the payee. Each label was sorted when it arrived (label(), PAYER_RATIO_*).
        const ordinary = windowSum(ring(K.payeeOrdinaryFrauds(e.payeeKey)), daily, '30d', at).events;
        set(
          'payee_clear_ordinary_frauds_30d',
          windowSum(ring(K.payeeClearOrdinaryFrauds(e.payeeKey)), daily, '30d', at).events,
        );
        set('payee_ordinary_frauds_30d', ordinary);
        set('payee_payer_explained_frauds_30d', Math.max(0, known30.events - ordinary));
        if (known30.events > 0 && p?.lastFraudRatio !== undefined)
          set('payee_latest_fraud_payer_ratio', Number(p.lastFraudRatio));
        const fraudMean30 = known30.payments > 0 ? known30.sumMinor / known30.payments : Number.NaN;
        set('payee_fraud_mean_amount_30d_minor', fraudMean30);
        const latest7 = delayedWindowSum(frauds, daily, { days: 7, delayDays: this.delayDays - 1, atMs: at });
        set(
          'payee_fraud_mean_amount_latest_7d_minor',
          latest7.payments > 0 ? latest7.sumMinor / latest7.payments : Number.NaN,
        );
        const payeeMean30 = payee30 && payee30.payments > 0 ? payee30.sumMinor / payee30.payments : 0;
        set(
          'payee_fraud_amount_to_payee_mean_30d',
          payeeMean30 > 0 && known30.payments > 0 ? fraudMean30 / payeeMean30 : Number.NaN,
        );
      }
    }
    if (at !== undefined) {
      for (const who of ['payee', 'merchant'] as const) {
        const id = who === 'payee' ? e.payeeKey : e.merchantKey;
        if (id === undefined) continue;
        const payments = ring(K.counter(who, id));
        const frauds = ring(who === 'payee' ? K.payeeFrauds(id) : K.merchantFrauds(id));
        for (const days of DELAYED_DAYS) {
          const window = { days, delayDays: this.delayDays, atMs: at };
          const n = delayedWindowSum(payments, full, window).payments;
          const bad = delayedWindowSum(frauds, daily, window).events;
          set(`${who}_delayed_payments_${days}d`, n);
          set(`${who}_fraud_rate_${days}d`, n > 0 ? Math.min(1, bad / n) : 0);
        }
        // Frauds already confirmed on the days up to and including the one `delayDays` back: that
        // day's labels are only partly in (those of payments more than `delayDays` old), so this is
        // a count, not a rate — it flags a compromised payee up to a day before the rate can.
        for (const days of [1, 7] as const) {
          const latest = { days, delayDays: this.delayDays - 1, atMs: at };
          set(`${who}_frauds_known_latest_${days}d`, delayedWindowSum(frauds, daily, latest).events);
        }
      }
    }

    const vector: Record<string, number> = {};
    for (const name of FEATURE_NAMES) vector[name] = f.get(name) ?? Number.NaN;
    return vector;
  }
}

/** The writes of one label: fraud counts move by the change from the label held before. */
function labelWrites(
  key: string,
  record: ReadResult,
  fraud: boolean,
  atMs: number,
  payerRatio: number,
): StateWrite[] {
  if (!record || record instanceof Float64Array || 'info' in record) return [];
  const rec = record as Readonly<Record<string, string>>;
  if (rec.at === undefined) return [];
  const prior = rec.label ?? null;
  const next = fraud ? '1' : '0';
  if (prior === next) return [];
  const eventAtMs = Number(rec.at);
  const change = (fraud ? 1 : 0) - (prior === '1' ? 1 : 0);
  const writes: StateWrite[] = [{ kind: 'guard', key, field: 'label', expect: prior, value: next }];
  const delta = { events: change, payments: 0, sumMinor: 0, sumLogQ: 0, sumLogQSq: 0 };
  // Fraud counters by payment day also carry the amount (as `payments` and `sumMinor`) when the
  // event recorded one; events recorded before amounts were kept count in `events` only.
  const amount = rec.a === undefined ? Number.NaN : Number(rec.a);
  const amountKnown = Number.isSafeInteger(amount) && amount >= 0;
  const fraudDelta = amountKnown ? { ...delta, payments: change, sumMinor: change * amount } : delta;
  // Fraud rates count by the event's day (so a withdrawn label undoes exactly its +1);
  // reports and confirmed frauds count by the day the label arrived and are never withdrawn.
  if (change !== 0 && rec.p !== undefined)
    writes.push({
      kind: 'add',
      key: K.payeeFrauds(rec.p),
      family: 'daily',
      atMs: eventAtMs,
      delta: fraudDelta,
    });
  if (change !== 0 && rec.m !== undefined)
    writes.push({
      kind: 'add',
      key: K.merchantFrauds(rec.m),
      family: 'daily',
      atMs: eventAtMs,
      delta: fraudDelta,
    });
  // Sorted by the payer ratio when the label arrives, and the ratio kept on the event, so a
  // withdrawn label takes out exactly what it added. Labels from before the ratio was kept
  // (no `r`) were never sorted and are not taken out.
  const ratioText = change > 0 ? String(payerRatio) : rec.r;
  if (change !== 0 && rec.p !== undefined && ratioText !== undefined) {
    const ratio = Number(ratioText);
    const sorted = { ...delta, events: change };
    if (!(ratio >= PAYER_RATIO_ORDINARY))
      writes.push({
        kind: 'add',
        key: K.payeeOrdinaryFrauds(rec.p),
        family: 'daily',
        atMs: eventAtMs,
        delta: sorted,
      });
    if (!(ratio >= PAYER_RATIO_CLEARLY_ORDINARY))
      writes.push({
        kind: 'add',
        key: K.payeeClearOrdinaryFrauds(rec.p),
        family: 'daily',
        atMs: eventAtMs,
        delta: sorted,
      });
  }
  if (change > 0) writes.push({ kind: 'set', key, fields: { r: String(payerRatio) } });
  if (change > 0 && rec.p !== undefined)
    writes.push({ kind: 'set', key: K.payee(rec.p), fields: { lastFraudRatio: String(payerRatio) } });
  if (change > 0 && rec.p !== undefined)
    writes.push({ kind: 'add', key: K.payeeReports(rec.p), family: 'daily', atMs, delta });
  if (change > 0 && rec.u !== undefined)
    writes.push({ kind: 'add', key: K.userFrauds(rec.u), family: 'daily', atMs, delta });
  if (change > 0 && rec.p !== undefined && rec.u !== undefined)
    writes.push({
      kind: 'touch',
      key: K.payeeFraudPayers(rec.p),
      member: rec.u,
      atMs: eventAtMs,
      ifNew: [{ kind: 'add', key: K.payeeNewFraudPayers(rec.p), family: 'daily', atMs: eventAtMs, delta }],
    });
  return writes;
}
