import type { Kysely } from 'kysely';

// Templates as the planner folds them from the ledger: every publication and retirement with the
// ledger position it took effect at (so an event is planned with the version current before it,
// even when a batch is repeated), each version's content once, and what the WhatsApp provider said
// of the account's templates (whole snapshots, and single refusals of a send).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('template_history')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('template_history_pk', ['key', 'commit_position', 'prepare_position'])
    .execute();
  await db.schema.createIndex('template_history_by_type').on('template_history').columns(['event_type', 'channel']).execute();

  await db.schema
    .createTable('template_versions')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('template_versions_pk', ['key', 'version'])
    .execute();

  await db.schema
    .createTable('whatsapp_template_observations')
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('observed_by', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('templates', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('whatsapp_template_observations_pk', ['commit_position', 'prepare_position'])
    .execute();

  await db.schema
    .createTable('whatsapp_template_refusals')
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('refused_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('whatsapp_template_refusals_pk', ['commit_position', 'prepare_position'])
    .execute();
}
