import type { Kysely } from 'kysely';

// The address a notification went to is kept sealed (a cell), so it is looked up by its keyed hash:
// the person behind a reply or an opt-out, the notifications in a conversation, an auditor's search.
// Rows written before it have none until the read models are rebuilt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('recipient_address_hash', 'text').execute();
  await db.schema
    .createIndex('notifications_address_hash')
    .on('notifications')
    .columns(['recipient_address_hash', 'created_at'])
    .where('recipient_address_hash', 'is not', null)
    .execute();
}
