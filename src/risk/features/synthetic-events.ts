/**
 * A seeded stream of realistic risk events (sign-ins, payments to merchants, transfers to people,
 * security changes, failed payment passwords, the odd account takeover from a new device and
 * country) with some fraud labels: the recorded traffic for the same-results test of the memory and
 * Redis states and for `npm run bench -- risk`. Deterministic for a seed; no real data.
 */
import type { RiskEvent } from '../ports.ts';
import type { RecordedStep } from './rebuild.ts';

/** One recorded event, and a label that arrived after it. */
export type SyntheticStep = RecordedStep;

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CITIES = [
  { country: 'CN', lat: 31.23, lon: 121.47 },
  { country: 'CN', lat: 39.9, lon: 116.4 },
  { country: 'SG', lat: 1.35, lon: 103.82 },
  { country: 'GB', lat: 51.5, lon: -0.12 },
  { country: 'US', lat: 40.71, lon: -74.0 },
] as const;

export function* syntheticEvents(input: {
  seed: number;
  users: number;
  events: number;
  startMs: number;
  /** Mean gap between events, all users together. */
  gapMs: number;
}): Generator<SyntheticStep> {
  const random = generator(input.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const users = Array.from({ length: input.users }, (_, i) => {
    const city = CITIES[i % CITIES.length]!;
    return {
      id: `u${i}`,
      device: `dev-${i}`,
      ip: `10.${i % 250}.${(i >> 8) % 250}.${i % 7}`,
      city,
      meanMinor: 500 + pick(20_000),
      balanceMinor: 100_000 + pick(5_000_000),
    };
  });
  const merchants = Math.max(5, Math.floor(input.users / 5));
  let atMs = input.startMs;
  const frauds: { eventId: string; atMs: number }[] = [];
  for (let n = 0; n < input.events; n++) {
    atMs += Math.max(1, Math.round(-Math.log(1 - random()) * input.gapMs));
    const user = users[pick(users.length)]!;
    const takeover = random() < 0.01;
    const city = takeover
      ? CITIES[(CITIES.indexOf(user.city) + 1 + pick(CITIES.length - 1)) % CITIES.length]!
      : user.city;
    const base = {
      eventId: `ev-${input.seed}-${n}`,
      userId: user.id,
      atMs,
      deviceKey: takeover ? `dev-x${pick(1000)}` : user.device,
      ip: takeover ? `203.0.113.${pick(250)}` : user.ip,
      country: city.country,
      latitude: city.lat + (random() - 0.5) * 0.1,
      longitude: city.lon + (random() - 0.5) * 0.1,
    };
    const roll = random();
    let event: RiskEvent;
    if (roll < 0.15) {
      event = { ...base, kind: 'sign_in' };
    } else if (roll < 0.18) {
      const change = ['password', 'phone', 'new_device', 'payment_password_failed'][pick(4)]!;
      event = { ...base, kind: 'security_change', detail: { change } };
    } else {
      const kind = roll < 0.75 ? 'payment' : roll < 0.95 ? 'transfer' : 'withdrawal';
      const amountMinor = BigInt(Math.max(1, Math.round(user.meanMinor * (takeover ? 5 : 0.5 + random()))));
      const payeeKey =
        kind === 'payment'
          ? `merchant:m${pick(merchants)}`
          : kind === 'transfer'
            ? `user:${takeover ? `mule${pick(5)}` : users[pick(users.length)]!.id}`
            : `card:${user.id}`;
      const detail: Record<string, string> = {};
      if (random() < 0.02) detail.failedPaymentPasswords = String(1 + pick(4));
      event = {
        ...base,
        kind,
        amountMinor,
        currency: 'CNY',
        payeeKey,
        balanceMinor: BigInt(user.balanceMinor),
        detail,
      };
      if (takeover) frauds.push({ eventId: base.eventId, atMs });
    }
    // Labels arrive in order, some hours to days later; a few are withdrawn again.
    let label: SyntheticStep['label'];
    const due = frauds[0];
    if (due && atMs - due.atMs > 6 * 3_600_000) {
      frauds.shift();
      label = { eventId: due.eventId, fraud: true, atMs };
    } else if (random() < 0.002 && n > 0) {
      label = { eventId: `ev-${input.seed}-${pick(n)}`, fraud: random() < 0.5, atMs };
    }
    yield label ? { event, label } : { event };
  }
}
