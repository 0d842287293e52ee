/**
 * The append-only audit log of issue 7: every operator action and every recovery step (started,
 * verified, failed, completed) with who did it. The table refuses UPDATE, DELETE and TRUNCATE by
 * trigger, so not even an operator with database access through the app can edit it. Details
 * never hold passwords, codes or full ID numbers.
 */
import type { Kysely } from 'kysely';
import type { Executor } from '../identity/index.ts';
import type { Database } from '../store/index.ts';

export type Actor =
  | { kind: 'user'; id: string }
  | { kind: 'operator'; id: string; role: string }
  | { kind: 'system' }
  | { kind: 'anonymous' };

export const AUDIT_PAGE_MAX = 200;

export async function writeAudit(
  executor: Executor,
  nowMs: number,
  input: {
    actor: Actor;
    action: string;
    userId?: string | null | undefined;
    subjectId?: string | null | undefined;
    details?: Record<string, string | number | boolean | null> | undefined;
  },
): Promise<void> {
  await executor
    .insertInto('audit_log')
    .values({
      actor_kind: input.actor.kind,
      actor_id: input.actor.kind === 'user' || input.actor.kind === 'operator' ? input.actor.id : null,
      actor_role: input.actor.kind === 'operator' ? input.actor.role : null,
      action: input.action,
      user_id: input.userId ?? null,
      subject_id: input.subjectId ?? null,
      details: JSON.stringify(input.details ?? {}),
      created_at: new Date(nowMs),
    })
    .execute();
}

export interface AuditEntry {
  readonly id: bigint;
  readonly actorKind: string;
  readonly actorId: string | null;
  readonly actorRole: string | null;
  readonly action: string;
  readonly userId: string | null;
  readonly subjectId: string | null;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

export async function listAudit(
  db: Kysely<Database>,
  input: {
    limit: number;
    beforeId?: bigint | undefined;
    userId?: string | undefined;
    action?: string | undefined;
  },
): Promise<AuditEntry[]> {
  let query = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(Math.min(input.limit, AUDIT_PAGE_MAX));
  if (input.beforeId !== undefined) query = query.where('id', '<', input.beforeId);
  if (input.userId) query = query.where('user_id', '=', input.userId);
  if (input.action) query = query.where('action', '=', input.action);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    actorRole: r.actor_role,
    action: r.action,
    userId: r.user_id,
    subjectId: r.subject_id,
    details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
    createdAt: r.created_at,
  }));
}
