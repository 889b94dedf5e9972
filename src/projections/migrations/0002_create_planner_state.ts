import type { Kysely } from 'kysely';

// What the planner knows against addresses and people (opt-outs, bounces), as of the last event
// it planned: it folds these in ledger order, so each event is planned against what came before it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_blocks')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('block', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_blocks_pk', ['channel', 'address'])
    .execute();
  await db.schema
    .createTable('person_blocks')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('block', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('person_blocks_pk', ['channel', 'person_id'])
    .execute();
}
