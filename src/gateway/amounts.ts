/**
 * The open API's amounts and times, pure: yuan strings with at most two decimals ↔ minor units
 * (fen); `timeout_express` and `time_expire`; Alipay's `yyyy-MM-dd HH:mm:ss` in Beijing time.
 */
import { BEIJING_OFFSET_MS, TIMEOUT_MAX_MS, TIMEOUT_MIN_MS, TRADE_AMOUNT_MAX_MINOR } from './constants.ts';

const YUAN_PATTERN = /^(0|[1-9][0-9]{0,9})(?:\.([0-9]{1,2}))?$/;

/** "88.88" → 8888n; undefined when not a yuan amount in [0.01, 100000000] with ≤ 2 decimals. */
export function parseYuan(text: string): bigint | undefined {
  const match = YUAN_PATTERN.exec(text);
  if (!match) return undefined;
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(2, '0'));
  const minor = whole * 100n + fraction;
  if (minor <= 0n || minor > TRADE_AMOUNT_MAX_MINOR) return undefined;
  return minor;
}

/** 8888n → "88.88"; always two decimals, as Alipay answers. */
export function formatYuan(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function formatBeijing(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

const DATETIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `yyyy-MM-dd HH:mm:ss` read as UTC wall time (ms), or undefined if not a real date-time. */
export function parseWallTime(text: string): number | undefined {
  const m = DATETIME_PATTERN.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** `time_expire` (Beijing time) as epoch ms. */
export function parseBeijing(text: string): number | undefined {
  const wall = parseWallTime(text);
  return wall === undefined ? undefined : wall - BEIJING_OFFSET_MS;
}

const TIMEOUT_PATTERN = /^([1-9][0-9]{0,5})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `timeout_express` → the deadline (epoch ms), or undefined when malformed or outside 1m–15d.
 * `1c` is the next 00:00 Beijing time ("当天", whenever the trade was made).
 */
export function deadlineOf(timeoutExpress: string, createdAtMs: number): number | undefined {
  if (timeoutExpress === '1c') {
    const beijingDayStart = Math.floor((createdAtMs + BEIJING_OFFSET_MS) / UNIT_MS.d) * UNIT_MS.d;
    return beijingDayStart + UNIT_MS.d - BEIJING_OFFSET_MS;
  }
  const match = TIMEOUT_PATTERN.exec(timeoutExpress);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < TIMEOUT_MIN_MS || ms > TIMEOUT_MAX_MS) return undefined;
  return createdAtMs + ms;
}
