import { sql, type Transaction } from 'kysely';
import { DUPLICATE_IGNORED, INBOUND_RECEIVED, type DuplicateIgnored, type InboundEventReceived } from '../domain/inbound-receipt.ts';
import { categoryOf, idOf } from '../domain/stream-name.ts';
import type { RecordedEvent } from '../ledger/event-store.ts';
import type { Projection } from './projection-runner.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

/** Every inbound event as received: when, how, how often repeated. */
export const inboxProjection: Projection = {
  name: 'inbox',
  handles: (e) => categoryOf(e.stream) === 'inbound' && (e.type === INBOUND_RECEIVED || e.type === DUPLICATE_IGNORED),
  async apply(trx: Transaction<ReadModelDatabase>, event: RecordedEvent) {
    const eventId = idOf(event.stream)!;
    const revision = event.revision.toString();
    if (event.type === INBOUND_RECEIVED) {
      const data = event.data as InboundEventReceived;
      const centre = (data.data as { centre?: { id?: unknown } }).centre;
      await trx
        .insertInto('inbound_events')
        .values({
          event_id: eventId,
          event_type: data.type,
          occurred_at: data.occurredAt,
          first_received_at: data.receivedAt,
          last_received_at: data.receivedAt,
          receipts: 1,
          via: data.via,
          centre_id: typeof centre?.id === 'string' ? centre.id : null,
          applied_revision: revision,
        })
        .onConflict((oc) =>
          oc.column('event_id').doUpdateSet({
            receipts: sql`inbound_events.receipts + 1`,
            last_received_at: data.receivedAt,
            applied_revision: revision,
          }).where('inbound_events.applied_revision', '<', revision),
        )
        .execute();
      return;
    }
    const data = event.data as DuplicateIgnored;
    await trx
      .updateTable('inbound_events')
      .set({
        duplicates: sql`duplicates + 1`,
        mismatched_duplicates: data.payloadMatches ? sql`mismatched_duplicates` : sql`mismatched_duplicates + 1`,
        applied_revision: revision,
      })
      .where('event_id', '=', eventId)
      .where('applied_revision', '<', revision)
      .execute();
  },
};
