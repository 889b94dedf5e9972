import { sql, type Kysely, type Selectable } from 'kysely';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import type { NotificationPlanned, Selection } from '../../domain/notifications/notification-events.ts';
import { idOf } from '../../domain/stream-name.ts';
import { wordsOf, type RenderRecordedVersion } from '../../domain/templates/recorded-content.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import type { StaffAlertTable, UnroutedStaffEventTable } from './staff-routing.tables.ts';

type Db = Kysely<ReadModelDatabase>;

/**
 * One in-app alert, as kept: its title and body sealed as the ledger keeps them (cells). The API
 * opens them with SealedCells as it answers; the staff member sees the words.
 */
export interface StaffAlert {
  notificationId: string;
  staffId: string;
  eventId: string;
  eventType: string;
  centreId: string | null;
  title: string;
  body: string;
  /** The routing rule (and version) that chose this staff member. */
  selection: Selection;
  deliveredAt: Date;
  readAt: Date | null;
  readBy: string | null;
}

export interface UnroutedStaffEvent {
  eventId: string;
  eventType: string;
  centreId: string;
  reason: string;
  matchedRules: { ruleId: string; version: number }[];
  recordedAt: Date;
}

export const MAX_PAGE = 500;

/**
 * An in-app alert's title and body as the read model keeps them: copied sealed from the recorded
 * words of its NotificationPlanned (under the staff member's keys, or the patient's when the alert
 * is about one). A notification planned before words were recorded has only its sealed variables:
 * its words are rendered from them, and kept as rendered.
 */
export function alertWordsOf(planned: RecordedEvent, render: RenderRecordedVersion): { title: string; body: string } {
  const p = planned.data as NotificationPlanned;
  const notificationId = idOf(planned.stream)!;
  if (p.content) {
    if (p.content.channel !== 'in_app') throw new Error(`in-app alert ${notificationId} records ${p.content.channel} words`);
    return { title: sealedAt<string>(planned, ['content', 'title']), body: sealedAt<string>(planned, ['content', 'body']) };
  }
  const rendered = wordsOf(p, render);
  // The planner rendered it before planning it (and recorded it since templates are ledger data), so this cannot fail short of a bug.
  if (!rendered.ok || rendered.value.channel !== 'in_app') throw new Error(`in-app alert ${notificationId} does not render: ${rendered.ok ? 'wrong channel' : rendered.error.message}`);
  return { title: rendered.value.title, body: rendered.value.body };
}

/**
 * Delivering an in-app alert: the row becomes visible to its staff member. The row's facts come
 * from the notification the dispatcher claimed (already in the deliveries read model); its words
 * are given as kept (sealed, from the NotificationPlanned), and answered as kept.
 */
export async function storeDeliveredAlert(
  db: Db,
  alert: { notificationId: string; staffId: string; title: string; body: string; deliveredAt: Date },
): Promise<StaffAlert | null> {
  const { notificationId, staffId, title, body, deliveredAt } = alert;
  const row = await db
    .insertInto('staff_alerts')
    .columns(['notification_id', 'staff_id', 'event_id', 'event_type', 'centre_id', 'title', 'body', 'selection', 'planned_at', 'delivered_at'])
    .expression((eb) =>
      eb.selectFrom('notifications')
        .select((s) => [
          'notification_id',
          s.val(staffId).as('staff_id'),
          'event_id',
          'event_type',
          'centre_id',
          s.val(title).as('title'),
          s.val(body).as('body'),
          'selection',
          'created_at',
          sql<Date>`cast(${deliveredAt.toISOString()} as timestamptz)`.as('delivered_at'),
        ])
        .where('notification_id', '=', notificationId))
    .onConflict((oc) => oc.column('notification_id').doUpdateSet({ delivered_at: sql`coalesce(staff_alerts.delivered_at, excluded.delivered_at)` }))
    .returningAll()
    .executeTakeFirst();
  return row ? toAlert(row) : null;
}

/** A staff member's delivered alerts, newest first. */
export async function listStaffAlerts(db: Db, staffId: string, options: { unreadOnly?: boolean; limit?: number } = {}): Promise<StaffAlert[]> {
  let query = db
    .selectFrom('staff_alerts')
    .selectAll()
    .where('staff_id', '=', staffId)
    .where('delivered_at', 'is not', null);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  const rows = await query
    .orderBy('delivered_at', 'desc')
    .orderBy('notification_id', 'desc')
    .limit(Math.min(options.limit ?? 100, MAX_PAGE))
    .execute();
  return rows.map(toAlert);
}

export async function findStaffAlert(db: Db, notificationId: string): Promise<StaffAlert | null> {
  const row = await db.selectFrom('staff_alerts').selectAll().where('notification_id', '=', notificationId).where('delivered_at', 'is not', null).executeTakeFirst();
  return row ? toAlert(row) : null;
}

/** Read-your-writes for the mutation; the staff-alerts projection sets the same values from the ledger. */
export async function setStaffAlertRead(db: Db, notificationId: string, readAt: Date, readBy: string): Promise<void> {
  await db.updateTable('staff_alerts').set({ read_at: readAt, read_by: readBy }).where('notification_id', '=', notificationId).where('read_at', 'is', null).execute();
}

/** Staff events that reached nobody, newest first. */
export async function listUnroutedStaffEvents(
  db: Db,
  filter: { eventType?: string | null; centreId?: string | null; limit?: number } = {},
): Promise<UnroutedStaffEvent[]> {
  let query = db.selectFrom('unrouted_staff_events').selectAll();
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.centreId) query = query.where('centre_id', '=', filter.centreId);
  const rows = await query.orderBy('recorded_at', 'desc').orderBy('event_id', 'desc').limit(Math.min(filter.limit ?? 100, MAX_PAGE)).execute();
  return rows.map(toUnrouted);
}

function toAlert(row: Selectable<StaffAlertTable>): StaffAlert {
  return {
    notificationId: row.notification_id,
    staffId: row.staff_id,
    eventId: row.event_id,
    eventType: row.event_type,
    centreId: row.centre_id,
    title: row.title,
    body: row.body,
    selection: row.selection as Selection,
    deliveredAt: new Date(row.delivered_at!),
    readAt: row.read_at ? new Date(row.read_at) : null,
    readBy: row.read_by,
  };
}

function toUnrouted(row: Selectable<UnroutedStaffEventTable>): UnroutedStaffEvent {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    centreId: row.centre_id,
    reason: row.reason,
    matchedRules: row.matched_rules as UnroutedStaffEvent['matchedRules'],
    recordedAt: new Date(row.recorded_at),
  };
}

/** The staff-alerts read model as the mark-read command needs it. */
export const staffAlertBook = (db: Db) => ({
  find: (notificationId: string) => findStaffAlert(db, notificationId),
  markRead: (notificationId: string, readAt: Date, readBy: string) => setStaffAlertRead(db, notificationId, readAt, readBy),
});
