import { sql, type Kysely, type Selectable } from 'kysely';
import { NOTIFICATION_EVENT_TYPES, type NotificationPlanned } from '../../domain/notifications/notification-events.ts';
import { wordsOf } from '../../domain/templates/recorded-content.ts';
import { streamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import type { ConversationMessageTable, ConversationTable } from '../../projections/conversations/conversation.tables.ts';
import type { ReadModelDatabase } from '../../projections/read-model-database.ts';

export type ConversationRow = Selectable<ConversationTable>;

export interface ConversationFilter {
  /** A front desk's centres; null for every centre. */
  centres: readonly string[] | null;
  centreId?: string | null;
  /** Only those whose window is open (true) or closed (false) at `now`. */
  windowOpen?: boolean | null;
  now: Date;
}

/** The most recent conversations first, within the caller's centres. */
export async function listConversations(db: Kysely<ReadModelDatabase>, filter: ConversationFilter, limit: number): Promise<ConversationRow[]> {
  let query = db.selectFrom('conversations').selectAll();
  if (filter.centres !== null) query = filter.centres.length === 0 ? query.where(sql<boolean>`false`) : query.where('centre_id', 'in', [...filter.centres]);
  if (filter.centreId) query = query.where('centre_id', '=', filter.centreId);
  if (filter.windowOpen === true) query = query.where('window_closes_at', '>', filter.now);
  if (filter.windowOpen === false) query = query.where((eb) => eb.or([eb('window_closes_at', 'is', null), eb('window_closes_at', '<=', filter.now)]));
  return query.orderBy('last_message_at', 'desc').orderBy('conversation_id').limit(limit).execute();
}

export async function findConversation(db: Kysely<ReadModelDatabase>, conversationId: string): Promise<ConversationRow | null> {
  return (await db.selectFrom('conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst()) ?? null;
}

/**
 * A patient's conversation, found through the numbers events named for them: of several (a
 * patient who changed numbers), the one they wrote from last.
 */
export async function conversationOfPatient(db: Kysely<ReadModelDatabase>, patientId: string): Promise<ConversationRow | null> {
  const row = await db
    .selectFrom('conversations as c')
    .innerJoin('conversation_patients as p', 'p.conversation_id', 'c.conversation_id')
    .selectAll('c')
    .where('p.patient_id', '=', patientId)
    .orderBy('c.last_message_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

export interface ConversationPatient {
  conversationId: string;
  id: string;
  name: string | null;
}

export async function patientsOfConversations(db: Kysely<ReadModelDatabase>, conversationIds: readonly string[]): Promise<ConversationPatient[]> {
  if (conversationIds.length === 0) return [];
  const rows = await db
    .selectFrom('conversation_patients')
    .select(['conversation_id', 'patient_id', 'patient_name'])
    .where('conversation_id', 'in', [...conversationIds])
    .orderBy('last_seen_at', 'desc')
    .orderBy('patient_id')
    .execute();
  return rows.map((r) => ({ conversationId: r.conversation_id, id: r.patient_id, name: r.patient_name }));
}

export interface ThreadMessage {
  id: string;
  direction: 'in' | 'out';
  at: Date;
  channel: string;
  /** text, button, media, location; `template` for a notification the clinic's systems caused. */
  type: string;
  text: string | null;
  media: unknown;
  location: unknown;
  intent: string | null;
  sentBy: string | null;
  notificationId: string | null;
}

type MessageRow = Selectable<ConversationMessageTable>;

/**
 * The last `limit` messages of a conversation, oldest first: the patient's, the front desk's replies
 * and the notifications sent to the number on WhatsApp and SMS (their recorded words), merged by time.
 *
 * The messages come as the read model keeps them (sealed), for the caller to open.
 */
export async function threadOf(db: Kysely<ReadModelDatabase>, store: EventStore, conversation: Pick<ConversationRow, 'conversation_id'>, limit: number): Promise<ThreadMessage[]> {
  const [own, sent] = await Promise.all([
    db.selectFrom('conversation_messages').selectAll().where('conversation_id', '=', conversation.conversation_id)
      .orderBy('at', 'desc').orderBy('message_id', 'desc').limit(limit).execute(),
    // By the number's keyed hash, which is the conversation's id: the rows keep the number sealed.
    db.selectFrom('notifications').select(['notification_id', 'channel', 'created_at'])
      .where('recipient_address_hash', '=', conversation.conversation_id)
      .where('recipient_kind', '=', 'patient')
      .where('channel', 'in', ['whatsapp', 'sms'])
      .where(sql<boolean>`selection->>'kind' <> 'reply'`)
      .orderBy('created_at', 'desc').limit(limit).execute(),
  ]);
  const notifications = await Promise.all(sent.map(async (n): Promise<ThreadMessage> => {
    const planned = await plannedOf(store, n.notification_id);
    return {
      id: n.notification_id,
      direction: 'out',
      // When it was planned, on the service's clock, as a reply's is: the read model's own time is the ledger's.
      at: planned ? new Date(planned.plannedAt) : n.created_at,
      channel: n.channel,
      type: 'template',
      text: planned ? wordsOfPlanned(planned) : null,
      media: null,
      location: null,
      intent: null,
      sentBy: null,
      notificationId: n.notification_id,
    };
  }));
  const merged = [...own.map(fromRow), ...notifications].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1));
  return merged.slice(-limit);
}

const fromRow = (r: MessageRow): ThreadMessage => ({
  id: r.message_id,
  direction: r.direction,
  at: r.at,
  channel: r.channel,
  type: r.message_type,
  text: r.text,
  media: r.media,
  location: r.location,
  intent: r.intent,
  sentBy: r.sent_by,
  notificationId: r.notification_id,
});

async function plannedOf(store: EventStore, notificationId: string): Promise<NotificationPlanned | null> {
  const [first] = await readStreamToArray(store, streamName.notification(notificationId));
  return first?.type === NOTIFICATION_EVENT_TYPES.planned ? (first.data as NotificationPlanned) : null;
}

/** The words a notification recorded, as the patient read them. */
function wordsOfPlanned(planned: NotificationPlanned): string | null {
  const words = wordsOf(planned);
  if (!words.ok) return null;
  const m = words.value;
  return m.channel === 'whatsapp' ? m.previewText : m.channel === 'sms' ? m.text : null;
}
