/**
 * The signed QR code format, pure: `rampart:1:<base64url payload>.<base64url HMAC-SHA-256>`.
 * The MAC covers the prefix with its version and the payload text exactly as sent, so a code can
 * be neither forged nor moved to another version. Decoding accepts only the canonical base64url
 * of each part (Node's decoder skips stray characters and ignores the spare bits of the last
 * character: a non-canonical part would let two strings carry one MAC), so any change to a
 * valid code is refused. Expected refusals are values; callers turn them into coded errors.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { assert, CLIENT_ID_PATTERN, isCurrency, type Money, parseAmountMinor } from '../shared/index.ts';
import { QR_CODE_LENGTH_MAX, QR_CODE_PREFIX, QR_MAC_BYTES } from './constants.ts';

/** `order`: one merchant order of the open API (docs/gateway.md); its subject is the trade_no. */
export type QrKind = 'merchant' | 'collect' | 'order';

export interface QrPayload {
  readonly kind: QrKind;
  /** The merchant id, or the collecting user's id. */
  readonly subjectId: string;
  /** A fixed amount the payer cannot change, or null (the payer types it). */
  readonly amount: Money | null;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export type QrDecodeResult =
  | { readonly ok: true; readonly payload: QrPayload }
  | { readonly ok: false; readonly reason: 'qr_invalid' | 'qr_expired' };

/** The QR signing key, derived from the master key like identity's keys (HKDF-SHA-256). */
export function deriveQrSigningKey(masterKey: Buffer): Buffer {
  assert(masterKey.length >= 32, 'the master key has at least 256 bits');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart qr-code hmac v1', QR_MAC_BYTES));
}

const SECONDS_MS = 1000;
const WIRE_KIND = { merchant: 'm', collect: 'c', order: 'o' } as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The payload on the wire: short keys (a QR code's density grows with its length), times in s. */
const wirePayloadSchema = z
  .object({
    k: z.enum(['m', 'c', 'o']),
    id: z.string().regex(CLIENT_ID_PATTERN),
    a: z.string().max(20).optional(),
    c: z.string().max(3).optional(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
  })
  .strict();

function macOf(key: Buffer, payloadPart: string): Buffer {
  return createHmac('sha256', key).update(`${QR_CODE_PREFIX}${payloadPart}`).digest();
}

/** Signs a payload into a code. Times are kept to whole seconds. */
export function encodeQrCode(key: Buffer, payload: QrPayload): string {
  assert(payload.expiresAtMs > payload.issuedAtMs, 'a code expires after it is issued');
  const wire: z.infer<typeof wirePayloadSchema> = {
    k: WIRE_KIND[payload.kind],
    id: payload.subjectId,
    ...(payload.amount ? { a: payload.amount.amountMinor.toString(), c: payload.amount.currency } : {}),
    iat: Math.floor(payload.issuedAtMs / SECONDS_MS),
    exp: Math.floor(payload.expiresAtMs / SECONDS_MS),
  };
  const payloadPart = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
  return `${QR_CODE_PREFIX}${payloadPart}.${macOf(key, payloadPart).toString('base64url')}`;
}

/** The bytes of a canonical base64url string, or undefined. */
function canonicalBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** Verifies and decodes a code: the MAC first, then the payload, then the expiry. */
export function decodeQrCode(key: Buffer, code: string, nowMs: number): QrDecodeResult {
  const invalid = { ok: false, reason: 'qr_invalid' } as const;
  if (code.length > QR_CODE_LENGTH_MAX || !code.startsWith(QR_CODE_PREFIX)) return invalid;
  const parts = code.slice(QR_CODE_PREFIX.length).split('.');
  if (parts.length !== 2) return invalid;
  const [payloadPart, macPart] = parts as [string, string];
  const payloadBytes = canonicalBase64url(payloadPart);
  const mac = canonicalBase64url(macPart);
  if (!payloadBytes || !mac || mac.length !== QR_MAC_BYTES) return invalid;
  if (!timingSafeEqual(mac, macOf(key, payloadPart))) return invalid;

  // Signed by this server, so a parse failure below means a key shared with another format: still
  // refused, never trusted.
  let json: unknown;
  try {
    json = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return invalid;
  }
  const parsed = wirePayloadSchema.safeParse(json);
  if (!parsed.success) return invalid;
  const wire = parsed.data;
  if (wire.exp <= wire.iat || (wire.a === undefined) !== (wire.c === undefined)) return invalid;
  let amount: Money | null = null;
  if (wire.a !== undefined && wire.c !== undefined) {
    const amountMinor = parseAmountMinor(wire.a);
    if (!amountMinor.ok || !isCurrency(wire.c)) return invalid;
    amount = { amountMinor: amountMinor.value, currency: wire.c };
  }
  const expiresAtMs = wire.exp * SECONDS_MS;
  if (nowMs >= expiresAtMs) return { ok: false, reason: 'qr_expired' };
  return {
    ok: true,
    payload: {
      kind: wire.k === 'm' ? 'merchant' : wire.k === 'c' ? 'collect' : 'order',
      subjectId: wire.id,
      amount,
      issuedAtMs: wire.iat * SECONDS_MS,
      expiresAtMs,
    },
  };
}
