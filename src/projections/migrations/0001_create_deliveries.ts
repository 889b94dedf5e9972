import { sql, type Kysely } from 'kysely';

// Checkpoints, the inbound inbox and the notifications read model. Written with the schema builder
// (no raw table names) so a rebuild can run the same migrations into another schema.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('projection_checkpoints')
    .addColumn('projection', 'text', (c) => c.primaryKey())
    .addColumn('commit_position', 'text', (c) => c.notNull())
    .addColumn('prepare_position', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inbound_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('receipts', 'integer', (c) => c.notNull())
    .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mismatched_duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('applied_revision', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_events_received').on('inbound_events').columns(['last_received_at']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('notification_id', 'uuid', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('booking_reference', 'text')
    .addColumn('appointment_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient_kind', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    .addColumn('recipient_address', 'text')
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('template_key', 'text')
    .addColumn('template_version', 'integer')
    .addColumn('selection', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('suppression_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('possible_duplicate', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('due_at', 'timestamptz')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('applied_revision', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['due_at'])
    .where(sql.ref('due_at'), 'is not', null)
    .execute();
  await db.schema.createIndex('notifications_event').on('notifications').columns(['event_id']).execute();
  await db.schema.createIndex('notifications_provider_message').on('notifications').columns(['provider_message_id']).execute();
  await db.schema.createIndex('notifications_created').on('notifications').columns(['created_at', 'notification_id']).execute();
  await db.schema.createIndex('notifications_centre').on('notifications').columns(['centre_id', 'created_at']).execute();
}
