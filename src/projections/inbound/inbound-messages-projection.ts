import type { Transaction } from 'kysely';
import { deterministicUuid } from '../../domain/ids.ts';
import { PROVIDER_CALLBACK_EVENT_TYPES, type ProviderCallbackReceived } from '../../domain/notifications/provider-callback-events.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** The id of an inbound message: the provider's own message id, so a redelivery is the same row. */
export const inboundMessageId = (provider: string, providerMessageId: string): string => deterministicUuid('inbound-message', provider, providerMessageId);

/**
 * Every reply a patient sent us, as the callback recorded it (STOP and START included, beside
 * what they caused). Acting on the others is the conversations work; this keeps them readable.
 */
export const inboundMessagesProjection: ReadModelProjection = {
  name: 'inbound-messages',
  kind: 'read-model',
  handles: (e) => e.type === PROVIDER_CALLBACK_EVENT_TYPES.received && (e.data as ProviderCallbackReceived).replies.length > 0,
  async applyAll(trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]) {
    const rows = events.flatMap((event) =>
      (event.data as ProviderCallbackReceived).replies.map((reply) => ({
        message_id: inboundMessageId(reply.provider, reply.messageId),
        channel: reply.channel,
        provider: reply.provider,
        provider_message_id: reply.messageId,
        sender: reply.from,
        text: reply.text ?? null,
        intent: reply.intent,
        received_at: reply.receivedAt,
        callback_event_id: event.id,
      })),
    );
    // The first callback to carry a message names it; a later one carrying it again changes nothing.
    if (rows.length > 0) await trx.insertInto('inbound_messages').values(rows).onConflict((oc) => oc.column('message_id').doNothing()).execute();
  },
};
