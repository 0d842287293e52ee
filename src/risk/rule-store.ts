/**
 * Rule sets and allow/block lists in the database. A rule set is saved only when it validates;
 * the highest version is in force. Lists are read per decision (one indexed query), so an entry
 * counts from the next decision on.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { RISK_ERRORS } from './errors.ts';
import type { RiskEvent } from './ports.ts';
import { type RuleSetBody, validateRuleSet } from './rule-set.ts';

export const LIST_KINDS = ['allow', 'block'] as const;
export type ListKind = (typeof LIST_KINDS)[number];
export const LIST_SUBJECTS = ['user', 'device', 'ip', 'payee'] as const;
export type ListSubject = (typeof LIST_SUBJECTS)[number];
export const RULE_SET_HISTORY_MAX = 50;
export const LIST_PAGE_MAX = 500;

export interface StoredRuleSet {
  readonly version: number;
  readonly body: RuleSetBody;
  readonly note: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
}

export interface ListEntry {
  readonly id: string;
  readonly list: ListKind;
  readonly subject: ListSubject;
  readonly value: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: Date;
}

export async function latestRuleSetVersion(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('risk_rule_sets')
    .select((eb) => eb.fn.max('version').as('version'))
    .executeTakeFirst();
  return row?.version ?? null;
}

export async function loadRuleSet(db: Kysely<Database>, version: number): Promise<StoredRuleSet | undefined> {
  const row = await db
    .selectFrom('risk_rule_sets')
    .selectAll()
    .where('version', '=', version)
    .executeTakeFirst();
  return row && toStored(row);
}

function toStored(row: {
  version: number;
  body: unknown;
  note: string | null;
  created_by: string;
  created_at: Date;
}): StoredRuleSet {
  return {
    version: row.version,
    body: row.body as RuleSetBody,
    note: row.note,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function ruleSetHistory(db: Kysely<Database>): Promise<StoredRuleSet[]> {
  const rows = await db
    .selectFrom('risk_rule_sets')
    .selectAll()
    .orderBy('version', 'desc')
    .limit(RULE_SET_HISTORY_MAX)
    .execute();
  return rows.map(toStored);
}

/** Validates, then stores as the next version. A refused set changes nothing. */
export async function saveRuleSet(
  db: Kysely<Database>,
  input: {
    body: unknown;
    note: string | null;
    createdBy: string;
    knownFeatures: ReadonlySet<string>;
    nowMs: number;
  },
): Promise<StoredRuleSet> {
  const checked = validateRuleSet(input.body, { knownFeatures: input.knownFeatures });
  if (!checked.ok) throw new DomainError(RISK_ERRORS.RULE_SET_INVALID, { errors: checked.errors });
  const row = await db
    .insertInto('risk_rule_sets')
    .values({
      body: JSON.stringify(checked.ruleSet),
      note: input.note,
      created_by: input.createdBy,
      created_at: new Date(input.nowMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toStored(row);
}

/** The note a stored default carries; the revision tells an older default from the current one. */
export function defaultRuleSetNote(revision: number): string {
  return `default rule set r${revision}`;
}

/**
 * Stores the default rule set as a version: on first start, and when the version in force is an
 * older default that nobody edited (created by 'system' with an older revision in its note), so
 * an upgrade brings the new default rules as a new, visible version. A set an operator saved is
 * never replaced. `body` is the default for this deployment's features (defaultRuleSetFor).
 */
export async function seedDefaultRuleSet(
  db: Kysely<Database>,
  input: { body: RuleSetBody; revision: number; nowMs: number },
): Promise<void> {
  const latest = await latestRuleSetVersion(db);
  const note = defaultRuleSetNote(input.revision);
  if (latest !== null) {
    const stored = await loadRuleSet(db, latest);
    // Notes of older defaults: 'default rule set' (revision 1) or 'default rule set r<N>'.
    const olderDefault =
      stored !== undefined &&
      stored.createdBy === 'system' &&
      stored.note !== null &&
      /^default rule set( r\d+)?$/.test(stored.note) &&
      stored.note !== note;
    if (!olderDefault) return;
  }
  await db
    .insertInto('risk_rule_sets')
    .values({
      body: JSON.stringify(input.body),
      note,
      created_by: 'system',
      created_at: new Date(input.nowMs),
    })
    .execute();
}

/** Live list entries that name this event's user, device, IP or payee. */
export async function matchLists(
  db: Kysely<Database>,
  event: RiskEvent,
): Promise<{ list: ListKind; subject: ListSubject; reason: string }[]> {
  const subjects: [ListSubject, string | undefined][] = [
    ['user', event.userId],
    ['device', event.deviceKey],
    ['ip', event.ip],
    ['payee', event.payeeKey],
  ];
  const wanted = subjects.filter(
    (s): s is [ListSubject, string] => typeof s[1] === 'string' && s[1].length > 0,
  );
  if (wanted.length === 0) return [];
  return db
    .selectFrom('risk_lists')
    .select(['list', 'subject', 'reason'])
    .where('removed_at', 'is', null)
    .where((eb) =>
      eb.or(wanted.map(([subject, value]) => eb.and([eb('subject', '=', subject), eb('value', '=', value)]))),
    )
    .execute();
}

export async function addListEntry(
  db: Kysely<Database>,
  input: {
    list: ListKind;
    subject: ListSubject;
    value: string;
    reason: string;
    createdBy: string;
    nowMs: number;
  },
): Promise<ListEntry> {
  const row = await db
    .insertInto('risk_lists')
    .values({
      list: input.list,
      subject: input.subject,
      value: input.value,
      reason: input.reason,
      created_by: input.createdBy,
      created_at: new Date(input.nowMs),
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError(RISK_ERRORS.LIST_ENTRY_EXISTS);
  return toEntry(row);
}

export async function removeListEntry(
  db: Kysely<Database>,
  input: { id: string; nowMs: number },
): Promise<void> {
  if (!/^[0-9]{1,18}$/.test(input.id)) throw new DomainError(RISK_ERRORS.LIST_ENTRY_NOT_FOUND);
  const result = await db
    .updateTable('risk_lists')
    .set({ removed_at: new Date(input.nowMs) })
    .where('id', '=', BigInt(input.id))
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new DomainError(RISK_ERRORS.LIST_ENTRY_NOT_FOUND);
}

export async function listEntries(db: Kysely<Database>): Promise<ListEntry[]> {
  const rows = await db
    .selectFrom('risk_lists')
    .selectAll()
    .where('removed_at', 'is', null)
    .orderBy('id', 'desc')
    .limit(LIST_PAGE_MAX)
    .execute();
  return rows.map(toEntry);
}

function toEntry(row: {
  id: bigint;
  list: ListKind;
  subject: ListSubject;
  value: string;
  reason: string;
  created_by: string;
  created_at: Date;
}): ListEntry {
  return {
    id: row.id.toString(),
    list: row.list,
    subject: row.subject,
    value: row.value,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
