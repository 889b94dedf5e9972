import { sql, type Kysely } from 'kysely';
import type { PatientEventType } from '../../domain/event-catalogue.ts';
import type { FallbackArm } from '../../domain/notifications/notification-events.ts';
import type { FallbackSource } from '../../domain/notifications/fallback.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

/** A sent notification waiting for its receipt. */
export interface FallbackWatch {
  notificationId: string;
  fallbackId: string;
  channel: string;
  policyVersion: number;
  minutes: number;
  dueAt: Date;
}

/** The sources of these notifications, those that have one. */
export async function loadFallbackSources(db: Db, ids: readonly string[]): Promise<FallbackSource[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('fallback_sources').selectAll().where('notification_id', '=', sql<string>`any(${ids}::text[])`).execute();
  return rows.map((r) => ({
    notificationId: r.notification_id,
    fallbackOf: r.fallback_of,
    eventType: r.event_type as PatientEventType,
    centreId: r.centre_id,
    arm: r.arm as FallbackArm,
    sendBy: r.send_by,
    revision: r.revision,
    delivered: r.delivered,
    fallbackId: r.fallback_id,
  }));
}

/** Sources as a batch leaves them, in one statement. */
export async function saveFallbackSources(db: Db, sources: readonly FallbackSource[]): Promise<void> {
  if (sources.length === 0) return;
  const values = [...sources]
    .sort((a, b) => (a.notificationId < b.notificationId ? -1 : 1))
    .map((s) => ({
      notification_id: s.notificationId,
      fallback_of: s.fallbackOf,
      event_type: s.eventType,
      centre_id: s.centreId,
      arm: JSON.stringify(s.arm),
      send_by: s.sendBy,
      revision: s.revision,
      delivered: s.delivered,
      fallback_id: s.fallbackId,
    }));
  await db
    .insertInto('fallback_sources')
    .values(values)
    .onConflict((oc) => oc.column('notification_id').doUpdateSet({
      revision: sql`excluded.revision`,
      delivered: sql`excluded.delivered`,
      fallback_id: sql`excluded.fallback_id`,
    }))
    .execute();
}

/** Watches set and ended by a batch: the ended ones go, then the set ones are written. */
export async function saveFallbackWatches(db: Db, set: readonly FallbackWatch[], ended: readonly string[]): Promise<void> {
  if (ended.length > 0) await endFallbackWatches(db, ended);
  if (set.length === 0) return;
  await db
    .insertInto('fallback_watches')
    .values([...set].sort((a, b) => (a.notificationId < b.notificationId ? -1 : 1)).map((w) => ({
      notification_id: w.notificationId,
      fallback_id: w.fallbackId,
      channel: w.channel,
      policy_version: w.policyVersion,
      minutes: w.minutes,
      due_at: w.dueAt.toISOString(),
    })))
    .onConflict((oc) => oc.column('notification_id').doNothing())
    .execute();
}

export async function endFallbackWatches(db: Db, ids: readonly string[]): Promise<void> {
  await db.deleteFrom('fallback_watches').where('notification_id', '=', sql<string>`any(${ids}::text[])`).execute();
}

/** Watches past due, oldest first. */
export async function dueFallbackWatches(db: Db, now: Date, limit: number): Promise<FallbackWatch[]> {
  const rows = await db.selectFrom('fallback_watches').selectAll().where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
  return rows.map((r) => ({
    notificationId: r.notification_id,
    fallbackId: r.fallback_id,
    channel: r.channel,
    policyVersion: r.policy_version,
    minutes: r.minutes,
    dueAt: new Date(r.due_at),
  }));
}

/** The next time a watch comes due, for the loop's sleep. */
export async function nextFallbackWatchDue(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('fallback_watches').select((eb) => eb.fn.min('due_at').as('due')).executeTakeFirst();
  return row?.due ? new Date(row.due) : null;
}
