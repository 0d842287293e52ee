/**
 * Backup codes (the "backup password" of the issue): 10 single-use codes shown once, stored
 * only as an HMAC. A code is 10 characters from a 31-symbol alphabet without look-alikes
 * (no i, l, o, 0, 1), about 49.5 bits, grouped `abcde-fghjk` for reading aloud or copying.
 * NIST SP 800-63B §5.1.2 (look-up secrets): at least 20 bits of entropy, used once; the high
 * entropy is also why a keyed fast hash is enough here and argon2 is not needed.
 *
 * `consume` does not count wrong tries: the caller (sign-in challenge, step-up) limits attempts.
 */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/index.ts';
import { assert, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Notifier } from './ports.ts';
import { type FactorChangeContext, recordFactorChange } from './record-factor-change.ts';
import type { IdentitySecrets } from './secrets.ts';

/** Issue 3: ten codes. */
export const BACKUP_CODES_COUNT = 10;
export const BACKUP_CODE_LENGTH = 10;
export const BACKUP_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const BACKUP_CODE_GROUP_LENGTH = 5;
const BACKUP_CODE_INPUT_LENGTH_MAX = 32;

export interface BackupCodesDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly secrets: IdentitySecrets;
  readonly notifier: Notifier;
}

export type BackupCodes = ReturnType<typeof createBackupCodes>;

/** Lower case, without spaces and hyphens; null when it cannot be a backup code. */
export function normalizeBackupCode(input: string): string | null {
  if (input.length > BACKUP_CODE_INPUT_LENGTH_MAX) return null;
  const code = input.toLowerCase().replace(/[\s-]+/g, '');
  if (code.length !== BACKUP_CODE_LENGTH) return null;
  for (const char of code) if (!BACKUP_CODE_ALPHABET.includes(char)) return null;
  return code;
}

function newBackupCode(): string {
  let code = '';
  // randomInt draws without modulo bias.
  for (let i = 0; i < BACKUP_CODE_LENGTH; i++)
    code += BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)];
  return `${code.slice(0, BACKUP_CODE_GROUP_LENGTH)}-${code.slice(BACKUP_CODE_GROUP_LENGTH)}`;
}

export function createBackupCodes(deps: BackupCodesDeps) {
  const { db, clock, secrets, notifier } = deps;
  const digest = (normalized: string) => secrets.digestCode(`backup_code:${normalized}`);

  return {
    /** Ten fresh codes, replacing every earlier one (used or not). Returned once, never stored. */
    async generate(userId: string, context?: FactorChangeContext): Promise<string[]> {
      const codes = new Set<string>();
      while (codes.size < BACKUP_CODES_COUNT) codes.add(newBackupCode()); // a repeat has odds ~2^-49
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('backup_codes')
          .values(
            [...codes].map((code) => {
              const normalized = normalizeBackupCode(code);
              assert(normalized !== null, 'a generated backup code is well formed');
              return {
                id: newId('bkc'),
                user_id: userId,
                code_sha256: digest(normalized),
                created_at: new Date(nowMs),
              };
            }),
          )
          .execute();
        await recordFactorChange(
          trx,
          { notifier, nowMs, context },
          {
            userId,
            type: 'backup_codes_generated',
            change: 'backup_codes',
            action: 'generated',
            details: { count: BACKUP_CODES_COUNT },
          },
        );
      });
      return [...codes];
    },

    /**
     * Uses up a code: true once per code, false when wrong or already used. The conditional
     * UPDATE (`used_at IS NULL`) makes two concurrent uses of one code yield one success.
     */
    async consume(userId: string, code: string, context?: FactorChangeContext): Promise<boolean> {
      const normalized = normalizeBackupCode(code);
      if (normalized === null) return false;
      const nowMs = clock.nowMs();
      return db.transaction().execute(async (trx) => {
        const used = await trx
          .updateTable('backup_codes')
          .set({ used_at: new Date(nowMs) })
          .where('user_id', '=', userId)
          .where('code_sha256', '=', digest(normalized))
          .where('used_at', 'is', null)
          .returning('id')
          .executeTakeFirst();
        if (!used) return false;
        const remaining = await countRemaining(trx, userId);
        await recordFactorChange(
          trx,
          { notifier, nowMs, context },
          {
            userId,
            type: 'backup_code_used',
            change: 'backup_codes',
            action: 'used',
            details: { remaining },
          },
        );
        return true;
      });
    },

    /** How many unused codes are left. */
    remaining(userId: string): Promise<number> {
      return countRemaining(db, userId);
    },
  };
}

async function countRemaining(executor: Kysely<Database>, userId: string): Promise<number> {
  const row = await executor
    .selectFrom('backup_codes')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
