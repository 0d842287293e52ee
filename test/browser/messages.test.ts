// Proves issue 9 in a real browser (playwright-core driving Debian's chromium against the demo
// platform): in English and then, after switching the header's language control, in Chinese, a
// new person signs up, is funded by a bank top-up through the ledger, makes a first 300.00
// transfer to Bob — the confirmation page stops on the anti-fraud warning naming the common scams,
// refuses to go on until the box is ticked, then pays with the warning acknowledged — and opens
// the notification centre from the header badge, where the payment receipt is listed and
// "mark all read" clears the badge. axe-core runs on every main page (sign-in, sign-up, wallet,
// transfer, the warning, the receipt, the notification centre, the Security Center with its tips
// and quiz, collect & scan, the announcements console) with zero serious or critical violations;
// a keyboard-only walk pays through the warning; and at 200 % zoom on a phone (390×844 CSS px at
// zoom 2 is a 195×422 layout viewport) no control is cut off or needs sideways scrolling.
// Screenshots go to test-output/ (gitignored).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page, Response } from 'playwright-core';
import { type Locale, type MessageKey, translate } from '../../web/src/i18n.ts';
import { type BrowserSession, openBrowserSession, readCode } from './harness.ts';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const BOB = { phone: '+8613900139000' };
/** 300.00 CNY: above the 200.00 first-payee warning threshold (src/payments/constants.ts). */
const TRANSFER_MAJOR = '300.00';
const PAYMENT_PASSWORD = '583917';
/** 390×844 at 200 % zoom: the CSS layout viewport a zoomed phone gives a page. */
const ZOOMED_VIEWPORT = { width: 195, height: 422 };
const PHONE_VIEWPORT = { width: 390, height: 844 };

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  // Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline scripts.
  if (!loaded) await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  });
  const grave = (violations as AxeViolation[]).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  assert.deepEqual(
    grave.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
    [],
    `axe on ${where}`,
  );
}

/** WCAG 1.4.10 reflow: no sideways scrolling of the page, and no visible control cut off. */
async function expectReflows(page: Page, where: string): Promise<void> {
  const problems = await page.evaluate(() => {
    const found: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
      found.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const element of document.querySelectorAll<HTMLElement>(
      'button, a[href], input, select, textarea',
    )) {
      const rect = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      if (
        rect.width === 0 ||
        style.visibility === 'hidden' ||
        element.closest('.visually-hidden, .skip-link')
      )
        continue;
      // Inside a container that scrolls on its own (a wide table), the control is reachable.
      if (element.closest('.table-scroll, .tabs')) continue;
      if (rect.left < -1 || rect.right > width + 1) {
        const name = element.getAttribute('aria-label') ?? element.textContent?.trim() ?? element.tagName;
        found.push(
          `${element.tagName} "${name.slice(0, 40)}" cut off: ${Math.round(rect.left)}–${Math.round(rect.right)} of ${width}`,
        );
      }
    }
    return found;
  });
  assert.deepEqual(problems, [], `reflow on ${where}`);
}

function isPost(path: string) {
  return (response: Response) => response.url().endsWith(path) && response.request().method() === 'POST';
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

let phoneCounter = 0;

/** Signs a new person up through the pages, in whatever language the page speaks now. */
async function signUp(session: BrowserSession, locale: Locale, name: string): Promise<{ phone: string }> {
  const { page, origin } = session;
  const t = (key: MessageKey) => translate(locale, key);
  phoneCounter++;
  const phone = `+86138${String(77_000_000 + phoneCounter + Math.floor(Math.random() * 1_000_000))}`;
  await page.getByRole('link', { name: t('signIn.signUpLink') }).click();
  await page.getByRole('heading', { level: 1, name: t('signUp.title') }).waitFor();
  await expectAccessible(page, `sign-up (${locale})`);
  await page.getByLabel(t('signUp.phone')).fill(phone);
  const sentAfterMs = Date.now();
  await Promise.all([
    page.waitForResponse(isPost('/api/v1/auth/sign-up/start')),
    page.getByRole('button', { name: t('signUp.sendCodes') }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: t('signUp.detailsTitle') }).waitFor();
  await page.getByLabel(t('signUp.phoneCode')).fill(await readCode(origin, phone, sentAfterMs));
  await page.getByLabel(t('signUp.displayName')).fill(name);
  await page.getByLabel(t('signUp.password'), { exact: true }).fill(`walk-${locale}-password-2026`);
  await page.getByLabel(t('signUp.paymentPassword'), { exact: true }).fill(PAYMENT_PASSWORD);
  await page.getByLabel(t('signUp.paymentPasswordConfirm')).fill(PAYMENT_PASSWORD);
  await Promise.all([
    page.waitForResponse(isPost('/api/v1/auth/sign-up/complete')),
    page.getByRole('button', { name: t('signUp.create') }).click(),
  ]);
  await page
    .getByRole('heading', { level: 1, name: translate(locale, 'wallet.greeting').replace('{name}', name) })
    .waitFor();
  return { phone };
}

/** A bank top-up straight into the new wallet (the cards page's own test covers top-ups). */
async function fund(session: BrowserSession, phone: string): Promise<void> {
  const { db } = session.platform.platform.store;
  const { ledger, wallet } = session.platform.platform.modules;
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('phone_e164', '=', phone)
    .executeTakeFirstOrThrow();
  const account = await wallet.openWallet(user.id, 'CNY');
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  const [result] = await ledger.createTransfers([
    {
      id: `walk-topup-${user.id}`,
      kind: 'posted',
      code: 'top_up',
      legs: [
        { debitAccountId: bank.id, creditAccountId: account.id, amountMinor: 100_000n, currency: 'CNY' },
      ],
    },
  ]);
  assert.equal(result?.status, 'created');
}

/** A first transfer to Bob through the warning, then the notification centre. */
async function transferAndCentre(session: BrowserSession, locale: Locale): Promise<void> {
  const { page } = session;
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  await page.reload();
  await page
    .getByRole('navigation')
    .getByRole('link', { name: t('nav.transfer') })
    .click();
  await page.getByRole('heading', { level: 1, name: t('transfer.title') }).waitFor();
  await expectAccessible(page, `transfer (${locale})`);
  await page.getByLabel(t('transfer.phone')).fill(BOB.phone);
  await page.getByLabel(t('transfer.amount')).fill(TRANSFER_MAJOR);
  await Promise.all([
    page.waitForResponse(isPost('/api/v1/payments/intents')),
    page.getByRole('button', { name: t('transfer.next') }).click(),
  ]);
  const warning = page.getByTestId('fraud-warning');
  await warning.getByRole('heading', { name: t('fraud.title') }).waitFor();
  for (const scam of [
    'fraud.scam.customerService',
    'fraud.scam.refund',
    'fraud.scam.safeAccount',
    'fraud.scam.job',
  ] as const) {
    await warning.getByText(t(scam)).waitFor();
  }
  assert.equal(
    await page.getByLabel(t('transfer.paymentPassword'), { exact: true }).count(),
    0,
    'no way to pay yet',
  );
  await expectAccessible(page, `fraud warning (${locale})`);
  await shoot(page, `walk-${locale}-warning`);
  await warning.getByRole('button', { name: t('fraud.continue') }).click();
  await warning.getByRole('alert').getByText(t('fraud.mustTick')).waitFor();
  assert.equal(
    await page.getByLabel(t('transfer.paymentPassword'), { exact: true }).count(),
    0,
    'an untick stays put',
  );
  await warning.getByLabel(t('fraud.acknowledge')).check();
  await warning.getByRole('button', { name: t('fraud.continue') }).click();
  await page.getByLabel(t('transfer.paymentPassword'), { exact: true }).fill(PAYMENT_PASSWORD);
  const [confirmed] = await Promise.all([
    page.waitForResponse((r) => /\/confirm$/.test(r.url())),
    page.getByRole('button', { name: new RegExp(`^${t('transfer.pay', { amount: '' }).trim()}`) }).click(),
  ]);
  assert.equal(confirmed.status(), 200);
  const sent = (await confirmed.request().postDataJSON()) as { warningAcknowledged?: boolean };
  assert.equal(sent.warningAcknowledged, true, 'the acknowledgement goes with the confirmation');
  await page.getByRole('heading', { level: 1, name: t('transfer.receiptTitle') }).waitFor();
  await expectAccessible(page, `receipt (${locale})`);

  const badge = page.getByTestId('inbox-badge');
  await badge.locator('.badge').waitFor();
  await badge.click();
  await page.getByRole('heading', { level: 1, name: t('inbox.title') }).waitFor();
  const receipt = page.getByTestId('inbox-message').filter({ hasText: /300\.00/ });
  await receipt.first().waitFor();
  await expectAccessible(page, `notification centre (${locale})`);
  await shoot(page, `walk-${locale}-centre`);
  await page.getByRole('button', { name: t('inbox.filter.payments'), exact: true }).click();
  await page.getByTestId('inbox-message').first().waitFor();
  assert.equal(await page.getByTestId('inbox-message').count(), 1, 'payments filter: the one receipt');
  await page.getByRole('button', { name: t('inbox.markAllRead') }).click();
  await page
    .getByRole('status')
    .getByText(t('inbox.markedAll', { count: 1 }))
    .waitFor();
  // The receipt was the only unread message: the header badge goes away.
  await page.waitForFunction(() => document.querySelector('[data-testid="inbox-badge"] .badge') === null);
}

test('sign up, warned first transfer and notification centre, in English and Chinese, accessible', async (t) => {
  const session = await openBrowserSession(t);
  if (!session) return;
  const { page, origin, pageErrors } = session;
  try {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { level: 1, name: translate('en', 'signIn.title') }).waitFor();
    await expectAccessible(page, 'sign-in');
    await expectReflows(page, 'sign-in at 390 px');

    // English.
    const english = await signUp(session, 'en', 'Walker Wu');
    await expectAccessible(page, 'wallet (en)');
    await fund(session, english.phone);
    await transferAndCentre(session, 'en');

    // Security Center: tips for this new account's gaps, and the quiz.
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    const tips = page.getByRole('region', { name: translate('en', 'tips.title') });
    await tips.getByText(translate('en', 'tips.noPasskey')).waitFor();
    const quiz = page.getByRole('region', { name: translate('en', 'quiz.title') });
    await quiz.getByRole('button', { name: translate('en', 'quiz.start') }).click();
    for (const [question, choice] of [
      [1, 1],
      [2, 0],
      [3, 2],
      [4, 1],
      [5, 0],
    ] as const) {
      await quiz
        .getByRole('group', { name: translate('en', `quiz.q${question}` as MessageKey) })
        .getByRole('radio', { name: translate('en', `quiz.q${question}.a${choice}` as MessageKey) })
        .check();
    }
    await quiz.getByRole('button', { name: translate('en', 'quiz.submit') }).click();
    await quiz.getByTestId('quiz-result').getByText('You got 4 of 5 right.').waitFor();
    await expectAccessible(page, 'Security Center with tips and quiz (en)');

    // Collect & scan, and the console, for axe.
    await page.goto(`${origin}/collect`);
    await page.getByRole('heading', { level: 1, name: translate('en', 'collect.title') }).waitFor();
    await expectAccessible(page, 'collect & scan');
    await page.goto(`${origin}/console`);
    await page.getByRole('heading', { level: 1, name: translate('en', 'console.title') }).waitFor();
    await expectAccessible(page, 'announcements console');

    // Chinese: switch the language in the header, sign out, and walk again as a new person.
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: translate('en', 'signIn.title') }).waitFor();
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { level: 1, name: translate('zh-CN', 'signIn.title') }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await expectAccessible(page, 'sign-in (zh-CN)');
    const chinese = await signUp(session, 'zh-CN', '吴行');
    await fund(session, chinese.phone);
    await transferAndCentre(session, 'zh-CN');
    const saved = await session.platform.platform.store.db
      .selectFrom('users')
      .select('locale')
      .where('phone_e164', '=', chinese.phone)
      .executeTakeFirstOrThrow();
    assert.equal(saved.locale, 'zh-CN', 'the account speaks the language it was created in');

    // 200 % zoom on a phone: the main pages reflow without cutting off a control.
    await page.setViewportSize(ZOOMED_VIEWPORT);
    for (const [path, key] of [
      ['/', 'wallet.balanceTitle'],
      ['/transfer', 'transfer.title'],
      ['/inbox', 'inbox.title'],
      ['/security', 'security.title'],
    ] as const) {
      await page.goto(`${origin}${path}`);
      await page
        .getByRole('heading', { name: translate('zh-CN', key), exact: true })
        .first()
        .waitFor();
      await expectReflows(page, `${path} at 200 % zoom`);
      if (path === '/inbox') await shoot(page, 'walk-zh-CN-zoomed-centre');
    }
    await page.setViewportSize(PHONE_VIEWPORT);
    assert.deepEqual(pageErrors, []);
  } finally {
    await session.close();
  }
});

test('keyboard only: a warned first transfer is paid without a mouse', async (t) => {
  const session = await openBrowserSession(t);
  if (!session) return;
  const { page, origin, pageErrors } = session;
  try {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { level: 1, name: translate('en', 'signIn.title') }).waitFor();
    const { phone } = await signUp(session, 'en', 'Kira Key');
    await fund(session, phone);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Hello, Kira Key' }).waitFor();

    /** Tabs forward until the focused element has this accessible name (label or text). */
    async function tabTo(name: string): Promise<void> {
      for (let presses = 0; presses < 60; presses++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const element = document.activeElement as HTMLElement | null;
          if (!element) return '';
          const labelled = element.id
            ? document.querySelector(`label[for="${element.id}"]`)?.textContent
            : null;
          const wrapped = element.closest('label')?.textContent;
          return (
            element.getAttribute('aria-label') ??
            labelled ??
            wrapped ??
            element.textContent ??
            ''
          ).trim();
        });
        if (focused === name || focused.startsWith(name)) return;
      }
      assert.fail(`Tab never reached "${name}"`);
    }

    await tabTo('Transfer');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
    await tabTo("Payee's phone number");
    await page.keyboard.type(BOB.phone);
    await tabTo('Amount (CNY)');
    await page.keyboard.type(TRANSFER_MAJOR);
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { name: translate('en', 'fraud.title') });
    await heading.waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      translate('en', 'fraud.title'),
      'focus moves to the warning',
    );
    await tabTo(translate('en', 'fraud.acknowledge'));
    await page.keyboard.press('Space');
    await tabTo(translate('en', 'fraud.continue'));
    await page.keyboard.press('Enter');
    await tabTo('Payment password');
    await page.keyboard.type(PAYMENT_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: translate('en', 'transfer.receiptTitle') }).waitFor();
    await tabTo('Notifications');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: translate('en', 'inbox.title') }).waitFor();
    await page
      .getByTestId('inbox-message')
      .filter({ hasText: /300\.00/ })
      .first()
      .waitFor();
    assert.deepEqual(pageErrors, []);
  } finally {
    await session.close();
  }
});
