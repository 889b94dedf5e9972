import type { PayloadOf } from '../event-catalogue.ts';
import { deterministicUuid } from '../ids.ts';
import type { InboundReply } from '../notifications/provider-callback-events.ts';

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

/** The PatientMessageReceived's id: the provider's own message id, so a redelivery is the same event. */
export const patientMessageEventId = (provider: string, providerMessageId: string): string =>
  deterministicUuid('patient-message', provider, providerMessageId);

/** The `patient.replied` staff event a message raised (none for a consent keyword). */
export const patientRepliedEventId = (messageEventId: string): string => `patient-replied:${messageEventId}`;

/** A patient known for a number, as the latest event naming the number gave them. */
export interface KnownPatient {
  id: string;
  name: string | null;
}

/**
 * The message as its conversation records it, from the reply the callback recorded. Callbacks
 * recorded before conversations carry no type: a text when they had words, media otherwise.
 */
export function patientMessageOf(
  reply: InboundReply,
  facts: { conversationId: string; patients: readonly KnownPatient[]; centreId: string | null; callbackId: string },
): PatientMessageReceived {
  const messageType = reply.messageType ?? (reply.text === undefined ? 'media' : 'text');
  return {
    conversationId: facts.conversationId,
    channel: reply.channel,
    provider: reply.provider,
    providerMessageId: reply.messageId,
    from: reply.from,
    patientIds: facts.patients.map((p) => p.id),
    centreId: facts.centreId,
    messageType,
    text: reply.text ?? null,
    media: reply.media ?? null,
    location: reply.location ?? null,
    sentAt: reply.receivedAt,
    windowClosesAt: windowClosesAt(reply.channel, reply.receivedAt),
    intent: reply.intent,
    callbackId: facts.callbackId,
  };
}

const MAX_ALERT_TEXT = 4096;

/**
 * The `patient.replied` staff event a message raises: what the front desk's alert says. A consent
 * keyword raises none (it is acted on as consent); the centre is that of the last notification sent
 * to the number, and without one the event reaches nobody and is recorded unrouted.
 */
export function patientRepliedPayload(
  message: PatientMessageReceived,
  patients: readonly KnownPatient[],
  centre: Record<string, unknown> | null,
): PayloadOf<'patient.replied'> | null {
  if (message.intent !== 'other') return null;
  return {
    reply: {
      conversationId: message.conversationId,
      channel: message.channel,
      messageType: message.messageType,
      ...(message.text === null ? {} : { text: [...message.text].slice(0, MAX_ALERT_TEXT).join('') }),
      sentAt: message.sentAt,
      ...(message.windowClosesAt === null ? {} : { windowClosesAt: message.windowClosesAt }),
    },
    patients: patients.slice(0, 50).map((p) => (p.name === null ? { id: p.id } : { id: p.id, name: p.name })),
    ...(centre === null ? {} : { centre: centre as PayloadOf<'patient.replied'>['centre'] & object }),
  };
}
