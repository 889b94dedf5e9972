import { sql, type Kysely } from 'kysely';
import {
  CONVERSATION_EVENT_TYPES,
  patientMessageEventId,
  patientMessageOf,
  patientRepliedEventId,
  patientRepliedPayload,
  type KnownPatient,
  type PatientMessageReceived,
} from '../../domain/conversations/conversation-events.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { hashPayload, INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { contactHash, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import type { InboundReply } from '../../domain/notifications/provider-callback-events.ts';
import { streamName, type StreamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type NewEvent, type RecordedEvent } from '../../ledger/event-store.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

export interface ConversationAppend {
  stream: StreamName;
  event: NewEvent;
}

export interface ConversationContext {
  db: Kysely<ReadModelDatabase>;
  store: EventStore;
  keys: Pick<LedgerKeys, 'contactHash' | 'payloadHash'>;
  /** Opens the patients' names the read model keeps sealed: the alert names them. */
  cells: Pick<SealedCells, 'open'>;
  now: Date;
}

/**
 * What a patient's message records: a PatientMessageReceived on the number's conversation, and
 * unless it is a consent keyword, the `patient.replied` staff event that alerts the front desk.
 * Ids come from the provider's message id, so a callback delivered three times records one of each.
 */
export async function conversationAppends(context: ConversationContext, reply: InboundReply, callback: RecordedEvent): Promise<ConversationAppend[]> {
  const conversationId = contactHash(context.keys, 'phone', reply.from);
  const patients = await context.cells.open(await knownPatients(context.db, conversationId));
  const last = await lastNotificationTo(context.db, conversationId);
  const message = patientMessageOf(reply, { conversationId, patients, centreId: last?.centre_id ?? null, callbackId: callback.id });
  const messageEventId = patientMessageEventId(reply.provider, reply.messageId);
  const appends: ConversationAppend[] = [{
    stream: streamName.conversation(conversationId),
    event: {
      id: messageEventId,
      type: CONVERSATION_EVENT_TYPES.messageReceived,
      data: message,
      metadata: { actor: reply.provider, sourceId: `${reply.provider}:${reply.messageId}`, causationId: callback.id, correlationId: callback.id },
    },
  }];
  const centre = last ? await centreOfEvent(context.store, last.event_id) : null;
  const payload = patientRepliedPayload(message, patients, centre);
  if (payload) appends.push(repliedAppend(message, messageEventId, payload, context.now, context.keys.payloadHash));
  return appends;
}

/** The generated staff event, recorded like an inbound one so staff routing sends it. */
function repliedAppend(message: PatientMessageReceived, messageEventId: string, data: Record<string, unknown>, now: Date, hashKey: Buffer): ConversationAppend {
  const eventId = patientRepliedEventId(messageEventId);
  const envelope = { type: 'patient.replied' as const, occurredAt: message.sentAt, data };
  const receipt: InboundEventReceived = { eventId, ...envelope, receivedAt: now.toISOString(), via: 'system', payloadHash: hashPayload(envelope, hashKey) };
  return {
    stream: streamName.inbound(eventId),
    event: {
      id: deterministicUuid('patient-replied', messageEventId),
      type: INBOUND_RECEIVED,
      data: receipt,
      metadata: { correlationId: eventId, causationId: messageEventId },
    },
  };
}

/** The patients events have named with this number, the most recently named first; their names as the read model keeps them (sealed). */
export async function knownPatients(db: Kysely<ReadModelDatabase>, conversationId: string): Promise<KnownPatient[]> {
  const rows = await db
    .selectFrom('conversation_patients')
    .select(['patient_id', 'patient_name'])
    .where('conversation_id', '=', conversationId)
    .orderBy('last_seen_at', 'desc')
    .orderBy('patient_id')
    .limit(50)
    .execute();
  return rows.map((r) => ({ id: r.patient_id, name: r.patient_name }));
}

/**
 * The last notification sent to a patient's number on WhatsApp or SMS: its centre is the
 * conversation's. Found by the number's keyed hash, which is the conversation's id.
 */
async function lastNotificationTo(db: Kysely<ReadModelDatabase>, conversationId: string) {
  return db
    .selectFrom('notifications')
    .select(['centre_id', 'event_id'])
    .where('recipient_address_hash', '=', conversationId)
    .where('recipient_kind', '=', 'patient')
    .where('channel', 'in', ['whatsapp', 'sms'])
    .where('provider_message_id', 'is not', null)
    // The front desk's own replies are answers, not what the patient is answering.
    .where(sql<boolean>`selection->>'kind' <> 'reply'`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The centre as the event behind that notification named it (its name and time zone, for the alert). */
async function centreOfEvent(store: EventStore, eventId: string): Promise<Record<string, unknown> | null> {
  const [first] = await readStreamToArray(store, streamName.inbound(eventId));
  if (!first || first.type !== INBOUND_RECEIVED) return null;
  const centre = (first.data as InboundEventReceived).data.centre;
  return typeof centre === 'object' && centre !== null ? (centre as Record<string, unknown>) : null;
}
