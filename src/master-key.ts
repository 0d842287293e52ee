/**
 * The master secret behind the payment-password pepper, TOTP-seed encryption and code HMACs.
 * It never lives in the database: from RAMPART_MASTER_KEY, or — on the embedded store only — a
 * key file created once beside the data directory with mode 0600. PostgreSQL deployments must
 * set the variable (a key file on one instance would differ from the next instance's).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from './config.ts';

const MASTER_KEY_BYTES = 32;

export function loadMasterKey(config: Config): Buffer {
  if (config.masterKey) {
    const key = Buffer.from(config.masterKey, 'base64');
    if (key.length < MASTER_KEY_BYTES) throw new Error('RAMPART_MASTER_KEY must decode to at least 32 bytes');
    return key;
  }
  if (config.databaseUrl) throw new Error('set RAMPART_MASTER_KEY (base64, 32 bytes) when using PostgreSQL');
  if (config.dataDir.startsWith('memory://')) return randomBytes(MASTER_KEY_BYTES);
  const path = `${resolve(config.dataDir)}.key`;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length < MASTER_KEY_BYTES) throw new Error(`${path} does not hold a 32-byte base64 key`);
  return key;
}
