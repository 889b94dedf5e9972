import type { Kysely } from 'kysely';

// The staff directory and routing rules as the planner folds them, one row per version with the
// ledger position it took effect at, so a staff event is routed against the versions recorded
// before it (even when a batch is repeated after a crash). Positions are numeric: KurrentDB's are
// unsigned 64-bit. Plus the planner's record of which staff events it routed, and the unrouted ones.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_member_versions')
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    .addColumn('centre_ids', 'jsonb', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_member_versions_pk', ['staff_id', 'revision'])
    .execute();

  await db.schema
    .createTable('routing_rule_versions')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('rule', 'jsonb', (c) => c.notNull())
    .addColumn('deleted', 'boolean', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('routing_rule_versions_pk', ['rule_id', 'version'])
    .execute();

  await db.schema
    .createTable('staff_event_routings')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('commit_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('prepare_position', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('recipients', 'integer', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('unrouted_staff_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('matched_rules', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('unrouted_staff_events_recorded')
    .on('unrouted_staff_events')
    .columns(['recorded_at', 'event_id'])
    .execute();
}
