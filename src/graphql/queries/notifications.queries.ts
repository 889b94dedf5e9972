import { sql, type Kysely, type Selectable } from 'kysely';
import type { NotificationTable, ReadModelDatabase } from '../../projections/read-model-database.ts';

export type NotificationRow = Selectable<NotificationTable>;

export interface NotificationFilter {
  eventType?: string | null;
  channel?: string | null;
  status?: string | null;
  /** A recipient's person id, or the keyed hashes of an exact address (rows keep the address sealed). */
  recipient?: { id: string; addressHashes: readonly string[] } | null;
  centreId?: string | null;
  bookingReference?: string | null;
  from?: Date | null;
  to?: Date | null;
  /** true: only fallbacks; false: only originals. */
  fallback?: boolean | null;
}

/** A position in the newest-first order: created_at in microseconds since the epoch, then the id. */
export interface NotificationCursor {
  createdAtMicros: string;
  notificationId: string;
}

export type NotificationPageRow = NotificationRow & { created_at_micros: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isNotificationId = (id: string): boolean => UUID.test(id);

export async function findNotification(db: Kysely<ReadModelDatabase>, notificationId: string): Promise<NotificationRow | null> {
  if (!isNotificationId(notificationId)) return null;
  const row = await db.selectFrom('notifications').selectAll().where('notification_id', '=', notificationId).executeTakeFirst();
  return row ?? null;
}

/** The fallbacks that stood in for a notification, oldest first. */
export async function fallbacksOf(db: Kysely<ReadModelDatabase>, notificationId: string): Promise<NotificationRow[]> {
  return db.selectFrom('notifications').selectAll().where('fallback_of', '=', notificationId).orderBy('created_at').execute();
}

export async function findNotificationsByIds(db: Kysely<ReadModelDatabase>, notificationIds: readonly string[]): Promise<NotificationRow[]> {
  const ids = notificationIds.filter(isNotificationId);
  if (ids.length === 0) return [];
  return db.selectFrom('notifications').selectAll().where('notification_id', 'in', ids).execute();
}

export async function notificationsOfEvent(db: Kysely<ReadModelDatabase>, eventId: string): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('created_at')
    .orderBy('notification_id')
    .execute();
}

/**
 * One page of notifications, newest first, after `cursor` (keyset on created_at, notification_id;
 * the index notifications_created serves it). Asks for one row more than `limit` to know whether
 * another page follows.
 */
export async function listNotifications(
  db: Kysely<ReadModelDatabase>,
  filter: NotificationFilter,
  page: { limit: number; after: NotificationCursor | null },
): Promise<{ rows: NotificationPageRow[]; hasNextPage: boolean }> {
  let query = db
    .selectFrom('notifications')
    .selectAll()
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created_at_micros'));
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.centreId) query = query.where('centre_id', '=', filter.centreId);
  if (filter.bookingReference) query = query.where('booking_reference', '=', filter.bookingReference);
  if (filter.fallback != null) query = query.where('fallback_of', filter.fallback ? 'is not' : 'is', null);
  if (filter.recipient) {
    const { id, addressHashes } = filter.recipient;
    query = query.where((eb) => eb.or([eb('recipient_id', '=', id), ...(addressHashes.length > 0 ? [eb('recipient_address_hash', 'in', addressHashes)] : [])]));
  }
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  if (page.after) {
    const at = sql<Date>`timestamptz 'epoch' + ${page.after.createdAtMicros}::bigint * interval '1 microsecond'`;
    query = query.where(sql<boolean>`(created_at, notification_id) < (${at}, ${page.after.notificationId}::uuid)`);
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('notification_id', 'desc').limit(page.limit + 1).execute();
  return { rows: rows.slice(0, page.limit), hasNextPage: rows.length > page.limit };
}

export function encodeCursor(row: NotificationPageRow): string {
  return Buffer.from(`${row.created_at_micros}:${row.notification_id}`).toString('base64url');
}

export function decodeCursor(cursor: string): NotificationCursor | null {
  const match = /^(\d{1,19}):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isNotificationId(match[2]!)) return null;
  return { createdAtMicros: match[1]!, notificationId: match[2]! };
}

export interface DeliveryStatsRow {
  channel: string;
  status: string;
  count: number;
}

/** Notifications created in [from, to), counted by channel and status. */
export async function deliveryStats(db: Kysely<ReadModelDatabase>, range: { from?: Date | null; to?: Date | null }): Promise<DeliveryStatsRow[]> {
  let query = db
    .selectFrom('notifications')
    .select(['channel', 'status', sql<string>`count(*)::text`.as('count')])
    .groupBy(['channel', 'status']);
  if (range.from) query = query.where('created_at', '>=', range.from);
  if (range.to) query = query.where('created_at', '<', range.to);
  const rows = await query.orderBy('channel').orderBy('status').execute();
  return rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.count) }));
}
