import { sql, type Transaction } from 'kysely';
import { CONVERSATION_EVENT_TYPES, patientMessageEventId, type PatientMessageReceived } from '../../domain/conversations/conversation-events.ts';
import { isPatientEventType } from '../../domain/event-catalogue.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { contactHash, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type NotificationFailed,
  type NotificationPlanned,
  type StatusReported,
} from '../../domain/notifications/notification-events.ts';
import { isWhatsAppTemplate } from '../../domain/templates/rendered-message.ts';
import { categoryOf, idOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** Meta's answer to a free-form message outside the 24-hour window. */
export const WINDOW_CLOSED_CODE = '131047';

export interface ConversationsProjectionOptions {
  keys: Pick<LedgerKeys, 'contactHash'>;
  /** Told after each commit which conversations changed: the live subscription's wake-up. */
  onChanged?: (conversationIds: readonly string[]) => void;
}

interface NamedPatient {
  id: string;
  name?: string;
  phone?: string;
}

/**
 * Conversations, their patients and their messages:
 * - a patient event naming a phone joins the patient to that number's conversation (by the keyed
 *   hash of the number), whether or not the number has written yet, so an earlier message from an
 *   unknown number finds its patient once an event names the number;
 * - a PatientMessageReceived adds the message and moves the window (the latest close wins);
 * - a front-desk reply (a notification selected as `reply`) adds the outbound message;
 * - Meta's 131047 on a reply closes the window at that moment: the provider's word is final.
 * The number, the names and the words are copied sealed, as the ledger keeps them (sealedAt): a
 * rebuild copies the same bytes, and where a key was already gone, what an erasure scrub writes.
 */
export function conversationsProjection(options: ConversationsProjectionOptions): ReadModelProjection {
  const changedIn = new WeakMap<readonly RecordedEvent[], string[]>();
  return {
    name: 'conversations',
    kind: 'read-model',
    handles: (e) => {
      if (e.type === CONVERSATION_EVENT_TYPES.messageReceived) return true;
      if (e.type === INBOUND_RECEIVED) return isPatientEventType((e.data as InboundEventReceived).type);
      if (categoryOf(e.stream) !== 'notification') return false;
      if (e.type === T.planned) return (e.data as NotificationPlanned).selection.kind === 'reply';
      if (e.type === T.failed) return (e.data as NotificationFailed).code === WINDOW_CLOSED_CODE;
      if (e.type === T.statusReported) return (e.data as StatusReported).code === WINDOW_CLOSED_CODE;
      return false;
    },
    async applyAll(trx, events) {
      const changed = new Set<string>();
      const joins = events.filter((e) => e.type === INBOUND_RECEIVED).flatMap((e) => patientJoins(e, options.keys));
      await joinPatients(trx, joins);
      for (const event of events) {
        const conversationId = await applyOne(trx, event);
        if (conversationId) changed.add(conversationId);
      }
      changedIn.set(events, [...changed]);
    },
    afterCommit: (events) => {
      const changed = changedIn.get(events);
      if (changed && changed.length > 0) options.onChanged?.(changed);
    },
  };
}

async function applyOne(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<string | null> {
  switch (event.type) {
    case CONVERSATION_EVENT_TYPES.messageReceived:
      return applyMessage(trx, event);
    case T.planned:
      return applyReply(trx, event);
    case T.failed: {
      const failed = event.data as NotificationFailed;
      return closeWindow(trx, failed.notificationId, failed.failedAt);
    }
    case T.statusReported: {
      const reported = event.data as StatusReported;
      return reported.status === 'failed' ? closeWindow(trx, idOf(event.stream)!, reported.reportedAt) : null;
    }
    default:
      return null;
  }
}

/** The people a patient event names with a phone: the patient, or each affected patient of an emergency leave. */
function patientJoins(event: RecordedEvent, keys: Pick<LedgerKeys, 'contactHash'>): PatientJoin[] {
  const received = event.data as InboundEventReceived;
  const data = received.data as { patient?: NamedPatient; affected?: { patient?: NamedPatient }[] };
  const named: { patient: NamedPatient | undefined; path: (string | number)[] }[] = [
    { patient: data.patient, path: ['data', 'patient'] },
    ...(data.affected ?? []).map((a, i) => ({ patient: a.patient, path: ['data', 'affected', i, 'patient'] })),
  ];
  // An erased patient's phone reads `[erased]`: it names no conversation.
  return named.flatMap(({ patient: p, path }) => (p?.phone && p.phone !== ERASED && p.id ? [{
    conversation_id: contactHash(keys, 'phone', p.phone),
    patient_id: p.id,
    patient_name: typeof p.name === 'string' ? sealedAt<string>(event, [...path, 'name']) : null,
    last_seen_at: received.receivedAt,
  }] : []));
}

export interface PatientJoin {
  conversation_id: string;
  patient_id: string;
  patient_name: string | null;
  last_seen_at: string;
}

/**
 * One row per (number, patient), folded in ledger order as the upsert folds rows of separate
 * statements (the latest name given, the greatest time): where batches happen to split, live or
 * in a rebuild, changes nothing.
 */
export function foldPatientJoins(rows: readonly PatientJoin[]): PatientJoin[] {
  const byKey = new Map<string, PatientJoin>();
  for (const row of rows) {
    const key = `${row.conversation_id}\u0000${row.patient_id}`;
    const before = byKey.get(key);
    byKey.set(key, before === undefined ? row : {
      ...row,
      patient_name: row.patient_name ?? before.patient_name,
      last_seen_at: Date.parse(row.last_seen_at) >= Date.parse(before.last_seen_at) ? row.last_seen_at : before.last_seen_at,
    });
  }
  return [...byKey.values()];
}

async function joinPatients(trx: Transaction<ReadModelDatabase>, rows: readonly PatientJoin[]): Promise<void> {
  if (rows.length === 0) return;
  const unique = foldPatientJoins(rows);
  await trx
    .insertInto('conversation_patients')
    .values(unique)
    .onConflict((oc) => oc.columns(['conversation_id', 'patient_id']).doUpdateSet((eb) => ({
      patient_name: sql<string | null>`coalesce(${eb.ref('excluded.patient_name')}, ${eb.ref('conversation_patients.patient_name')})`,
      last_seen_at: sql<Date>`greatest(${eb.ref('excluded.last_seen_at')}, ${eb.ref('conversation_patients.last_seen_at')})`,
    })))
    .execute();
}

/** The value at `path` of the event's data as the read model keeps it, null staying null (an erasure scrubs only what there was). */
const sealedOrNull = (event: RecordedEvent, path: readonly (string | number)[], value: unknown): unknown =>
  (value === null || value === undefined ? null : sealedAt(event, path));

async function applyMessage(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<string> {
  const m = event.data as PatientMessageReceived;
  const media = sealedOrNull(event, ['media'], m.media);
  const location = sealedOrNull(event, ['location'], m.location);
  const inserted = await trx
    .insertInto('conversation_messages')
    .values({
      message_id: messageIdOf(m),
      conversation_id: m.conversationId,
      direction: 'in',
      channel: m.channel,
      message_type: m.messageType,
      text: sealedOrNull(event, ['text'], m.text) as string | null,
      media: media === null ? null : JSON.stringify(media),
      location: location === null ? null : JSON.stringify(location),
      intent: m.intent,
      at: m.sentAt,
      notification_id: null,
      sent_by: null,
      provider_message_id: m.providerMessageId,
      patient_id: null,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .returning('message_id')
    .executeTakeFirst();
  if (!inserted) return m.conversationId;
  await trx
    .insertInto('conversations')
    .values({
      conversation_id: m.conversationId,
      address: sealedAt<string>(event, ['from']),
      centre_id: m.centreId,
      last_message_at: m.sentAt,
      last_inbound_at: m.sentAt,
      window_closes_at: m.windowClosesAt,
      inbound_messages: 1,
    })
    .onConflict((oc) => oc.column('conversation_id').doUpdateSet((eb) => ({
      // The number as its latest message keeps it: once erased, its next message (under a new key) gives it again.
      address: eb.ref('excluded.address'),
      centre_id: sql<string | null>`coalesce(${eb.ref('excluded.centre_id')}, ${eb.ref('conversations.centre_id')})`,
      last_message_at: sql<Date>`greatest(${eb.ref('excluded.last_message_at')}, ${eb.ref('conversations.last_message_at')})`,
      last_inbound_at: sql<Date>`greatest(${eb.ref('excluded.last_inbound_at')}, ${eb.ref('conversations.last_inbound_at')})`,
      // A redelivered old message (360dialog retries for days) never shortens the window.
      window_closes_at: sql<Date | null>`greatest(${eb.ref('excluded.window_closes_at')}, ${eb.ref('conversations.window_closes_at')})`,
      inbound_messages: sql<number>`${eb.ref('conversations.inbound_messages')} + 1`,
    })))
    .execute();
  if (m.patientIds.length > 0) {
    await joinPatients(trx, m.patientIds.map((id) => ({ conversation_id: m.conversationId, patient_id: id, patient_name: null, last_seen_at: event.recordedAt.toISOString() })));
  }
  return m.conversationId;
}

async function applyReply(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<string | null> {
  const planned = event.data as NotificationPlanned;
  if (planned.selection.kind !== 'reply') return null;
  const { conversationId, actor } = planned.selection;
  const content = planned.content;
  const words = content && content.channel === 'whatsapp' && !isWhatsAppTemplate(content) ? content.text : null;
  const inserted = await trx
    .insertInto('conversation_messages')
    .values({
      message_id: planned.notificationId,
      conversation_id: conversationId,
      direction: 'out',
      channel: planned.channel,
      message_type: 'text',
      text: sealedOrNull(event, ['content', 'text'], words) as string | null,
      media: null,
      location: null,
      intent: null,
      at: planned.plannedAt,
      notification_id: planned.notificationId,
      sent_by: actor,
      provider_message_id: null,
      patient_id: planned.recipient.kind === 'patient' ? planned.recipient.id : null,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .returning('message_id')
    .executeTakeFirst();
  if (!inserted) return conversationId;
  await trx
    .updateTable('conversations')
    .set((eb) => ({
      replies: sql<number>`${eb.ref('replies')} + 1`,
      last_message_at: sql<Date>`greatest(${eb.ref('last_message_at')}, ${planned.plannedAt}::timestamptz)`,
    }))
    .where('conversation_id', '=', conversationId)
    .execute();
  return conversationId;
}

/** A reply Meta refused with 131047: the window is closed from then on, whatever our clock said. */
async function closeWindow(trx: Transaction<ReadModelDatabase>, notificationId: string, at: string): Promise<string | null> {
  const reply = await trx
    .selectFrom('conversation_messages')
    .select(['conversation_id', 'at'])
    .where('notification_id', '=', notificationId)
    .executeTakeFirst();
  if (!reply) return null;
  // Only a window opened before the reply: a message the patient sent after it opened a new one.
  await trx
    .updateTable('conversations')
    .set({ window_closes_at: at })
    .where('conversation_id', '=', reply.conversation_id)
    .where('last_inbound_at', '<=', reply.at)
    .where((eb) => eb.or([eb('window_closes_at', 'is', null), eb('window_closes_at', '>', new Date(at))]))
    .execute();
  return reply.conversation_id;
}

/** The row id of an inbound message: its event's id, from the provider's own id, so a redelivery is the same row. */
const messageIdOf = (m: Pick<PatientMessageReceived, 'provider' | 'providerMessageId'>): string =>
  patientMessageEventId(m.provider, m.providerMessageId);
