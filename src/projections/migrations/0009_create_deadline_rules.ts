import type { Kysely } from 'kysely';

// The relevance deadline rules admins set, the latest per (event type, centre; '' for every centre),
// as the planner applies them in ledger order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deadline_rules')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text', (c) => c.notNull())
    .addColumn('rule', 'jsonb', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric(20, 0)', (c) => c.notNull())
    .addPrimaryKeyConstraint('deadline_rules_pk', ['event_type', 'centre_id'])
    .execute();
}
