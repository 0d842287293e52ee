// Proves the records page, the monthly bill's PDF and the agreements part of the Security Center
// in a real browser: the demo platform serves the built app; a merchant (the platform's own
// agreements module, as the open API will call it) asks Alice to sign an agreement; chromium signs
// Alice in, opens the signing page, reads the plain statement of merchant, purpose and caps, and
// signs with her payment password; the merchant debits 12.34; the records page finds that debit by
// type and by counterparty (and nothing for a counterparty that does not exist), every row links
// to the report page, the month's bill lists it and its PDF link answers a real PDF; finally
// Alice cancels the agreement in the Security Center through the confirm step, and the next
// debit is refused with agreement_cancelled. Bob gives Alice a family card: she accepts it on its
// page and pays the demo merchant 5.00 from Bob's wallet with her own payment password, then pays
// the merchant's QR code with the card on the pay page (not offered for a person's code, nor once
// Bob cancels the card). Each of
// these pages passes axe-core's WCAG 2.1 A/AA rules (no serious or critical finding).
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { openBrowserSession, readCode } from './harness.ts';

const SCREENSHOT_PATH = join(tmpdir(), 'rampart-records.png');
const SECURITY_SCREENSHOT_PATH = join(tmpdir(), 'rampart-agreements.png');

// src/demo/demo-data.ts: public demo credentials.
const ALICE = {
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
};
const BOB = { phone: '+8613900139000', paymentPassword: '369147' };
const MERCHANT = { id: 'mch_demo_coffee', name: 'Demo Coffee Shop' };
const PURPOSE = 'Gym membership, billed monthly';

/** axe-core's WCAG 2.1 A/AA rules on one part of the page: the serious and critical findings. */
async function accessibilityProblems(page: Page, selector: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source); // evaluate, not a <script>: the app's CSP refuses inline scripts
  const found = await page.evaluate(async (include) => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(
      { include: [include] },
      { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    );
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, nodes: v.nodes.length }));
  }, selector);
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} ×${v.nodes}`);
}

test('records, bill PDF and agreements in chromium: sign, debit, search, download, cancel', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  const { agreements, identity, qr, wallet } = platform.platform.modules;
  const balanceOf = async (userId: string) => {
    const [account] = await wallet.getWalletAccounts(userId);
    assert(account, 'a wallet');
    return account.balance.postedMinor;
  };
  try {
    const alice = await identity.findUserByPhone(ALICE.phone);
    assert(alice, 'the demo seed made Alice');
    const { agreement } = await agreements.requestAgreement({
      merchantId: MERCHANT.id,
      userId: alice.id,
      purpose: PURPOSE,
      perDebitCapMinor: 5_000n,
      monthlyCapMinor: 20_000n,
      currency: 'CNY',
      externalAgreementNo: 'browser-gym-1',
    });

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

    await t.test(
      'the signing page states merchant, purpose and caps; the payment password signs',
      async () => {
        await page.goto(`${origin}/agreements/sign?id=${encodeURIComponent(agreement.id)}`);
        await page.getByRole('heading', { level: 1, name: 'Sign an auto-debit agreement' }).waitFor();
        const statement = page.getByTestId('agreement-statement');
        await statement.getByText(`${MERCHANT.name} asks to take money`, { exact: false }).waitFor();
        await statement.getByText(PURPOSE, { exact: false }).waitFor();
        await statement
          .getByText('at most CN¥50.00 at a time and at most CN¥200.00', { exact: false })
          .waitFor();
        await page.getByLabel('Payment password').fill('000000');
        const [wrong] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/confirm')),
          page.getByRole('button', { name: 'Sign agreement' }).click(),
        ]);
        assert.equal(wrong.status(), 401);
        await page.getByRole('alert').filter({ hasText: 'wrong_payment_password' }).waitFor();
        await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
        const [signed] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/confirm')),
          page.getByRole('button', { name: 'Sign agreement' }).click(),
        ]);
        assert.equal(signed.status(), 200);
        await page.getByText(`Signed. ${MERCHANT.name} may now debit within these caps.`).waitFor();
        assert.deepEqual(await accessibilityProblems(page, 'main'), []);
      },
    );

    let transferId = '';
    await t.test('the merchant debits 12.34; the records page finds it and links to a report', async () => {
      const { debit } = await agreements.debit({
        agreementId: agreement.id,
        merchantId: MERCHANT.id,
        amount: { amountMinor: 1_234n, currency: 'CNY' },
        idempotencyKey: 'gym-2026-01',
      });
      transferId = debit.transferId;
      await page.getByRole('navigation').getByRole('link', { name: 'Records' }).click();
      await page.getByRole('heading', { level: 1, name: 'Records and bills' }).waitFor();
      const table = page.getByTestId('records');
      await table.getByRole('cell', { name: MERCHANT.name }).first().waitFor();

      await page.getByLabel('Type').selectOption('merchant_payment');
      await page.getByLabel('Counterparty').fill('coffee');
      const [searched] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('/api/v1/me/records?')),
        page.getByRole('button', { name: 'Search', exact: true }).click(),
      ]);
      assert.equal(searched.status(), 200);
      assert.match(searched.url(), /type=merchant_payment/);
      await page.getByText('1 records shown').waitFor();
      const row = table.getByRole('row').filter({ hasText: MERCHANT.name });
      await row.getByRole('cell', { name: '-CN¥12.34', exact: true }).waitFor();
      const report = row.getByRole('link', { name: /^Report the Merchant payment of -CN¥12\.34/ });
      assert.equal(await report.getAttribute('href'), `/report?transfer=${encodeURIComponent(transferId)}`);
      // The CSV link carries the same filters.
      const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      assert.match(csvHref ?? '', /^\/api\/v1\/me\/records\.csv\?type=merchant_payment&counterparty=coffee$/);

      await page.getByLabel('Counterparty').fill('nobody-like-this');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByText('No records match.').waitFor();
    });

    await t.test("the month's bill lists the payment, and its PDF link answers a real PDF", async () => {
      const bill = page.getByTestId('bill');
      await bill.getByRole('row', { name: /Merchant payment/ }).waitFor();
      await bill.getByRole('cell', { name: 'CN¥12.34' }).first().waitFor();
      const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
      const link = page.getByTestId('bill-pdf');
      assert.equal(await link.textContent(), `Download PDF bill for ${month}`);
      const href = await link.getAttribute('href');
      assert.equal(href, `/api/v1/me/bills/${month}.pdf?lang=en`);
      const pdf = await page.request.get(`${origin}${href}`);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      const bytes = await pdf.body();
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(bytes.toString('latin1'), new RegExp(`Rampart bill ${month}`));
      await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
      assert.deepEqual(await accessibilityProblems(page, 'main'), []);
    });

    await t.test("Alice accepts Bob's family card and pays a merchant from Bob's wallet", async () => {
      const bob = await identity.findUserByPhone(BOB.phone);
      assert(bob, 'the demo seed made Bob');
      const card = await agreements.offerFamilyCard({
        ownerId: bob.id,
        memberPhone: ALICE.phone,
        monthlyCap: { amountMinor: 10_000n, currency: 'CNY' },
        paymentPassword: BOB.paymentPassword,
        origin: { ip: '127.0.0.1', userAgent: undefined, deviceKey: undefined, locale: 'en', location: null },
      });
      const bobBefore = await balanceOf(bob.id);
      await page.goto(`${origin}/family-card?id=${encodeURIComponent(card.id)}`);
      await page.getByRole('heading', { level: 1, name: 'Family card' }).waitFor();
      await page.getByText('offers you a family card', { exact: false }).waitFor();
      const [accepted] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/accept')),
        page.getByRole('button', { name: 'Accept card' }).click(),
      ]);
      assert.equal(accepted.status(), 200);
      await page.getByRole('heading', { level: 2, name: 'Pay a merchant with this card' }).waitFor();
      await page.getByLabel('Merchant ID').fill(MERCHANT.id);
      await page.getByLabel('Amount (CNY)').fill('5.00');
      await page.getByLabel('Your payment password').fill(ALICE.paymentPassword);
      const [paid] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/payments') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Pay', exact: true }).click(),
      ]);
      assert.equal(paid.status(), 201);
      await page.getByText(`Paid CN¥5.00 to ${MERCHANT.name} from the family card.`).waitFor();
      await page.getByTestId('family-card-uses').getByText(MERCHANT.name, { exact: false }).waitFor();
      await page.getByText('Left this month: CN¥95.00').waitFor();
      assert.deepEqual(await accessibilityProblems(page, 'main'), []);
      assert.equal(bobBefore - (await balanceOf(bob.id)), 500n);
    });

    await t.test("Alice pays a merchant's QR code with Bob's family card on the pay page", async () => {
      const bob = await identity.findUserByPhone(BOB.phone);
      assert(bob, 'the demo seed made Bob');
      const merchantCode = (await qr.merchantCode({ merchantId: MERCHANT.id, amount: null })).code;
      const bobsCode = (await qr.collectCode({ userId: bob.id, amount: null })).code;
      const familyChoice = page.getByRole('radio', { name: /^Family card from / });
      const check = async (code: string) => {
        await page.getByLabel('Payment code').fill(code);
        await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/qr/resolve')),
          page.getByRole('button', { name: 'Check code' }).click(),
        ]);
        await page.getByRole('group', { name: 'Pay from' }).waitFor();
      };
      await page.goto(`${origin}/collect`);
      // A person's code: a family card pays merchants only, so it is not offered.
      await check(bobsCode);
      assert.equal(await familyChoice.count(), 0);
      await check(merchantCode);
      // The owner shown masked, with what is left of this month's cap (100.00 − 5.00 above).
      const label = (await familyChoice.evaluate((radio) => radio.closest('label')?.textContent)) ?? '';
      assert.match(label, /^Family card from \*+i \(.*\*.*\), CN¥95\.00 left this month$/);
      assert.doesNotMatch(label, /Bob|13900139000/);
      await familyChoice.check();
      await page.getByLabel('Amount (CNY)').fill('3.00');
      await page.getByLabel('Your payment password').fill(ALICE.paymentPassword);
      assert.deepEqual(await accessibilityProblems(page, 'main'), []);
      const bobBefore = await balanceOf(bob.id);
      const [paid] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/payments') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Pay', exact: true }).click(),
      ]);
      assert.equal(paid.status(), 201);
      await page.getByText(`Paid CN¥3.00 to ${MERCHANT.name} from the family card.`).waitFor();
      assert.equal(bobBefore - (await balanceOf(bob.id)), 300n, "the money is Bob's");
      assert.deepEqual(await accessibilityProblems(page, 'main'), []);
      // Bob cancels the card: the pay page no longer offers it (and the API refuses it for good).
      const [card] = (await agreements.listFamilyCards(bob.id)).filter((c) => c.status === 'active');
      assert(card, "Bob's card");
      await agreements.cancelFamilyCard({ userId: bob.id, cardId: card.id });
      await page.getByRole('button', { name: 'Make another transfer' }).click();
      await check(merchantCode);
      assert.equal(await familyChoice.count(), 0);
    });

    await t.test('the Security Center cancels the agreement in one confirmed step; debits stop', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
      const section = page.getByRole('region', { name: 'Agreements, family cards and authorised apps' });
      await section.waitFor();
      const item = section.getByRole('listitem').filter({ hasText: PURPOSE });
      await item.getByText('Active').waitFor();
      // The demo's own coffee-club agreement and the demo app are listed too.
      await section.getByRole('listitem').filter({ hasText: 'Coffee Club monthly membership' }).waitFor();
      await section.getByRole('listitem').filter({ hasText: 'Demo Coffee app' }).waitFor();
      await item.getByRole('button', { name: `Cancel agreement with ${MERCHANT.name}` }).click();
      const question = item.getByRole('group', {
        name: `Cancel the agreement with ${MERCHANT.name}? It can never debit you again.`,
      });
      await question.waitFor();
      // Focus moves to the confirming button, so a keyboard user answers at once.
      const yes = question.getByRole('button', { name: 'Yes, cancel it' });
      assert.equal(await yes.evaluate((el) => el === document.activeElement), true);
      const [cancelled] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/api/v1/me/agreements/${agreement.id}/cancel`)),
        yes.click(),
      ]);
      assert.equal(cancelled.status(), 200);
      await section.getByText(`The agreement with ${MERCHANT.name} is cancelled.`).waitFor();
      await item.getByText('Cancelled').waitFor();
      await page.screenshot({ path: SECURITY_SCREENSHOT_PATH, fullPage: true });
      assert.deepEqual(await accessibilityProblems(page, '#protections'), []);
      await assert.rejects(
        agreements.debit({
          agreementId: agreement.id,
          merchantId: MERCHANT.id,
          amount: { amountMinor: 100n, currency: 'CNY' },
          idempotencyKey: 'gym-2026-02',
        }),
        (error: unknown) => error instanceof Error && 'code' in error && error.code === 'agreement_cancelled',
      );
      assert.deepEqual(pageErrors, []);
    });
  } finally {
    await browser.close();
  }
});
