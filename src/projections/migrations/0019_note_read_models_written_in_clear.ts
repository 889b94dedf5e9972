import { sql, type Kysely } from 'kysely';

// Read models written before they kept personal data sealed hold it in clear: this notes that, when
// there is anything written, so the service can say so at every start until `npm run migrate:encrypt`
// rebuilds them from the ledger (the rebuilt read models start from empty tables and note nothing).
const WRITTEN_BEFORE = ['notifications', 'conversations', 'inbound_messages', 'staff_alerts', 'reminder_appointments', 'contact_blocks', 'staff_member_versions', 'webhook_deliveries'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('read_models_written_in_clear').addColumn('noted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`)).execute();
  const anyRow = sql.join(WRITTEN_BEFORE.map((table) => sql`exists (select 1 from ${sql.table(table)})`), sql` or `);
  await sql`insert into read_models_written_in_clear (noted_at) select now() where ${anyRow}`.execute(db);
}
