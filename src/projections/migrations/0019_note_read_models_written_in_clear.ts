import { sql, type Kysely } from 'kysely';

// Read models written before they kept personal data sealed hold it in clear: this notes that, when
// there is anything written, so the service can say so at every start until `npm run migrate:encrypt`
// rebuilds them from the ledger (the rebuilt read models start from empty tables and note nothing).
// Built with the query builder, not raw SQL, so a rebuild into another schema looks at its own tables.
const WRITTEN_BEFORE = ['notifications', 'conversations', 'inbound_messages', 'staff_alerts', 'reminder_appointments', 'contact_blocks', 'staff_member_versions', 'webhook_deliveries'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('read_models_written_in_clear').addColumn('noted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`)).execute();
  for (const table of WRITTEN_BEFORE) {
    const written = await db.selectFrom(table as never).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
    if (written) {
      await db.insertInto('read_models_written_in_clear' as never).values({ noted_at: sql`now()` } as never).execute();
      return;
    }
  }
}
