import type { Kysely } from 'kysely';

// In-app alerts for staff: one row per in-app notification, visible to its staff member once
// delivered, unread until they (or an admin) mark it read.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_alerts')
    .addColumn('notification_id', 'uuid', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('selection', 'jsonb', (c) => c.notNull())
    .addColumn('planned_at', 'timestamptz', (c) => c.notNull())
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('read_at', 'timestamptz')
    .addColumn('read_by', 'text')
    .execute();
  await db.schema.createIndex('staff_alerts_inbox').on('staff_alerts').columns(['staff_id', 'delivered_at', 'notification_id']).execute();
}
