import { z } from 'zod';
import { scrubContacts } from '../providers/scrub-contacts.ts';
import type { ContactSuppression, ProviderStatusReport, WebhookBatch } from './webhook-types.ts';

const Recipient = z.object({ emailAddress: z.string(), action: z.string().optional(), status: z.string().optional() });

/**
 * An SES event as published to SNS, by a configuration set (`eventType`) or by identity
 * notifications (`notificationType`). Unknown fields are ignored: SES adds them over time.
 */
export const SesEvent = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  mail: z.object({
    messageId: z.string().min(1),
    timestamp: z.string(),
    tags: z.record(z.string(), z.array(z.string())).optional(),
  }),
  bounce: z.object({
    bounceType: z.string(),
    bounceSubType: z.string().optional(),
    bouncedRecipients: z.array(Recipient),
    timestamp: z.string(),
  }).optional(),
  complaint: z.object({
    complainedRecipients: z.array(Recipient),
    timestamp: z.string(),
    complaintFeedbackType: z.string().optional(),
  }).optional(),
  delivery: z.object({ timestamp: z.string(), smtpResponse: z.string().optional() }).optional(),
  reject: z.object({ reason: z.string().optional() }).optional(),
  failure: z.object({ errorMessage: z.string().optional() }).optional(),
  open: z.object({ timestamp: z.string() }).optional(),
  click: z.object({ timestamp: z.string() }).optional(),
});
export type SesEvent = z.infer<typeof SesEvent>;

const PROVIDER = 'ses';
const NOTIFICATION_ID_TAG = 'notification_id';

/**
 * Adds what one SES event means to the batch. A bounce is terminal for the message; only a
 * permanent one suppresses the address. A complaint proves delivery and is an opt-out. Events that
 * say nothing about the message's fate (DeliveryDelay, Subscription) add nothing.
 */
export function addSesEvent(batch: WebhookBatch, event: SesEvent, reportId: string): string | undefined {
  const kind = event.eventType ?? event.notificationType;
  const base = {
    provider: PROVIDER,
    providerMessageId: event.mail.messageId,
    reportId,
    ...(event.mail.tags?.[NOTIFICATION_ID_TAG]?.[0] ? { notificationId: event.mail.tags[NOTIFICATION_ID_TAG][0] } : {}),
  };
  const report = (status: ProviderStatusReport['status'], at: string, code: string | null, detail: string | null) =>
    batch.reports.push({ ...base, status, code, detail: detail === null ? null : scrubContacts(detail), occurredAt: iso(at) ?? iso(event.mail.timestamp) ?? at });
  const suppress = (address: string, reason: ContactSuppression['reason'], at: string) =>
    batch.suppressions.push({ channel: 'email', address, reason, reportId, occurredAt: iso(at) ?? at });

  switch (kind) {
    case 'Bounce': {
      if (!event.bounce) return 'a Bounce without bounce details';
      const { bounce } = event;
      // Diagnostic codes often quote the address: keep the SMTP status only.
      const detail = bounce.bouncedRecipients.map((r) => r.status).filter(Boolean).join(', ') || null;
      report('bounced', bounce.timestamp, `${bounce.bounceType}/${bounce.bounceSubType ?? 'Undetermined'}`, detail);
      if (bounce.bounceType === 'Permanent') {
        for (const recipient of bounce.bouncedRecipients) suppress(recipient.emailAddress, 'bounced-address', bounce.timestamp);
      }
      return undefined;
    }
    case 'Complaint': {
      if (!event.complaint) return 'a Complaint without complaint details';
      const { complaint } = event;
      report('delivered', complaint.timestamp, 'Complaint', complaint.complaintFeedbackType ?? null);
      for (const recipient of complaint.complainedRecipients) suppress(recipient.emailAddress, 'opted-out', complaint.timestamp);
      return undefined;
    }
    case 'Delivery':
      if (!event.delivery) return 'a Delivery without delivery details';
      report('delivered', event.delivery.timestamp, null, event.delivery.smtpResponse ?? null);
      return undefined;
    case 'Send':
      report('sent', event.mail.timestamp, null, null);
      return undefined;
    case 'Reject':
      report('failed', event.mail.timestamp, 'Reject', event.reject?.reason ?? null);
      return undefined;
    case 'Rendering Failure':
      report('failed', event.mail.timestamp, 'RenderingFailure', event.failure?.errorMessage ?? null);
      return undefined;
    case 'Open':
      report('read', event.open?.timestamp ?? event.mail.timestamp, 'Open', null);
      return undefined;
    case 'Click':
      report('read', event.click?.timestamp ?? event.mail.timestamp, 'Click', null);
      return undefined;
    case undefined:
      return 'neither eventType nor notificationType';
    default:
      return undefined;
  }
}

function iso(value: string): string | undefined {
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}
