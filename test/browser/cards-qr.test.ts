// Proves the "Cards & top-up" and "Collect & scan" pages work end to end: the real platform (demo
// mode, in-memory store, the bank simulator that settles ~2 s after submission) serves the built
// app, and chromium signs Alice in (SMS challenge from the developer inbox), links the test card
// 4111 1111 1111 1111 (a wrong check digit is refused with luhn_failed; the number is shown masked
// afterwards), tops up 50.00 and watches the operation go from pending to succeeded, with her
// available balance up by exactly 5000 minor units. Then Bob's collect-money code, fetched through
// the API with Bob's own session, is pasted by Alice: it resolves to Bob's masked name, and she
// pays 3.00 through the transfer confirmation step with her payment password.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { APIRequestContext, Response } from 'playwright-core';
import { request as playwrightRequest } from 'playwright-core';
import {
  ALICE,
  walletAvailableMinor as availableMinor,
  csrfHeader,
  openBrowserSession,
  readCode,
} from './harness.ts';

const SCREENSHOT_PATH = join(tmpdir(), 'rampart-cards.png');
const QR_SCREENSHOT_PATH = join(tmpdir(), 'rampart-collect.png');

const BOB = { phone: '+8613900139000', displayName: 'Bob Li', password: 'bob-demo-2026' };
const CARD_NUMBER = '4111 1111 1111 1111';
/** The simulator answers after 2 s; the page polls every second for up to 30 s. */
const SETTLE_WAIT_MS = 20_000;

/** Bob signs in through the API alone (answering the SMS challenge from the developer inbox). */
async function signInByApi(api: APIRequestContext, origin: string): Promise<void> {
  const first = await api.post(`${origin}/api/v1/auth/sign-in`, {
    data: { phone: BOB.phone, password: BOB.password },
    headers: await csrfHeader(api),
  });
  assert.equal(first.status(), 200);
  const body = (await first.json()) as { status: string; challengeToken?: string };
  if (body.status === 'signed_in') return;
  assert.equal(body.status, 'second_factor_required');
  assert(body.challengeToken, 'a challenge token');
  const sentAfterMs = Date.now();
  const sent = await api.post(`${origin}/api/v1/auth/sign-in/send-code`, {
    data: { challengeToken: body.challengeToken },
    headers: await csrfHeader(api),
  });
  assert(sent.ok(), `send-code answered ${sent.status()}`);
  const code = await readCode(origin, BOB.phone, sentAfterMs);
  const verified = await api.post(`${origin}/api/v1/auth/sign-in/verify`, {
    data: { challengeToken: body.challengeToken, method: 'sms', code },
    headers: await csrfHeader(api),
  });
  assert.equal(verified.status(), 200);
}

function isPost(path: string): (response: Response) => boolean {
  return (response) => response.url().endsWith(path) && response.request().method() === 'POST';
}

test('cards and QR codes in chromium: link, top up and settle, pay a collect code', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  const bobApi = await playwrightRequest.newContext();
  try {
    await t.test('Alice signs in, answering the new-device SMS challenge', async () => {
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in/send-code')),
        page.getByRole('button', { name: 'Send code' }).click(),
      ]);
      const code = await readCode(origin, ALICE.phone, sentAfterMs);
      await page.getByLabel('SMS code').fill(code);
      await page.getByLabel('SMS code').press('Enter');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
    });

    await t.test('the wallet links to Cards & top-up; a card is linked and shown masked', async () => {
      await page
        .getByRole('region', { name: 'Balance' })
        .getByRole('link', { name: 'Cards & top-up' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Cards & top-up' }).waitFor();
      await page.getByText('No cards linked yet.').waitFor();
      await page.getByLabel('Card number').fill('4111 1111 1111 1112');
      const [refused] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/cards')),
        page.getByRole('button', { name: 'Link card' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      await page.getByRole('alert').filter({ hasText: 'luhn_failed' }).waitFor();
      await page.getByLabel('Card number').fill(CARD_NUMBER);
      const [linked] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/cards')),
        page.getByRole('button', { name: 'Link card' }).click(),
      ]);
      assert.equal(linked.status(), 201);
      const body = (await linked.json()) as { masked: string; last4: string };
      assert.equal(body.masked, '**** 1111');
      await page.getByText('Card **** 1111 linked.').waitFor();
      await page.getByTestId('linked-card').filter({ hasText: '**** 1111' }).waitFor();
      assert.equal(await page.getByLabel('Card number').inputValue(), '', 'the number is cleared');
      const html = await page.content();
      assert(
        !html.includes('4111 1111 1111 1111') && !html.includes('4111111111111111'),
        'never shown again',
      );
    });

    await t.test('topping up 50.00 goes pending → succeeded and adds exactly 5000 minor units', async () => {
      const before = await availableMinor(page.request, origin);
      await page.getByLabel('Amount (CNY)').fill('50.00');
      const [started] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/funding/top-ups')),
        page.getByRole('button', { name: 'Top up', exact: true }).click(),
      ]);
      assert.equal(started.status(), 201);
      const operation = (await started.json()) as { status: string; amount: { amountMinor: string } };
      assert.equal(operation.status, 'pending');
      assert.equal(operation.amount.amountMinor, '5000');
      const status = page.getByTestId('funding-status');
      await status.getByText('pending', { exact: false }).waitFor();
      await status.getByText('succeeded', { exact: false }).waitFor({ timeout: SETTLE_WAIT_MS });
      await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
      const after = await availableMinor(page.request, origin);
      assert.equal(after - before, 5000n);
    });

    let bobCode = '';
    await t.test("Bob's collect code, from Bob's own session", async () => {
      await signInByApi(bobApi, origin);
      const response = await bobApi.get(`${origin}/api/v1/me/collect-qr`);
      assert.equal(response.status(), 200);
      const body = (await response.json()) as { code: string; svg: string; amount: unknown };
      assert.match(body.code, /^rampart:1:/);
      assert.equal(body.amount, null);
      bobCode = body.code;
    });

    await t.test("Alice's collect page shows her own QR image and code text", async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Wallet' }).click();
      await page
        .getByRole('region', { name: 'Balance' })
        .getByRole('link', { name: 'Collect & scan' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Collect & scan' }).waitFor();
      const image = page.getByRole('img', { name: 'Your collect-money QR code' });
      await image.waitFor();
      assert.match((await image.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
      assert.match(await page.getByLabel('Code text').inputValue(), /^rampart:1:/);
      await page.getByRole('button', { name: 'Copy code' }).waitFor();
    });

    await t.test("pasting Bob's code shows his masked name; 3.00 is paid with the password", async () => {
      const before = await availableMinor(page.request, origin);
      await page.getByLabel('Payment code').fill(bobCode);
      const [resolved] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/qr/resolve')),
        page.getByRole('button', { name: 'Check code' }).click(),
      ]);
      assert.equal(resolved.status(), 200);
      const { payee } = (await resolved.json()) as { payee: { kind: string; maskedName: string } };
      assert.equal(payee.kind, 'user');
      assert.match(payee.maskedName, /^\*+i$/, `"${BOB.displayName}" masked`);
      await page.getByText(`You will pay ${payee.maskedName}`, { exact: true }).waitFor();
      await page.screenshot({ path: QR_SCREENSHOT_PATH, fullPage: true });

      await page.getByLabel('Amount (CNY)').fill('3.00');
      const [created] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/qr/pay')),
        page.getByRole('button', { name: 'Next' }).click(),
      ]);
      assert.equal(created.status(), 201);
      const intent = (await created.json()) as { amount: { amountMinor: string }; confirmation: string };
      assert.equal(intent.amount.amountMinor, '300');
      await page.getByRole('heading', { level: 1, name: 'Confirm transfer' }).waitFor();
      await page.getByText(`You are paying ${payee.maskedName}`, { exact: true }).waitFor();
      assert.equal(intent.confirmation, 'payment_password', 'first payment to Bob needs the password');
      await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
      const [confirmed] = await Promise.all([
        page.waitForResponse((r) => /\/api\/v1\/payments\/intents\/[^/]+\/confirm$/.test(r.url())),
        page.getByRole('button', { name: 'Pay CN¥3.00' }).click(),
      ]);
      assert.equal(confirmed.status(), 200);
      assert.equal(((await confirmed.json()) as { status: string }).status, 'succeeded');
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      assert.equal(before - (await availableMinor(page.request, origin)), 300n);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await bobApi.dispose();
    await browser.close();
  }
});
