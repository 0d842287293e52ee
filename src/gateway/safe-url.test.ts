// Proves the SSRF guard's judgement (safe-url.ts): loopback, private, link-local, metadata and
// other special-purpose addresses are internal, IPv4-mapped IPv6 is judged as its IPv4 address,
// public addresses are not, and a URL is refused if any address its host resolves to is
// internal. Property tests over generated addresses, plus the known cloud-metadata endpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isInternalAddress, judgeCallbackUrl } from './safe-url.ts';

test('known internal addresses are internal; public ones are not', () => {
  for (const address of [
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '169.254.169.254', // AWS, GCP, Azure metadata
    '100.100.100.200', // Alibaba Cloud metadata (carrier-grade NAT range)
    '0.0.0.0',
    '::',
    '::1',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'not-an-address',
  ])
    assert.equal(isInternalAddress(address), true, address);
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '93.184.216.34',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ])
    assert.equal(isInternalAddress(address), false, address);
});

const octet = fc.integer({ min: 0, max: 255 });

test('every address of 10/8, 127/8, 192.168/16, 169.254/16 is internal, and so is its IPv4-mapped form', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('10', '127', '192.168', '169.254'),
      octet,
      octet,
      octet,
      (prefix, a, b, c) => {
        const rest = prefix.includes('.') ? [b, c] : [a, b, c];
        const address = [prefix, ...rest].join('.');
        return isInternalAddress(address) && isInternalAddress(`::ffff:${address}`);
      },
    ),
  );
});

test('addresses in ordinary public /8s are public, mapped or not', () => {
  const publicFirst = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 11, max: 99 }));
  fc.assert(
    fc.property(publicFirst, octet, octet, octet, (a, b, c, d) => {
      const address = `${a}.${b}.${c}.${d}`;
      return !isInternalAddress(address) && !isInternalAddress(`::ffff:${address}`);
    }),
  );
});

test('a URL is refused when any resolved address is internal, unless allowed', async () => {
  const resolve = (map: Record<string, string[]>) => async (host: string) => {
    const found = map[host];
    if (!found) throw new Error('ENOTFOUND');
    return found;
  };
  const dns = resolve({ 'shop.example': ['93.184.216.34'], 'mixed.example': ['93.184.216.34', '10.0.0.5'] });
  assert.deepEqual(
    await judgeCallbackUrl('https://shop.example/notify', { allowPrivate: false, resolve: dns }),
    {
      ok: true,
      addresses: ['93.184.216.34'],
    },
  );
  for (const url of [
    'https://mixed.example/n',
    'http://127.0.0.1:8080/n',
    'http://[::1]/n',
    'http://169.254.169.254/',
  ])
    assert.deepEqual(await judgeCallbackUrl(url, { allowPrivate: false, resolve: dns }), {
      ok: false,
      reason: 'internal_address',
    });
  assert.equal((await judgeCallbackUrl('http://127.0.0.1/n', { allowPrivate: true, resolve: dns })).ok, true);
  assert.deepEqual(await judgeCallbackUrl('ftp://shop.example/', { allowPrivate: true, resolve: dns }), {
    ok: false,
    reason: 'not_http',
  });
  assert.deepEqual(await judgeCallbackUrl('http://gone.example/', { allowPrivate: false, resolve: dns }), {
    ok: false,
    reason: 'unresolved',
  });
});
