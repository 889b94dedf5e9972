import { sql, type Kysely } from 'kysely';

// Conversations and inbound messages keep the number, the names and the words sealed (cells), so a
// number is no longer found by its value:
// - inbound_messages.sender_hash: the keyed hash of the sender, as erasure names a person's contacts;
//   null once scrubbed (an erased sender's hash would still link their rows);
// - conversation_messages.patient_id: the patient a front-desk reply went to, whose key seals its
//   words, so erasing one patient of a family number leaves the replies to the others readable.
// Rows from before keep both null: the scrubs still find them the way they did.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('inbound_messages').addColumn('sender_hash', 'text').execute();
  await db.schema.createIndex('inbound_messages_sender').on('inbound_messages').column('sender_hash').where(sql.ref('sender_hash'), 'is not', null).execute();
  await db.schema.alterTable('conversation_messages').addColumn('patient_id', 'text').execute();
  await db.schema.createIndex('conversation_messages_by_patient').on('conversation_messages').column('patient_id').where(sql.ref('patient_id'), 'is not', null).execute();
}
