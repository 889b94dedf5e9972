import { sql, type Kysely } from 'kysely';

// Reminders (the reaction's per-appointment schedule, the centres' offsets, the due-time read model
// the scheduler claims from), emergency-leave announcements, and walk-in turns. Positions are kept
// as the (commit, prepare) pair in numeric columns: xid8 and KurrentDB positions are unsigned 64-bit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reminder_appointments')
    .addColumn('appointment_id', 'text', (c) => c.primaryKey())
    .addColumn('centre_id', 'text')
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('visit', 'jsonb')
    .addColumn('stream_revision', 'bigint', (c) => c.notNull())
    .addColumn('decisions', 'jsonb', (c) => c.notNull())
    .addColumn('last_commit', 'numeric', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reminder_offsets')
    .addColumn('centre_id', 'text', (c) => c.primaryKey())
    .addColumn('offsets', 'jsonb', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reminders')
    .addColumn('reminder_id', 'uuid', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('reminder_offset', 'text', (c) => c.notNull())
    .addColumn('scheduled_by', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('slot_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('fired_at', 'timestamptz')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('reminders_due')
    .on('reminders')
    .columns(['due_at'])
    .where(sql.ref('status'), '=', 'scheduled')
    .execute();
  await db.schema.createIndex('reminders_appointment').on('reminders').columns(['appointment_id', 'due_at']).execute();

  await db.schema
    .createTable('emergency_leave_appointments')
    .addColumn('appointment_id', 'text', (c) => c.primaryKey())
    .addColumn('leave_event_id', 'text', (c) => c.notNull())
    .addColumn('doctor_id', 'text', (c) => c.notNull())
    .addColumn('announced_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('walkin_thresholds')
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('threshold', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric', (c) => c.notNull())
    .addPrimaryKeyConstraint('walkin_thresholds_pk', ['centre_id', 'queue_id'])
    .execute();

  await db.schema
    .createTable('walkin_queues')
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('last_occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric', (c) => c.notNull())
    .addPrimaryKeyConstraint('walkin_queues_pk', ['centre_id', 'queue_id'])
    .execute();

  await db.schema
    .createTable('walkin_tokens')
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('local_date', 'text', (c) => c.notNull())
    .addColumn('token_number', 'text', (c) => c.notNull())
    .addColumn('called', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('notified_commit', 'numeric')
    .addColumn('notified_prepare', 'numeric')
    .addColumn('notified_position', 'integer')
    .addColumn('notified_threshold', 'integer')
    .addPrimaryKeyConstraint('walkin_tokens_pk', ['centre_id', 'queue_id', 'local_date', 'token_number'])
    .execute();
}
