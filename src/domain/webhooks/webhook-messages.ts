import type { PatientMessageReceived } from '../conversations/conversation-events.ts';
import type { Channel } from '../event-catalogue.ts';
import type { EventDeadLettered } from '../intake/dead-letter-events.ts';
import { ERASED } from '../keys/personal-data.ts';
import { isCell } from '../keys/sealed-cell.ts';
import { maskAddress } from '../mask-contact.ts';
import { maskContactsInText } from '../mask-contacts-deep.ts';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type FallbackPlanned,
  type NotificationExpired,
  type NotificationStatus,
  type RecipientKind,
} from '../notifications/notification-events.ts';
import type { StaffEventUnrouted } from '../staff-routing/staff-routing-events.ts';
import type { WebhookEventKind } from './webhook-endpoint.ts';
import { webhookPayloadSchema } from './webhook-payloads.ts';

/*
 * Which webhook messages a ledger event makes, and the body each endpoint gets. Pure: the outbox
 * projection hands in the event and what it knows of the notification before and after it, so a
 * rebuild makes the same messages, byte for byte.
 */

/** One message an event makes, before it is fitted to an endpoint (contacts are still in clear here). */
export interface WebhookMessageDraft {
  kind: WebhookEventKind;
  /** When the event behind it happened: the body's `timestamp`. */
  at: string;
  data: Record<string, unknown>;
}

/** Who a notification is for and why, as its first event recorded it. */
export interface NotificationFacts {
  notificationId: string;
  eventId: string;
  eventType: string;
  centreId: string | null;
  bookingReference: string | null;
  appointmentId: string | null;
  channel: Channel;
  recipient: { kind: RecipientKind; id: string; address: string | null };
  fallbackOf: string | null;
}

/** Where a notification stands, as far as messages tell it. */
export interface NotificationStanding {
  status: NotificationStatus;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  lastErrorCode: string | null;
  lastError: string | null;
}

/** The event, as much of it as the messages need. */
export interface SourceEvent {
  type: string;
  data: unknown;
  /** Its revision in its own stream. */
  revision: number;
  /** Its ledger position, `<commit>/<prepare>`. */
  ledger: string;
  recordedAt: Date;
}

const TERMINAL_FAILURES = new Set<NotificationStatus>(['failed', 'bounced']);

/** When a notification event happened, by its own field; the ledger's time for one without. */
function notificationEventAt(event: SourceEvent): string {
  const d = event.data as Record<string, unknown>;
  const at = d.plannedAt ?? d.suppressedAt ?? d.deferredAt ?? d.startedAt ?? d.sentAt ?? d.failedAt ?? d.reportedAt ?? d.expiredAt ?? d.requestedAt;
  return iso(typeof at === 'string' ? at : event.recordedAt);
}

const iso = (value: string | Date): string => new Date(value).toISOString();

const factsData = (facts: NotificationFacts, event: SourceEvent) => ({
  notificationId: facts.notificationId,
  eventId: facts.eventId,
  eventType: facts.eventType,
  centreId: facts.centreId,
  bookingReference: facts.bookingReference,
  appointmentId: facts.appointmentId,
  channel: facts.channel,
  recipient: { ...facts.recipient },
  fallbackOf: facts.fallbackOf,
  position: { ledger: event.ledger, revision: event.revision },
});

/**
 * The messages one event of `notification-<id>` makes, given the notification before and after it
 * (null before its first event):
 * - `notification.status_changed` whenever the status moves (planned, deferred, sending, sent, ...);
 * - `notification.failed` when it fails for good: our last attempt failed, or the provider reported
 *   a failure or a bounce after the send;
 * - `notification.expired` when its deadline passed unsent;
 * - `notification.fallback` when a fallback opens: a new notification, on another channel, for the
 *   same person and event (its address is not known until it is planned, hence null).
 */
export function notificationMessages(
  event: SourceEvent,
  facts: NotificationFacts | null,
  before: NotificationStanding | null,
  after: NotificationStanding | null,
  original: NotificationFacts | null,
): WebhookMessageDraft[] {
  const at = notificationEventAt(event);
  if (event.type === T.fallbackPlanned) {
    if (!original) return [];
    const f = event.data as FallbackPlanned;
    const opened: NotificationFacts = {
      ...original,
      notificationId: f.notificationId,
      channel: f.channel,
      recipient: { kind: original.recipient.kind, id: original.recipient.id, address: null },
      fallbackOf: f.fallbackOf,
    };
    return [{ kind: 'notification.fallback', at, data: { ...factsData(opened, event), fallbackOf: f.fallbackOf, reason: f.reason, detail: f.detail, policyVersion: f.policyVersion, at } }];
  }
  if (!facts || !after || after.status === before?.status) return [];
  const base = factsData(facts, event);
  const messages: WebhookMessageDraft[] = [{
    kind: 'notification.status_changed',
    at,
    data: { ...base, status: after.status, previousStatus: before?.status ?? null, provider: after.provider, providerMessageId: after.providerMessageId, at },
  }];
  if (TERMINAL_FAILURES.has(after.status) && !(before && TERMINAL_FAILURES.has(before.status))) {
    messages.push({
      kind: 'notification.failed',
      at,
      data: { ...base, attempts: after.attempts, code: after.lastErrorCode ?? after.status, message: after.lastError ?? '', at },
    });
  }
  if (after.status === 'expired' && event.type === T.expired) {
    const e = event.data as NotificationExpired;
    messages.push({ kind: 'notification.expired', at, data: { ...base, sendBy: iso(e.sendBy), reason: e.reason, attempts: e.attempts, at } });
  }
  return messages;
}

/** A patient's reply, unless it was a consent keyword (STOP, START), which is acted on and reported as such. */
export function patientRepliedMessage(received: PatientMessageReceived): WebhookMessageDraft | null {
  if (received.intent !== 'other') return null;
  const at = iso(received.sentAt);
  return {
    kind: 'patient.replied',
    at,
    data: {
      conversationId: received.conversationId,
      patientIds: [...received.patientIds],
      centreId: received.centreId,
      channel: received.channel,
      messageType: received.messageType,
      text: received.text,
      receivedAt: at,
      windowClosesAt: received.windowClosesAt === null ? null : iso(received.windowClosesAt),
    },
  };
}

export function deadLetteredMessage(deadLetterId: string, e: EventDeadLettered): WebhookMessageDraft {
  const at = iso(e.receivedAt);
  return {
    kind: 'event.dead_lettered',
    at,
    data: { deadLetterId, kind: e.kind, reason: e.reason, routingKey: e.routingKey, messageId: e.messageId, bodySha256: e.bodySha256, at },
  };
}

/** `serviceWide` is the centre an event for no centre is recorded under. */
export function unroutedMessage(e: StaffEventUnrouted, serviceWide: string): WebhookMessageDraft {
  const at = iso(e.at);
  return {
    kind: 'event.unrouted',
    at,
    data: { eventId: e.eventId, eventType: e.eventType, centreId: e.centreId === serviceWide ? null : e.centreId, reason: e.reason, at },
  };
}

/**
 * The body an endpoint's message keeps, checked against the kind's published schema: contacts masked
 * unless the endpoint has `includeContacts` (a reply's words then withheld too). Where personal data
 * is sealed, the draft carries it as cells (sealed-cell.ts), and so does the body: it is opened, and
 * an address then masked, just before it is signed and sent (sealed-webhook-body.ts). Kept in clear,
 * it is the exact text to sign and send. A draft the schema refuses is a bug here, and throws.
 */
export function webhookBody(draft: WebhookMessageDraft, includeContacts: boolean): string {
  const data = includeContacts ? draft.data : withoutContacts(draft.kind, draft.data);
  return JSON.stringify(webhookPayloadSchema(draft.kind).parse({ type: draft.kind, timestamp: draft.at, data }));
}

/**
 * Whether an address stays as it is in a body for an endpoint not trusted with contacts: none, an
 * in-app message's staff id (no contact), one already erased, or a cell (masked once opened).
 */
export const keepsAddress = (address: string | null, channel: unknown): boolean =>
  address === null || channel === 'in_app' || address === ERASED || isCell(address);

function withoutContacts(kind: WebhookEventKind, data: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'notification.status_changed':
    case 'notification.failed':
    case 'notification.expired':
    case 'notification.fallback': {
      const recipient = data.recipient as NotificationFacts['recipient'];
      // In-app messages go to a staff id, which is no contact.
      const address = keepsAddress(recipient.address, data.channel) ? recipient.address : maskAddress(recipient.address!);
      const masked: Record<string, unknown> = { ...data, recipient: { ...recipient, address } };
      if (typeof data.message === 'string') masked.message = maskContactsInText(data.message);
      return masked;
    }
    case 'patient.replied':
      return { ...data, text: null };
    case 'event.dead_lettered':
    case 'event.unrouted':
      return data;
  }
}
