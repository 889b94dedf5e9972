import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<unknown, string | null, string | null>;

/*
 * The number, the patients' names and the words are kept sealed (cells, sealed-cell.ts): whatever
 * shows or uses them opens them first (SealedCells). Rows are found by the keyed hash of the number.
 */

/** A number that wrote to us, by the keyed hash of it. */
export interface ConversationTable {
  conversation_id: string;
  /** E.164, sealed: where a reply goes. */
  address: string;
  /** The centre of the last notification sent to the number before its latest message. */
  centre_id: string | null;
  last_message_at: Timestamp;
  last_inbound_at: Timestamp | null;
  /** Null when the number never wrote on WhatsApp; in the past when the window is closed. */
  window_closes_at: Timestamp | null;
  inbound_messages: Generated<number>;
  replies: Generated<number>;
}

export interface ConversationPatientTable {
  conversation_id: string;
  patient_id: string;
  /** Sealed. */
  patient_name: string | null;
  last_seen_at: Timestamp;
}

export interface ConversationMessageTable {
  message_id: string;
  conversation_id: string;
  direction: 'in' | 'out';
  channel: string;
  /** text, button, media, location; `text` for a reply. */
  message_type: string;
  /** Sealed, as are media and location. */
  text: string | null;
  media: Json;
  location: Json;
  /** opt-out, opt-in or other, for an inbound message. */
  intent: string | null;
  /** The message's own timestamp (inbound), or when the reply was planned. */
  at: Timestamp;
  notification_id: string | null;
  sent_by: string | null;
  provider_message_id: string | null;
  /** The patient a reply went to: their key seals its words. Null for the patient's own messages. */
  patient_id: string | null;
}
