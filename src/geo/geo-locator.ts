/**
 * IP → country, city and coordinates with geoip-lite's bundled GeoLite2 data (no download at run
 * time). The data (~150 MB) is loaded on the first lookup, not at start. Private, loopback and
 * unparseable addresses have no location.
 */

import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { GeoLocation, GeoLocator } from '../identity/index.ts';

interface GeoipLite {
  lookup(ip: string): { country: string; city: string; ll: [number, number] } | null;
}

const PRIVATE_RANGES = [
  /^10\./,
  /^127\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
  /^::1$/,
  /^f[cd]/i,
  /^fe80/i,
];

export function createGeoLocator(): GeoLocator {
  let geoip: GeoipLite | undefined;
  return {
    locate(ip: string): GeoLocation | null {
      const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      if (!isIP(address) || PRIVATE_RANGES.some((range) => range.test(address))) return null;
      geoip ??= createRequire(import.meta.url)('geoip-lite') as GeoipLite;
      const found = geoip.lookup(address);
      if (!found) return null;
      return {
        country: found.country || null,
        city: found.city || null,
        lat: found.ll?.[0] ?? null,
        lon: found.ll?.[1] ?? null,
      };
    },
  };
}
