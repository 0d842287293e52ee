// fast-check fuzzing of every JSON endpoint's body, enumerated from the registered routes: each
// route with a body schema gets random JSON (objects with the route's own field names and
// hostile values, arrays, scalars, deep nesting, huge strings and numbers) as a signed-in user
// and anonymously. Not one answer may be a 5xx. Seeded (RAMPART_FUZZ_SEED replays a run).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';
import { registeredRoutes } from './route-registry.ts';

let t: TestApp;
let token: string;
const RUNS_PER_ROUTE = Number(process.env.RAMPART_FUZZ_RUNS ?? 25);
const SEED = Number(process.env.RAMPART_FUZZ_SEED ?? Date.now() % 1_000_000);

before(async () => {
  t = await openTestApp({ demo: true });
  const phone = '+8613512345678';
  await t.modules.identity.createUser({
    phoneE164: phone,
    displayName: 'Fuzz',
    password: 'fuzz-login-2026',
    paymentPassword: '583917',
  });
  let r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { phone, password: 'fuzz-login-2026' },
  });
  if (r.json().status !== 'signed_in') {
    const { challengeToken } = r.json();
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in/send-code',
      payload: { challengeToken },
    });
    r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in/verify',
      payload: { challengeToken, method: 'sms', code: await lastSentCode(t.store.db, phone) },
    });
  }
  token = r.json().token;
  assert.ok(token);
});
after(async () => {
  await t?.close();
});

/** The top-level field names of a zod object schema (so fuzzed objects hit real fields). */
function fieldNames(schema: unknown): string[] {
  try {
    const json = z.toJSONSchema(schema as z.ZodType, { unrepresentable: 'any' }) as {
      properties?: Record<string, unknown>;
      anyOf?: { properties?: Record<string, unknown> }[];
    };
    const names = new Set(Object.keys(json.properties ?? {}));
    for (const branch of json.anyOf ?? [])
      for (const name of Object.keys(branch.properties ?? {})) names.add(name);
    return [...names];
  } catch {
    return [];
  }
}

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ minLength: 200, maxLength: 5_000 }),
  fc.constantFrom(
    "' OR '1'='1",
    '1; DROP TABLE users; --',
    '../../etc/passwd',
    '\u0000',
    '\ud800',
    '%00',
    '<script>alert(1)</script>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
    '${7*7}',
    '9'.repeat(400),
    '-1',
    '0',
    '1e309',
    'NaN',
    '__proto__',
    'constructor',
    '+8613800138000',
    'CNY',
    'balance',
  ),
);
const scalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 2 ** 63, 1e308),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(hostileString, tie('value'), { maxKeys: 5 }),
})).value;

function bodyFor(fields: string[]) {
  if (fields.length === 0) return json;
  return fc.oneof(
    fc.record(Object.fromEntries(fields.map((f) => [f, json])), { requiredKeys: [] }),
    fc.record(Object.fromEntries(fields.map((f) => [f, scalar])), { requiredKeys: [] }),
    json,
  );
}

describe('fuzzing every JSON endpoint', () => {
  test('random and hostile bodies never get a 5xx', async () => {
    const routes = registeredRoutes(t.app).filter((r) => r.bodySchema && r.method !== 'GET');
    assert.ok(routes.length > 25, `${routes.length} routes with a body`);
    console.log(
      `fuzz seed ${SEED} (replay with RAMPART_FUZZ_SEED=${SEED}), ${RUNS_PER_ROUTE} runs per route`,
    );
    const failures: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(/:([A-Za-z]+)/g, 'fuzz-id');
      const authorization = route.url.startsWith('/api/v1/ledger/') ? TEST_OPERATOR_TOKEN : token;
      await fc
        .assert(
          fc.asyncProperty(bodyFor(fieldNames(route.bodySchema)), fc.boolean(), async (body, signedIn) => {
            const response = await t.app.inject({
              method: route.method as 'POST',
              url,
              headers: {
                'content-type': 'application/json',
                ...(signedIn ? { authorization: `Bearer ${authorization}` } : {}),
              },
              payload: JSON.stringify(body),
            });
            if (response.statusCode >= 500) {
              failures.push(
                `${route.method} ${route.url} ${JSON.stringify(body).slice(0, 300)} → ${response.statusCode}`,
              );
              return false;
            }
            return true;
          }),
          { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
        )
        .catch(() => {});
    }
    assert.deepEqual(failures, []);
  });

  test('a NUL character in any field, query or path parameter is a 400, never a 5xx (PostgreSQL)', async () => {
    // PostgreSQL text cannot hold U+0000; PGlite can, so only the --pg run proves this one.
    const routes = registeredRoutes(t.app).filter(
      (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.includes('*'),
    );
    const failures: string[] = [];
    for (const route of routes) {
      const fields = route.bodySchema ? fieldNames(route.bodySchema) : [];
      const body = Object.fromEntries(fields.map((f) => [f, 'x\u0000y']));
      for (const authorization of [token, TEST_OPERATOR_TOKEN]) {
        for (const where of ['body', 'query', 'path'] as const) {
          if (where === 'path' && !route.url.includes(':')) continue;
          if (where === 'body' && route.method === 'GET') continue;
          const path = route.url.replace(/:([A-Za-z]+)/g, where === 'path' ? 'id%00' : 'fuzz-id');
          const response = await t.app.inject({
            method: route.method as 'POST',
            url: where === 'query' ? `${path}?q=%00&page=a%00` : path,
            headers: { authorization: `Bearer ${authorization}` },
            ...(route.method === 'GET' ? {} : { payload: where === 'body' ? body : {} }),
          });
          if (response.statusCode >= 500)
            failures.push(`${route.method} ${route.url} (${where}) → ${response.statusCode}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
