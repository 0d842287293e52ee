/**
 * Checking an event from outside before the engine trusts it (issue 5, "Bad input": missing or
 * malformed fields get the safe outcome, challenge, with a logged reason — never a crash), and
 * the event fields a rule can test.
 */
import { RISK_EVENT_KINDS, type RiskEvent, type RiskEventKind } from './ports.ts';
import type { Scalar } from './rule-set.ts';

export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const DETAIL_KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
export const EVENT_DETAIL_KEYS_MAX = 16;
export const EVENT_DETAIL_VALUE_CHARS_MAX = 200;
const MONEY_KINDS: readonly RiskEventKind[] = ['payment', 'transfer', 'withdrawal'];

export type EventCheck =
  | { readonly ok: true; readonly event: RiskEvent }
  | { readonly ok: false; readonly problem: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the first problem found, as a short snake_case-ish phrase for the log and record. */
export function checkEvent(input: unknown): EventCheck {
  if (!isRecord(input)) return { ok: false, problem: 'event_not_an_object' };
  const e = input;
  if (typeof e.eventId !== 'string' || !EVENT_ID_PATTERN.test(e.eventId))
    return { ok: false, problem: 'bad_event_id' };
  if (!RISK_EVENT_KINDS.includes(e.kind as RiskEventKind)) return { ok: false, problem: 'bad_kind' };
  if (typeof e.userId !== 'string' || e.userId.length === 0 || e.userId.length > 128) {
    return { ok: false, problem: 'bad_user_id' };
  }
  if (typeof e.atMs !== 'number' || !Number.isSafeInteger(e.atMs) || e.atMs <= 0)
    return { ok: false, problem: 'bad_at_ms' };
  const kind = e.kind as RiskEventKind;
  if (MONEY_KINDS.includes(kind)) {
    if (typeof e.amountMinor !== 'bigint' || e.amountMinor <= 0n)
      return { ok: false, problem: 'missing_amount' };
    if (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency))
      return { ok: false, problem: 'missing_currency' };
    if (typeof e.payeeKey !== 'string' || !/^(user|merchant|card):.{1,128}$/.test(e.payeeKey)) {
      return { ok: false, problem: 'missing_payee' };
    }
  } else if (e.amountMinor !== undefined && (typeof e.amountMinor !== 'bigint' || e.amountMinor < 0n)) {
    return { ok: false, problem: 'bad_amount' };
  }
  if (e.balanceMinor !== undefined && typeof e.balanceMinor !== 'bigint')
    return { ok: false, problem: 'bad_balance' };
  for (const key of ['deviceKey', 'ip'] as const) {
    if (e[key] !== undefined && (typeof e[key] !== 'string' || (e[key] as string).length > 200)) {
      return { ok: false, problem: `bad_${key}` };
    }
  }
  if (
    e.country !== undefined &&
    e.country !== null &&
    (typeof e.country !== 'string' || !/^[A-Z]{2}$/.test(e.country))
  ) {
    return { ok: false, problem: 'bad_country' };
  }
  for (const key of ['latitude', 'longitude'] as const) {
    if (e[key] !== undefined && (typeof e[key] !== 'number' || !Number.isFinite(e[key])))
      return { ok: false, problem: `bad_${key}` };
  }
  if (e.detail !== undefined) {
    if (!isRecord(e.detail)) return { ok: false, problem: 'bad_detail' };
    const entries = Object.entries(e.detail);
    if (entries.length > EVENT_DETAIL_KEYS_MAX) return { ok: false, problem: 'detail_too_large' };
    for (const [key, value] of entries) {
      if (
        !DETAIL_KEY_PATTERN.test(key) ||
        typeof value !== 'string' ||
        value.length > EVENT_DETAIL_VALUE_CHARS_MAX
      ) {
        return { ok: false, problem: 'bad_detail' };
      }
    }
  }
  return { ok: true, event: input as unknown as RiskEvent };
}

/** The event fields rules test, derived from the event alone (see EVENT_FIELDS). */
export function eventFields(event: RiskEvent, score: number | null): Record<string, Scalar | undefined> {
  const fields: Record<string, Scalar | undefined> = {
    kind: event.kind,
    amountMinor: event.amountMinor === undefined ? undefined : Number(event.amountMinor),
    balanceMinor: event.balanceMinor === undefined ? undefined : Number(event.balanceMinor),
    balanceShare:
      event.amountMinor !== undefined && event.balanceMinor !== undefined && event.balanceMinor > 0n
        ? Number(event.amountMinor) / Number(event.balanceMinor)
        : undefined,
    currency: event.currency,
    payeeKind: event.payeeKey?.split(':')[0],
    country: event.country ?? undefined,
    hourUtc: new Date(event.atMs).getUTCHours(),
    score: score ?? undefined,
    firstTimePayee: boolOf(event.detail?.firstTimePayee),
    knownDevice: boolOf(event.detail?.knownDevice),
  };
  for (const [key, value] of Object.entries(event.detail ?? {})) fields[`detail.${key}`] = value;
  return fields;
}

function boolOf(value: string | undefined): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** JSON for the decision record: bigints as decimal strings. */
export function eventToJson(event: unknown): string {
  try {
    return (
      JSON.stringify(event ?? null, (_key, value) =>
        typeof value === 'bigint' ? value.toString() : value,
      ) ?? 'null'
    );
  } catch {
    return JSON.stringify({ unserialisable: true });
  }
}
