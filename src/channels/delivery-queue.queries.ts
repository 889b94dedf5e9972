import { sql, type Kysely } from 'kysely';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';

export interface ClaimedDelivery {
  notification_id: string;
  channel: string;
}

/**
 * Claims due notifications for one worker, up to a limit per channel: rows nobody holds (or whose
 * lease ran out), oldest due first within each channel, skipping rows another worker is claiming at
 * this very moment. Times come from our Clock. A limit per channel keeps a channel held back by its
 * rate limit from filling the claim: each channel takes only what it can send soon.
 *
 * One statement for every channel, not one claim per channel: the dispatcher claims many times a
 * second, and a statement per channel would multiply that.
 *
 * The same statement takes the worker's `sent` rows off the queue: sent since its last claim, they
 * are still due and held until the read model applies their NotificationSent, and every claim
 * meanwhile walks past them on the due index (at full speed, most of what a claim read). Taken off
 * here, the read model's update finds `due_at` already null and changes no indexed column, so
 * PostgreSQL updates the row in place (a HOT update, with the room migration 0020 leaves).
 */
export async function claimDue(
  db: Kysely<ReadModelDatabase>,
  options: { worker: string; now: Date; leaseMs: number; limits: Readonly<Partial<Record<string, number>>>; sent?: readonly string[] },
): Promise<ClaimedDelivery[]> {
  const { worker, now, leaseMs } = options;
  const lanes = Object.entries(options.limits).filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0);
  if (lanes.length === 0) {
    if (options.sent?.length) await takeOffQueue(db, worker, options.sent).execute();
    return [];
  }
  // Each channel's rows are its own call with its own limit, read off the due index by channel
  // (a lateral join over a list of limits left the planner blind to each limit, and it sorted every
  // due row of every channel for each claim), in a plain index scan (see migration 0020).
  const due = lanes.map(([channel, limit]) => sql`array(select notifications_due(${channel}, ${now}, ${limit}))`);
  const claim = db
    .updateTable('notifications')
    .set({ locked_by: worker, locked_until: new Date(now.getTime() + leaseMs) })
    // The claimed ids reach the update as one array value, so it finds them by primary key; an
    // `in (subquery)` may be planned as a hash join over a scan of every notification ever sent.
    .where(sql<boolean>`notification_id = any(${sql.join(due, sql` || `)})`)
    .returning(['notification_id', 'channel']);
  if (!options.sent?.length) return claim.execute();
  // A sent row whose lease ran out is due to the claim as well: it is left to the one update.
  const others = claim.where(sql<boolean>`not (notification_id = any(${[...options.sent]}::uuid[]))`);
  const { rows } = await sql<ClaimedDelivery>`with sent as (${takeOffQueue(db, worker, options.sent)}) ${others}`.execute(db);
  return rows;
}

/**
 * Sent notifications off the queue, those `worker` still holds: never due again. A row the read
 * model holds at this moment is passed over, not waited for (its update takes the row off if it
 * applies the send): the read model locks a batch's rows in id order and this update in any, and
 * waiting on each other the two deadlocked.
 */
const takeOffQueue = (db: Kysely<ReadModelDatabase>, worker: string, notificationIds: readonly string[]) =>
  db
    .updateTable('notifications')
    .set({ due_at: null, locked_by: null, locked_until: null })
    .where(sql<boolean>`notification_id = any(array(${db
      .selectFrom('notifications')
      .select('notification_id')
      .where(sql<boolean>`notification_id = any(${[...notificationIds]}::uuid[])`)
      .where('locked_by', '=', worker)
      .forUpdate()
      .skipLocked()}))`);

/**
 * Hands notifications back, in one statement; only their holder may. `dueAt` null: not due again
 * (finished); a time: due then (a retry); omitted: each keeps its place in line.
 */
export async function releaseDeliveries(
  db: Kysely<ReadModelDatabase>,
  options: { notificationIds: readonly string[]; worker: string; dueAt?: Date | null },
): Promise<void> {
  if (options.notificationIds.length === 0) return;
  await db
    .updateTable('notifications')
    .set({ locked_by: null, locked_until: null, ...(options.dueAt === undefined ? {} : { due_at: options.dueAt }) })
    .where('notification_id', 'in', options.notificationIds)
    .where('locked_by', '=', options.worker)
    .execute();
}

/**
 * When the next notification nobody holds falls due, so an idle dispatcher sleeps no longer than
 * that (it never sleeps past its poll interval, which is also when a lapsed lease is noticed). The
 * earliest such row read off the due index: a min() over every pending row was planned as a scan
 * of the whole table where statistics were missing or stale.
 */
export async function nextDueAt(db: Kysely<ReadModelDatabase>, now: Date, channels?: readonly string[]): Promise<Date | null> {
  if (channels?.length === 0) return null;
  let next = db.selectFrom('notifications');
  // Only the channels that wait for work: one busy at its limit has rows due now, and is woken by its own sends.
  if (channels) next = next.where('channel', 'in', channels);
  const row = await next
    .select(sql<Date>`greatest(due_at, locked_until)`.as('next'))
    .where('due_at', 'is not', null)
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next ? new Date(row.next) : null;
}
