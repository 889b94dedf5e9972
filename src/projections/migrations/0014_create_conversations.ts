import { sql, type Kysely } from 'kysely';

// Conversations by the keyed hash of the number, the patients known for each number, and every
// message in them (the patients' and the front desk's replies; template notifications are joined in
// from `notifications` by address when a thread is read).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('centre_id', 'text')
    .addColumn('last_message_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_inbound_at', 'timestamptz')
    .addColumn('window_closes_at', 'timestamptz')
    .addColumn('inbound_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replies', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('conversations_recent').on('conversations').columns(['last_message_at desc', 'conversation_id']).execute();
  await db.schema.createIndex('conversations_by_centre').on('conversations').columns(['centre_id', 'last_message_at desc']).execute();

  await db.schema
    .createTable('conversation_patients')
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('patient_name', 'text')
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_patients_pk', ['conversation_id', 'patient_id'])
    .execute();
  await db.schema.createIndex('conversation_patients_by_patient').on('conversation_patients').columns(['patient_id']).execute();

  await db.schema
    .createTable('conversation_messages')
    .addColumn('message_id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('media', 'jsonb')
    .addColumn('location', 'jsonb')
    .addColumn('intent', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('notification_id', 'uuid')
    .addColumn('sent_by', 'text')
    .addColumn('provider_message_id', 'text')
    .execute();
  await db.schema.createIndex('conversation_messages_thread').on('conversation_messages').columns(['conversation_id', 'at', 'message_id']).execute();
  await db.schema.createIndex('conversation_messages_by_notification').on('conversation_messages').column('notification_id').where(sql.ref('notification_id'), 'is not', null).execute();
}
