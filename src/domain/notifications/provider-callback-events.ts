import type { PatientLocation, PatientMedia, PatientMessageType } from '../conversations/conversation-events.ts';
import { deterministicUuid } from '../ids.ts';
import type { StatusReported } from './notification-events.ts';

/**
 * A provider's callback as received, recorded in `provider-callback-<callbackId>` before anything
 * is made of it: a report that matches no notification yet, or a reply nobody acts on yet, is
 * still in the ledger. A reaction interprets it afterwards (status reports, opt-outs, opt-ins).
 */
export const PROVIDER_CALLBACK_EVENT_TYPES = { received: 'ProviderCallbackReceived' } as const;

/** A provider's word on one message we sent; matched to its notification by `providerMessageId`. */
export interface ProviderStatusReport {
  provider: string;
  providerMessageId: string;
  status: StatusReported['status'];
  code: string | null;
  /** Never a contact: codes, SMTP status, titles. */
  detail: string | null;
  /** Idempotence key: a repeated callback carries the same one. */
  reportId: string;
  occurredAt: string;
  /** Our notification id when the provider echoes it (WhatsApp callback data, SES tag). */
  notificationId?: string;
}

/**
 * A patient's message to us, kept as received (audit evidence). STOP and START keywords are acted
 * on as consent; every message also goes to the number's conversation (PatientMessageReceived).
 */
export interface InboundReply {
  provider: string;
  channel: 'whatsapp' | 'sms';
  /** E.164. */
  from: string;
  intent: 'opt-out' | 'opt-in' | 'other';
  /** The keyword as matched, for the audit trail (`STOP`, `रोकें`). */
  keyword?: string;
  /** The message text (or button title, or media caption); absent for a location or media without a caption. */
  text?: string;
  /** Absent on callbacks recorded before conversations: a text when it had words, media otherwise. */
  messageType?: PatientMessageType;
  media?: PatientMedia;
  location?: PatientLocation;
  messageId: string;
  /** The message's own timestamp where the provider gives one (WhatsApp), else when we received it. */
  receivedAt: string;
}

/** An address that must not be used again on a channel (permanent bounce, complaint, opt-out). */
export interface ContactSuppression {
  channel: 'email' | 'whatsapp' | 'sms';
  address: string;
  reason: 'bounced-address' | 'opted-out';
  reportId: string;
  occurredAt: string;
}

export interface ProviderCallbackReceived {
  callbackId: string;
  /** The webhook it came in on: `360dialog`, `ses`, `twilio` (`sandbox` for simulated receipts). */
  provider: string;
  /** When we received it (our clock). */
  receivedAt: string;
  reports: ProviderStatusReport[];
  replies: InboundReply[];
  suppressions: ContactSuppression[];
}

/** What a callback says, without its envelope. */
export interface CallbackContent {
  reports: readonly ProviderStatusReport[];
  replies: readonly InboundReply[];
  suppressions: readonly ContactSuppression[];
}

/**
 * The callback's id from the provider's own ids (report ids, inbound message ids), never from an
 * address: a redelivered callback gets the same id and lands on the same stream. Null when the
 * callback carries nothing to record (a status we do not track, an SNS confirmation).
 */
export function providerCallbackId(provider: string, content: CallbackContent): string | null {
  const ids = new Set<string>();
  for (const report of content.reports) ids.add(`report:${report.reportId}`);
  for (const reply of content.replies) ids.add(`reply:${reply.provider}:${reply.messageId}`);
  for (const suppression of content.suppressions) ids.add(`suppression:${suppression.channel}:${suppression.reportId}`);
  if (ids.size === 0) return null;
  return deterministicUuid('provider-callback', provider, ...[...ids].sort());
}
