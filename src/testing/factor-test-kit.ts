/** Small helpers for second-factor tests: a Notifier that records, and a user row made directly. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Executor, NotificationRequest, Notifier } from '../identity/ports.ts';
import { newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface RecordedNotice extends NotificationRequest {
  /** Whether the notice was enqueued inside a transaction (it must be, with its change). */
  readonly inTransaction: boolean;
}

/** Records every enqueue; `failNext` makes the next enqueue throw (to prove rollbacks). */
export class RecordingNotifier implements Notifier {
  readonly sent: RecordedNotice[] = [];
  failNext = false;

  async enqueue(executor: Executor, request: NotificationRequest): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('notifier outbox unavailable (test)');
    }
    this.sent.push({ ...request, inTransaction: executor.isTransaction });
  }

  take(): RecordedNotice[] {
    return this.sent.splice(0, this.sent.length);
  }
}

export interface TestUser {
  readonly id: string;
  readonly phoneE164: string;
  readonly displayName: string;
  readonly email: string | null;
}

let phoneSeq = 0;

/** Inserts a user row directly (no password hashing, no sign-up flow); the e-mail is verified unless told. */
export async function insertTestUser(
  db: Kysely<Database>,
  options: { email?: string | null; emailVerified?: boolean; displayName?: string; nowMs?: number } = {},
): Promise<TestUser> {
  phoneSeq += 1;
  const phoneE164 = `+86139${String(Date.now() % 100_000).padStart(5, '0')}${String(phoneSeq).padStart(3, '0')}`;
  const user: TestUser = {
    id: newId('usr'),
    phoneE164,
    displayName: options.displayName ?? `Test User ${phoneSeq}`,
    email:
      options.email === undefined
        ? `user${phoneSeq}.${randomBytes(3).toString('hex')}@example.test`
        : options.email,
  };
  await db
    .insertInto('users')
    .values({
      id: user.id,
      phone_e164: user.phoneE164,
      display_name: user.displayName,
      login_password_hash: 'not-a-hash (test user)',
      created_at: new Date(options.nowMs ?? Date.now()),
      email: user.email,
      email_verified_at:
        user.email && (options.emailVerified ?? true) ? new Date(options.nowMs ?? Date.now()) : null,
    })
    .execute();
  return user;
}
