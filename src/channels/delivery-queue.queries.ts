import { sql, type Kysely } from 'kysely';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';

export interface ClaimedDelivery {
  notification_id: string;
  channel: string;
}

/**
 * Claims due notifications for one worker: rows nobody holds (or whose lease ran out), oldest due
 * first, skipping rows another worker is claiming at this very moment. Times come from our Clock.
 */
export async function claimDue(
  db: Kysely<ReadModelDatabase>,
  options: { worker: string; now: Date; leaseMs: number; limit: number; excludeChannels: readonly string[] },
): Promise<ClaimedDelivery[]> {
  const { worker, now, leaseMs, limit, excludeChannels } = options;
  let due = db
    .selectFrom('notifications')
    .select('notification_id')
    .where('due_at', '<=', now)
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', now)]));
  if (excludeChannels.length > 0) due = due.where('channel', 'not in', excludeChannels);
  return db
    .updateTable('notifications')
    .set({ locked_by: worker, locked_until: new Date(now.getTime() + leaseMs) })
    // The claimed ids reach the update as one array value, so it finds them by primary key; an
    // `in (subquery)` may be planned as a hash join over a scan of every notification ever sent.
    .where(sql<boolean>`notification_id = any(array(${due.orderBy('due_at').limit(limit).forUpdate().skipLocked()}))`)
    .returning(['notification_id', 'channel'])
    .execute();
}

/** Hands a notification back: not due again (finished) or due at `dueAt` (a retry). Only its holder may. */
export async function releaseDelivery(
  db: Kysely<ReadModelDatabase>,
  options: { notificationId: string; worker: string; dueAt: Date | null },
): Promise<void> {
  await db
    .updateTable('notifications')
    .set({ locked_by: null, locked_until: null, due_at: options.dueAt })
    .where('notification_id', '=', options.notificationId)
    .where('locked_by', '=', options.worker)
    .execute();
}

/**
 * When the next notification nobody holds falls due, so an idle dispatcher sleeps no longer than
 * that (it never sleeps past its poll interval, which is also when a lapsed lease is noticed). The
 * earliest such row read off the due index: a min() over every pending row was planned as a scan
 * of the whole table where statistics were missing or stale.
 */
export async function nextDueAt(db: Kysely<ReadModelDatabase>, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('notifications')
    .select(sql<Date>`greatest(due_at, locked_until)`.as('next'))
    .where('due_at', 'is not', null)
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next ? new Date(row.next) : null;
}
