/*
 * A conversation is everything a patient's number wrote to the clinic: `conversation-<hash>`, where
 * the hash is the keyed hash of the number (HMAC-SHA256 under a key derived from LEDGER_MASTER_KEY),
 * never the number itself. Families share numbers, so a conversation names the patients known for
 * its number rather than belonging to one.
 */

export const CONVERSATION_EVENT_TYPES = { messageReceived: 'PatientMessageReceived' } as const;

/** WhatsApp's customer-service window: free-form replies are allowed this long after the patient's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 3600_000;

export const PATIENT_MESSAGE_TYPES = ['text', 'button', 'media', 'location'] as const;
export type PatientMessageType = (typeof PATIENT_MESSAGE_TYPES)[number];

export interface PatientMedia {
  /** `image`, `audio`, `video`, `document`, `sticker`. */
  kind: string;
  /** The provider's media id, to fetch it from the provider while it keeps it. */
  mediaId: string;
  mimeType: string | null;
  caption: string | null;
}

export interface PatientLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
}

export interface PatientMessageReceived {
  /** The keyed hash of the number, as in the stream name. */
  conversationId: string;
  channel: 'whatsapp' | 'sms';
  provider: string;
  providerMessageId: string;
  /** E.164: where a reply goes. */
  from: string;
  /** The patients known for the number when the message was recorded (a later event may name more). */
  patientIds: string[];
  /** The centre of the last notification sent to the number, or null when none was. */
  centreId: string | null;
  messageType: PatientMessageType;
  /** The text, the button's title or the media's caption; null for a location or a bare media. */
  text: string | null;
  media: PatientMedia | null;
  location: PatientLocation | null;
  /** The message's own timestamp (the provider's): the window is reckoned from it, not from our receipt. */
  sentAt: string;
  /** When the WhatsApp window this message opened closes; null for SMS, which opens none. */
  windowClosesAt: string | null;
  /** A consent keyword (STOP, START) is acted on as such and raises no alert. */
  intent: 'opt-out' | 'opt-in' | 'other';
  /** The ProviderCallbackReceived it came in. */
  callbackId: string;
}

/** When the window a message opens closes: 24 hours after the message's own timestamp, WhatsApp only. */
export function windowClosesAt(channel: PatientMessageReceived['channel'], sentAt: string): string | null {
  return channel === 'whatsapp' ? new Date(Date.parse(sentAt) + WHATSAPP_WINDOW_MS).toISOString() : null;
}
