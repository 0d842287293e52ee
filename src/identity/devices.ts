/**
 * Devices: each browser or app is bound by a long-lived random key (cookie `rampart_device` or
 * header `x-rampart-device`), stored only as SHA-256. A device row per user and key remembers
 * what the user agent says and where it was last seen; users list, rename and remove them.
 */
import { createHash } from 'node:crypto';
import { UAParser } from 'ua-parser-js';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import type { IdentityContext, Located } from './context.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import type { Executor } from './ports.ts';

export const DEVICE_KEY_PATTERN = /^[A-Za-z0-9_-]{32,64}$/;
export const DEVICE_NAME_LENGTH_MAX = 60;
export const DEVICES_LISTED_MAX = 50;

export interface Device {
  readonly id: string;
  readonly name: string;
  readonly browser: string | null;
  readonly os: string | null;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly lastIp: string | null;
  readonly lastCountry: string | null;
  readonly lastCity: string | null;
}

export function deviceKeyDigest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function describeUserAgent(userAgent: string | undefined): {
  browser: string | null;
  os: string | null;
  name: string;
} {
  const parsed = new UAParser(userAgent ?? '').getResult();
  const browser = parsed.browser.name ? `${parsed.browser.name} ${parsed.browser.major ?? ''}`.trim() : null;
  const os = parsed.os.name ? `${parsed.os.name} ${parsed.os.version ?? ''}`.trim() : null;
  const name = [browser, os].filter(Boolean).join(' on ') || 'Unknown device';
  return { browser, os, name: name.slice(0, DEVICE_NAME_LENGTH_MAX) };
}

/** The user's device for this key, if it is known and not removed. */
export async function findDevice(executor: Executor, userId: string, deviceKey: string | undefined) {
  if (!deviceKey || !DEVICE_KEY_PATTERN.test(deviceKey)) return undefined;
  return executor
    .selectFrom('devices')
    .selectAll()
    .where('user_id', '=', userId)
    .where('key_sha256', '=', deviceKeyDigest(deviceKey))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Records a sign-in on a device, creating it (and a new key when the client had none). */
export async function bindDevice(
  executor: Executor,
  nowMs: number,
  input: { userId: string; origin: Located },
): Promise<{ deviceId: string; deviceKey: string; isNew: boolean }> {
  const { origin } = input;
  const existing = await findDevice(executor, input.userId, origin.deviceKey);
  const loc = origin.location;
  const seen = {
    last_seen_at: new Date(nowMs),
    last_ip: origin.ip,
    last_country: loc?.country ?? null,
    last_city: loc?.city ?? null,
    last_lat: loc?.lat ?? null,
    last_lon: loc?.lon ?? null,
  };
  if (existing && origin.deviceKey) {
    await executor.updateTable('devices').set(seen).where('id', '=', existing.id).execute();
    return { deviceId: existing.id, deviceKey: origin.deviceKey, isNew: false };
  }
  const deviceKey =
    origin.deviceKey && DEVICE_KEY_PATTERN.test(origin.deviceKey) ? origin.deviceKey : newSecretToken();
  const described = describeUserAgent(origin.userAgent);
  const id = newId('dev');
  await executor
    .insertInto('devices')
    .values({
      id,
      user_id: input.userId,
      key_sha256: deviceKeyDigest(deviceKey),
      name: described.name,
      user_agent: origin.userAgent?.slice(0, 512) ?? null,
      browser: described.browser,
      os: described.os,
      first_seen_at: new Date(nowMs),
      ...seen,
    })
    .onConflict((oc) =>
      // A removed device signing in again comes back as a fresh device.
      oc
        .columns(['user_id', 'key_sha256'])
        .doUpdateSet({ ...seen, revoked_at: null, first_seen_at: new Date(nowMs) }),
    )
    .execute();
  const row = await executor
    .selectFrom('devices')
    .select('id')
    .where('user_id', '=', input.userId)
    .where('key_sha256', '=', deviceKeyDigest(deviceKey))
    .executeTakeFirstOrThrow();
  return { deviceId: row.id, deviceKey, isNew: true };
}

export function createDevices(ctx: IdentityContext) {
  const { db, clock } = ctx;
  return {
    /** Whether the user signed in on this device before and it was not removed (issue 5). */
    async isKnown(userId: string, deviceKey: string | undefined): Promise<boolean> {
      return (await findDevice(db, userId, deviceKey)) !== undefined;
    },

    /** When the user first signed in on this device, or null for a device never seen (issue 5:
     *  "a new device" for events after sign-in is one first seen recently). */
    async firstSeenAt(userId: string, deviceKey: string | undefined): Promise<Date | null> {
      return (await findDevice(db, userId, deviceKey))?.first_seen_at ?? null;
    },

    async list(userId: string): Promise<Device[]> {
      const rows = await db
        .selectFrom('devices')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('last_seen_at', 'desc')
        .limit(DEVICES_LISTED_MAX)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        browser: r.browser,
        os: r.os,
        firstSeenAt: r.first_seen_at,
        lastSeenAt: r.last_seen_at,
        lastIp: r.last_ip,
        lastCountry: r.last_country,
        lastCity: r.last_city,
      }));
    },

    async rename(userId: string, deviceId: string, name: string): Promise<void> {
      const result = await db
        .updateTable('devices')
        .set({ name: name.slice(0, DEVICE_NAME_LENGTH_MAX) })
        .where('id', '=', deviceId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.DEVICE_NOT_FOUND);
    },

    /** Forgets a device and ends its sessions; it will count as new at its next sign-in. */
    async remove(userId: string, deviceId: string): Promise<void> {
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('devices')
          .set({ revoked_at: new Date(nowMs) })
          .where('id', '=', deviceId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.DEVICE_NOT_FOUND);
        await trx
          .updateTable('sessions')
          .set({ ended_at: new Date(nowMs) })
          .where('device_id', '=', deviceId)
          .where('ended_at', 'is', null)
          .execute();
      });
    },
  };
}
