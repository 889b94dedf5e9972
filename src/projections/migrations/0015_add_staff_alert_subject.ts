import type { Kysely } from 'kysely';

// Whose words an in-app alert carries when not its staff member's (a patient's reply, their report):
// erasing that patient scrubs the alert's words, as a rebuild would read them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('staff_alerts').addColumn('about_kind', 'text').execute();
  await db.schema.alterTable('staff_alerts').addColumn('about_id', 'text').execute();
  await db.schema.createIndex('staff_alerts_about').on('staff_alerts').columns(['about_kind', 'about_id']).where('about_id', 'is not', null).execute();
}
