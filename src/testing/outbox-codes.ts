/** The one-time code most recently queued for a destination, read from the notification outbox —
 *  exactly what the SMS or e-mail provider would deliver. Tests only. */
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';

export async function lastSentCode(db: Kysely<Database>, destination: string): Promise<string> {
  const message = await db
    .selectFrom('notification_outbox')
    .select('body')
    .where('destination', '=', destination)
    .where('template', '=', 'otp_code')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const code = message?.body.match(/\b\d{6}\b/)?.[0];
  assert.ok(code, `a code was sent to ${destination}`);
  return code;
}
