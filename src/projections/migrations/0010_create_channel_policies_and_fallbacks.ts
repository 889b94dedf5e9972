import { sql, type Kysely } from 'kysely';

// Channel policies admins set, the latest per (event type, centre; '' for every centre), as the
// planner applies them in ledger order; what a fallback needs of each notification that may have
// one; the timers for "not delivered in time"; and which notification a fallback stands in for.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('channel_policies')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('policy', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric(20, 0)', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_policies_pk', ['event_type', 'centre_id'])
    .execute();
  await db.schema
    .createTable('fallback_sources')
    .addColumn('notification_id', 'text', (c) => c.primaryKey())
    .addColumn('fallback_of', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('arm', 'jsonb', (c) => c.notNull())
    .addColumn('send_by', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('delivered', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('fallback_id', 'text')
    .execute();
  await db.schema
    .createTable('fallback_watches')
    .addColumn('notification_id', 'text', (c) => c.primaryKey())
    .addColumn('fallback_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fallback_watches_due').on('fallback_watches').column('due_at').execute();
  await db.schema.alterTable('notifications').addColumn('fallback_of', 'text').execute();
  await db.schema.createIndex('notifications_fallback_of').on('notifications').column('fallback_of').where(sql.ref('fallback_of'), 'is not', null).execute();
}
