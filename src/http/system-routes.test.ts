// Proves the operational surface: health and readiness, Prometheus metrics, the OpenAPI document,
// JSON 404s, masked 500s and request ids.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
before(async () => {
  t = await openTestApp();
});
after(async () => {
  await t?.close();
});

describe('system routes', () => {
  test('healthz and readyz answer; readyz reports the store', async () => {
    assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    assert.deepEqual((await t.app.inject({ url: '/readyz' })).json(), { status: 'ready' });
  });

  test('metrics are Prometheus text and count requests by route', async () => {
    await t.app.inject({ url: '/healthz' });
    const r = await t.app.inject({ url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /text\/plain/);
    assert.match(
      r.body,
      /rampart_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    assert.match(r.body, /process_cpu_user_seconds_total/);
  });

  test('the OpenAPI document lists the API with money as strings', async () => {
    const r = await t.app.inject({ url: '/docs/json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    assert.equal(doc.openapi.startsWith('3.'), true);
    for (const path of [
      '/api/v1/auth/sign-in',
      '/api/v1/wallet',
      '/api/v1/wallet/activity',
      '/api/v1/ledger/transfers',
    ]) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
    const wallet = doc.paths['/api/v1/wallet'].get.responses['200'].content['application/json'].schema;
    const posted = wallet.properties.accounts.items.properties.posted;
    assert.equal(posted.properties.amountMinor.type, 'string');
  });

  test('unknown API paths are JSON 404s with a stable code', async () => {
    const r = await t.app.inject({ url: '/api/v1/nope' });
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.json(), { error: { code: 'not_found', message: 'Not found.' } });
  });

  test('an unexpected error is a 500 with a masked message; the request id is echoed', async () => {
    // A store failure inside authentication stands in for any bug or outage.
    const identity = {
      ...t.modules.identity,
      authenticate: async () => {
        throw new Error('secret internals: password=hunter2');
      },
    };
    const config = loadConfig({}, { logLevel: 'silent', webDistDir: '/nonexistent' });
    const app = await buildApp({
      config,
      clock: t.clock,
      ping: t.store.ping,
      ...t.modules,
      identity,
      demo: false,
    });
    try {
      const r = await app.inject({
        url: '/api/v1/me',
        headers: { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAA', 'x-request-id': 'req-123' },
      });
      assert.equal(r.statusCode, 500);
      assert.deepEqual(r.json(), {
        error: { code: 'internal', message: 'Something went wrong on our side.' },
      });
      assert.doesNotMatch(r.body, /hunter2|internals/);
      assert.equal(r.headers['x-request-id'], 'req-123');
    } finally {
      await app.close();
    }
  });

  test('demo logins are served in demo mode', async () => {
    const r = await t.app.inject({ url: '/api/v1/demo' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().users.length >= 2, true);
  });
});
