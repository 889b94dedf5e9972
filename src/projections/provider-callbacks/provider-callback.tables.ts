import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** The provider message id a NotificationSent recorded, and its notification. */
export interface ProviderMessageTable {
  provider: string;
  provider_message_id: string;
  notification_id: string;
}

/** A status report whose notification has not been sent (as far as the ledger says) yet. */
export interface PendingProviderReportTable {
  provider: string;
  report_id: string;
  provider_message_id: string;
  /** Our notification id as the provider echoed it, when it did. */
  notification_hint: string | null;
  /** The ProviderCallbackReceived event that carried it: the causation of its StatusReported. */
  callback_event_id: string;
  report: ColumnType<unknown, string, string>;
}

/**
 * A patient's message to us, as received. `sender` and `text` are personal data, kept sealed (cells,
 * opened as an answer shows them); the sender is found by `sender_hash`, never by its value.
 */
export interface InboundMessageTable {
  message_id: string;
  channel: string;
  provider: string;
  provider_message_id: string;
  sender: string;
  /** The keyed hash of the sender (contactHash); null once erased, and on rows written before it was kept. */
  sender_hash: string | null;
  text: string | null;
  intent: string;
  received_at: Timestamp;
  callback_event_id: string;
}
