import { z } from 'zod';
import { CHANNELS } from '../event-catalogue.ts';
import { FALLBACK_REASONS, NOTIFICATION_STATUSES } from '../notifications/notification-events.ts';
import { WEBHOOK_EVENT_KINDS, type WebhookEventKind } from './webhook-endpoint.ts';

/*
 * What a clinic system receives, per event kind: the Standard Webhooks payload structure
 * (`type`, `timestamp`, `data`) with our `data` for each kind. Published as JSON Schema under
 * schemas/webhooks/ from these zod schemas, so the files cannot drift from what is sent.
 *
 * Order per notification is not guaranteed (retries, several endpoints): each notification payload
 * carries the status and its revision in the notification's stream, so a receiver keeps the highest
 * revision it has seen and drops a lower one.
 */

const Instant = z.iso.datetime({ offset: true });
const Channel = z.enum(CHANNELS);

const MASKED = 'Masked (+91******3210, a***@example.com) unless the endpoint has includeContacts.';

const Position = z.object({
  ledger: z.string().describe('The ledger position of the event behind this message, `<commit>/<prepare>`: ledger order.'),
  revision: z.number().int().min(0).describe("The event's revision in the notification's own stream: keep the highest seen, drop a lower one."),
}).describe('Where the message sits, so a receiver can drop a stale one: deliveries are at least once and not in order.');

const Recipient = z.object({
  kind: z.enum(['patient', 'staff']),
  id: z.string().describe("The person's id upstream (patient) or in the staff directory."),
  address: z.string().nullable().describe(`The phone, email, push token or staff id the message went to. ${MASKED}`),
});

const NotificationFacts = {
  notificationId: z.uuid(),
  eventId: z.string().describe('The inbound event that caused it (for a reminder: the booking that scheduled it).'),
  eventType: z.string(),
  centreId: z.string().nullable(),
  bookingReference: z.string().nullable(),
  appointmentId: z.string().nullable(),
  channel: Channel,
  recipient: Recipient,
  fallbackOf: z.uuid().nullable().describe('A fallback: the notification it stands in for.'),
  position: Position,
};

const DATA: Record<WebhookEventKind, z.ZodObject> = {
  'notification.status_changed': z.object({
    ...NotificationFacts,
    status: z.enum(NOTIFICATION_STATUSES),
    previousStatus: z.enum(NOTIFICATION_STATUSES).nullable(),
    provider: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    at: Instant,
  }).describe('A notification moved to a new status (planned, deferred, sending, sent, delivered, read, or a terminal one).'),
  'notification.failed': z.object({
    ...NotificationFacts,
    attempts: z.number().int().min(0),
    code: z.string().describe("The provider's code (131026, MessageRejected, 21211, ...) or ours (attempt-timeout, template-error)."),
    message: z.string().describe(`The provider's message. ${MASKED}`),
    at: Instant,
  }).describe('A notification failed for good: its fallback, if it has one, is told by notification.fallback.'),
  'notification.expired': z.object({
    ...NotificationFacts,
    sendBy: Instant.describe('Its relevance deadline.'),
    reason: z.enum(['not-sent-in-time', 'retries-ran-past-deadline', 'deferred-past-deadline']),
    attempts: z.number().int().min(0),
    at: Instant,
  }).describe('A notification was not sent by its deadline, and never will be.'),
  'notification.fallback': z.object({
    ...NotificationFacts,
    fallbackOf: z.uuid().describe('The notification this one stands in for.'),
    reason: z.enum(FALLBACK_REASONS),
    detail: z.string().describe('The trigger in words (opted-out, 131026, not delivered 15 min after it was sent); never a contact.'),
    policyVersion: z.number().int().min(0).describe('The channel policy version it followed (0: the default).'),
    at: Instant,
  }).describe('A message is going out on another channel because the original could not reach the patient.'),
  'patient.replied': z.object({
    conversationId: z.string().describe('The keyed hash of the number the patient wrote from: never the number itself.'),
    patientIds: z.array(z.string()).describe('The patients known for that number (families share numbers).'),
    centreId: z.string().nullable().describe('The centre of the last notification sent to that number, if any.'),
    channel: z.enum(['whatsapp', 'sms']),
    messageType: z.enum(['text', 'button', 'media', 'location']),
    text: z.string().nullable().describe('The words of a text or button reply; null otherwise, and unless the endpoint has includeContacts (a reply may say anything about the patient).'),
    receivedAt: Instant.describe("The message's own timestamp."),
    windowClosesAt: Instant.nullable().describe('When the 24-hour WhatsApp window this reply opened closes (null for SMS).'),
  }).describe('A patient wrote to the clinic.'),
  'event.dead_lettered': z.object({
    deadLetterId: z.string(),
    kind: z.string().describe('invalid-payload, over-limit, unprocessable, ...'),
    reason: z.string().describe('The field paths and rules it broke; never a value.'),
    routingKey: z.string(),
    messageId: z.string().nullable(),
    bodySha256: z.string().describe('The body stays in the dead-letter queue; its hash matches it.'),
    at: Instant,
  }).describe('An upstream message was refused and dead-lettered.'),
  'event.unrouted': z.object({
    eventId: z.string(),
    eventType: z.string(),
    centreId: z.string().nullable(),
    reason: z.enum(['no-matching-rule', 'no-recipients']),
    at: Instant,
  }).describe('A staff event reached nobody: no rule matched, or the matching rules found no active staff.'),
};

/** The whole message body for one kind, as the Standard Webhooks specification structures it. */
export function webhookPayloadSchema(kind: WebhookEventKind): z.ZodObject {
  return z.object({
    type: z.literal(kind),
    timestamp: Instant.describe('When the event behind it happened.'),
    data: DATA[kind],
  }).meta({
    title: kind,
    description: `The body of a ${kind} webhook. Verify webhook-signature before reading it.`,
  });
}

/** One JSON Schema per kind, `webhooks/<kind>.json`, as the files' exact text. */
export function webhookJsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(WEBHOOK_EVENT_KINDS.map((kind) => [
    `webhooks/${kind}.json`,
    `${JSON.stringify(z.toJSONSchema(webhookPayloadSchema(kind), { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }), null, 2)}\n`,
  ]));
}
