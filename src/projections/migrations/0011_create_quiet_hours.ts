import type { Kysely } from 'kysely';

// Each centre's quiet hours as admins last set them (null `quiet_hours` once cleared), as the
// planner applies them in ledger order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('quiet_hours')
    .addColumn('centre_id', 'text', (c) => c.primaryKey())
    .addColumn('quiet_hours', 'jsonb')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_commit', 'numeric(20, 0)', (c) => c.notNull())
    .addColumn('last_prepare', 'numeric(20, 0)', (c) => c.notNull())
    .execute();
}
