import type { Transaction } from 'kysely';
import { deterministicUuid } from '../../domain/ids.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import { PROVIDER_CALLBACK_EVENT_TYPES, type InboundReply, type ProviderCallbackReceived } from '../../domain/notifications/provider-callback-events.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** The id of an inbound message: the provider's own message id, so a redelivery is the same row. */
export const inboundMessageId = (provider: string, providerMessageId: string): string => deterministicUuid('inbound-message', provider, providerMessageId);

/**
 * Every reply a patient sent us, as the callback recorded it (STOP and START included, beside
 * what they caused). Acting on the others is the conversations work; this keeps them readable.
 * The sender and the words are copied sealed as the ledger keeps them; the sender's keyed hash is
 * what finds a person's rows (erasure).
 */
export function inboundMessagesProjection(keys: Pick<LedgerKeys, 'contactHash'>): ReadModelProjection {
  return {
    name: 'inbound-messages',
    kind: 'read-model',
    handles: (e) => e.type === PROVIDER_CALLBACK_EVENT_TYPES.received && (e.data as ProviderCallbackReceived).replies.length > 0,
    async applyAll(trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]) {
      const rows = events.flatMap((event) => (event.data as ProviderCallbackReceived).replies.map((reply, i) => inboundRow(keys, event, reply, i)));
      // The first callback to carry a message names it; a later one carrying it again changes nothing.
      if (rows.length > 0) await trx.insertInto('inbound_messages').values(rows).onConflict((oc) => oc.column('message_id').doNothing()).execute();
    },
  };
}

function inboundRow(keys: Pick<LedgerKeys, 'contactHash'>, event: RecordedEvent, reply: InboundReply, index: number) {
  return {
    message_id: inboundMessageId(reply.provider, reply.messageId),
    channel: reply.channel,
    provider: reply.provider,
    provider_message_id: reply.messageId,
    sender: sealedAt<string>(event, ['replies', index, 'from']),
    // A sender whose key was gone when this applied reads `[erased]`: it has no hash, as a scrubbed row.
    sender_hash: reply.from === ERASED ? null : contactHash(keys, contactKindOf(reply.channel), reply.from),
    // No words (media without a caption) stay null, not a cell of nothing: an erasure scrubs only words there were.
    text: reply.text === undefined || reply.text === null ? null : sealedAt<string>(event, ['replies', index, 'text']),
    intent: reply.intent,
    received_at: reply.receivedAt,
    callback_event_id: event.id,
  };
}
