import type { Kysely } from 'kysely';

// What the provider-callback reaction keeps, and the inbound messages read model:
// - provider_messages: the provider message id each NotificationSent recorded, so a status report
//   finds its notification without waiting for the deliveries read model;
// - pending_provider_reports: reports whose notification is not known yet, applied (and removed)
//   when its NotificationSent appears;
// - inbound_messages: every reply a patient sent us, as received.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('provider_messages')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_messages_pk', ['provider_message_id', 'provider'])
    .execute();
  await db.schema.createIndex('provider_messages_notification').on('provider_messages').column('notification_id').execute();

  await db.schema
    .createTable('pending_provider_reports')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('notification_hint', 'uuid')
    .addColumn('callback_event_id', 'uuid', (c) => c.notNull())
    .addColumn('report', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_provider_reports_pk', ['provider', 'report_id'])
    .execute();
  await db.schema.createIndex('pending_provider_reports_message').on('pending_provider_reports').column('provider_message_id').execute();
  await db.schema.createIndex('pending_provider_reports_hint').on('pending_provider_reports').column('notification_hint').execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('message_id', 'uuid', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('intent', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('callback_event_id', 'uuid', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_messages_received').on('inbound_messages').columns(['received_at', 'message_id']).execute();
}
