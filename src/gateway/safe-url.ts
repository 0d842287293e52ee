/**
 * notify_url and return_url are the merchant's, but the platform's server posts to notify_url:
 * a URL resolving to loopback, a private network, link-local (cloud metadata at 169.254.169.254)
 * or any other non-public range would let a merchant make Rampart call its own insides (SSRF,
 * OWASP ASVS 5.0 V1.3 / CWE-918). Checked at order creation (Alipay-style refusal) and again at
 * each delivery, where the connection uses the addresses just checked (no second lookup), so a
 * DNS answer changed in between cannot slip through. Deployments whose merchants really live on
 * a private network (and the tests and the demo, on 127.0.0.1) set
 * RAMPART_GATEWAY_ALLOW_PRIVATE_CALLBACKS=true.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { URL_LENGTH_MAX } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError } from './errors.ts';

/** Every range that is not the public internet (IANA special-purpose registries, RFC 6890). */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: would reach any IPv4 address, internal ones included
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (AWS metadata fd00:ec2::254 is here)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** Pure: is this address outside the public internet? IPv4-mapped IPv6 is judged as IPv4. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    if (mapped?.[1]) return INTERNAL.check(mapped[1], 'ipv4');
    return INTERNAL.check(address, 'ipv6');
  }
  return true; // not an address at all: never trusted
}

/** The host of a URL as an address or a name ([::1] → ::1). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export type CallbackVerdict =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly reason: 'not_http' | 'internal_address' | 'unresolved' };

/** Resolves the URL's host and judges every address it resolves to (one internal is enough). */
export async function judgeCallbackUrl(
  raw: string,
  input: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> },
): Promise<CallbackVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not_http' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'not_http' };
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (input.resolve ?? resolveHost)(host);
    } catch {
      return { ok: false, reason: 'unresolved' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolved' };
  if (!input.allowPrivate && addresses.some(isInternalAddress))
    return { ok: false, reason: 'internal_address' };
  return { ok: true, addresses };
}

async function resolveHost(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * A notify_url / return_url parameter at order creation: absent → null; not http(s), too long or
 * internal → ACQ.INVALID_PARAMETER. A name that does not resolve yet is accepted (the merchant's
 * DNS may be late; delivery checks again and retries).
 */
export async function checkCallbackUrl(
  ctx: Pick<GatewayContext, 'allowPrivateCallbacks' | 'resolveHost'>,
  params: Readonly<Record<string, string>>,
  key: 'notify_url' | 'return_url',
): Promise<string | null> {
  const value = params[key];
  if (value === undefined || value === '') return null;
  if (value.length > URL_LENGTH_MAX || !/^https?:\/\//.test(value)) {
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, `参数无效: ${key}`);
  }
  const verdict = await judgeCallbackUrl(value, {
    allowPrivate: ctx.allowPrivateCallbacks,
    ...(ctx.resolveHost ? { resolve: ctx.resolveHost } : {}),
  });
  if (!verdict.ok && verdict.reason !== 'unresolved') {
    throw new AlipayError(ALIPAY_ERRORS.INVALID_NOTIFY_URL, `参数无效: ${key} 不能指向内网地址`);
  }
  return value;
}
