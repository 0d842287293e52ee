// Proves every API error code speaks both languages: it imports every module's index.ts, finds
// each exported `*_ERRORS` table (so a new module's table is checked without editing this file)
// and the ledger's rejection reasons, and fails when a code has no zh-CN message or no English
// one; and that unknown codes and English requests keep the thrown message.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REJECT_REASONS, rejectionError } from '../ledger/index.ts';
import { localizedErrorMessage, ZH_CN_ERROR_MESSAGES } from './error-messages.ts';

const SRC = fileURLToPath(new URL('../', import.meta.url));

interface CodeEntry {
  readonly code: string;
  readonly message: string;
}

function isCodeEntry(value: unknown): value is CodeEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

async function everyErrorCode(): Promise<Map<string, string>> {
  const codes = new Map<string, string>(); // code → where it was found
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory());
  for (const folder of folders) {
    const index = `${SRC}${folder.name}/index.ts`;
    let module: Record<string, unknown>;
    try {
      module = (await import(index)) as Record<string, unknown>;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(index))
        continue;
      throw error;
    }
    for (const [name, table] of Object.entries(module)) {
      if (!name.endsWith('_ERRORS') || typeof table !== 'object' || table === null) continue;
      for (const entry of Object.values(table)) {
        if (isCodeEntry(entry)) codes.set(entry.code, `${folder.name}.${name}`);
      }
    }
  }
  for (const reason of REJECT_REASONS) codes.set(rejectionError(reason).code, 'ledger rejection reasons');
  codes.set('internal', 'http/errors.ts');
  return codes;
}

test('every error code of every module has a zh-CN and an English message', async () => {
  const codes = await everyErrorCode();
  assert.ok(codes.size > 80, `the tables were found (${codes.size} codes)`);
  for (const module of ['shared', 'identity', 'payments', 'funding', 'qr', 'notify', 'ledger']) {
    assert.ok(
      [...codes.values()].some((where) => where.startsWith(module)),
      `${module}'s error table was found`,
    );
  }
  const missing = [...codes].filter(([code]) => !ZH_CN_ERROR_MESSAGES[code]?.trim());
  assert.deepEqual(missing, [], 'codes without a zh-CN message (add them to src/http/error-messages.ts)');
  for (const [code, zh] of Object.entries(ZH_CN_ERROR_MESSAGES)) {
    assert.match(zh, /[\u4e00-\u9fff]/, `${code}: the zh-CN message is Chinese`);
  }
});

test('English keeps the thrown message; zh-CN uses the table; an unknown code keeps its text', () => {
  assert.equal(
    localizedErrorMessage('limit_exceeded', 'en', 'Over the daily limit of 500.00.'),
    'Over the daily limit of 500.00.',
  );
  assert.equal(localizedErrorMessage('limit_exceeded', 'zh-CN', 'x'), '此笔付款超过了您的支付限额。');
  assert.equal(localizedErrorMessage('brand_new_code', 'zh-CN', 'New.'), 'New.');
});
