import type { Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { ErasureReads } from '../../commands/erasure/erase-person.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** What erasure asks the read models, before they are scrubbed. */
export function erasureReads(db: Kysely<ReadModelDatabase>): ErasureReads {
  return {
    async knownAddresses(kind, id) {
      const sent = await db
        .selectFrom('notifications')
        .select(['channel', 'recipient_address'])
        .distinct()
        .where('recipient_kind', '=', kind)
        .where('recipient_id', '=', id)
        .where('recipient_address', 'is not', null)
        .execute();
      const joined = kind === 'patient' ? await db.selectFrom('conversation_patients').select('conversation_id').where('patient_id', '=', id).execute() : [];
      return {
        addresses: sent.flatMap((r) => (r.recipient_address ? [{ channel: r.channel as Channel, address: r.recipient_address }] : [])),
        conversations: joined.map((r) => r.conversation_id),
      };
    },
    async waitingNotifications(kind, id) {
      const rows = await db
        .selectFrom('notifications')
        .select('notification_id')
        .where('recipient_kind', '=', kind)
        .where('recipient_id', '=', id)
        .where('status', 'in', ['planned', 'deferred'])
        .execute();
      return rows.map((r) => r.notification_id);
    },
  };
}
