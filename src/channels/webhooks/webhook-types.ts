import { createHash, timingSafeEqual } from 'node:crypto';
import type { Result } from '../../domain/result.ts';
import type { ContactSuppression, InboundReply, ProviderStatusReport } from '../../domain/notifications/provider-callback-events.ts';

import type { Msg91WebhookConfig } from './msg91-webhook.ts';
import type { SesSnsWebhookConfig } from './ses-sns-webhook.ts';
import type { TwilioWebhookConfig } from './twilio-webhook.ts';
import type { WhatsAppWebhookConfig } from './whatsapp-webhook.ts';

/** Each provider's webhook verification settings, or null where its webhook is not mounted. */
export interface WebhookConfigs {
  whatsapp: WhatsAppWebhookConfig | null;
  ses: SesSnsWebhookConfig | null;
  sms: TwilioWebhookConfig | null;
  /** MSG91's delivery reports; optional so configurations written before it still type. */
  msg91?: Msg91WebhookConfig | null;
}

export type { ContactSuppression, InboundReply, ProviderStatusReport } from '../../domain/notifications/provider-callback-events.ts';

/** An HTTP request as the webhook parsers need it: the body exactly as received, for signatures. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The full URL the provider called (scheme, host, path, query), as the provider sees it. */
  url: string;
  /** When it arrived; providers without timestamps (Twilio) report at this time. Default: now. */
  receivedAt?: Date;
}

export interface WebhookBatch {
  reports: ProviderStatusReport[];
  replies: InboundReply[];
  suppressions: ContactSuppression[];
  /** SNS subscription confirmation: GET this URL to confirm (only after the signature verified). */
  confirmSubscriptionUrl?: string;
}

/**
 * Why a webhook was refused; nothing from it may be recorded. `verification-unavailable` (the SNS
 * certificate could not be fetched) is not the sender's fault: answer 5xx so it is delivered again.
 */
export interface WebhookRejection {
  kind: 'bad-signature' | 'unknown-topic' | 'malformed' | 'verification-unavailable';
  detail: string;
}

export type WebhookResult = Result<WebhookBatch, WebhookRejection>;

export const emptyBatch = (): WebhookBatch => ({ reports: [], replies: [], suppressions: [] });

export const reject = (kind: WebhookRejection['kind'], detail: string): { ok: false; error: WebhookRejection } => ({
  ok: false, error: { kind, detail },
});

/** The first value of a request header, case-insensitively. */
export function requestHeader(request: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Compares secrets in constant time; hashing first hides their lengths too. */
export function secretsEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Unix seconds (as providers send them) to ISO-8601, or undefined when unreadable. */
export function fromUnixSeconds(value: string): string | undefined {
  if (!/^\d{1,12}$/.test(value)) return undefined;
  return new Date(Number(value) * 1000).toISOString();
}
