import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { ok } from '../../domain/result.ts';
import { scrubContacts } from '../providers/scrub-contacts.ts';
import { classifyReply } from './reply-keywords.ts';
import {
  emptyBatch, fromUnixSeconds, reject, requestHeader, secretsEqual,
  type InboundReply, type ProviderStatusReport, type WebhookBatch, type WebhookRequest, type WebhookResult,
} from './webhook-types.ts';

export interface WhatsAppWebhookConfig {
  /** The value 360dialog sends in the custom header set with the webhook URL. */
  sharedSecret: string;
  /** Default `x-webhook-secret`. */
  secretHeaderName?: string;
  /** 360dialog's partner platform secret: when set, `x-360dialog-signature` must match too. */
  hmacSecret?: string;
}

const PROVIDER = '360dialog';
const DEFAULT_SECRET_HEADER = 'x-webhook-secret';
/** Meta's code for "user stopped marketing messages": an opt-out learnt from a failed status. */
const OPTED_OUT_CODE = 131050;

const StatusError = z.object({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});
const Status = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string(),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(StatusError).optional(),
});
const Media = z.object({ id: z.string().min(1), mime_type: z.string().optional(), caption: z.string().optional() });
const MEDIA_KINDS = ['image', 'audio', 'video', 'document', 'sticker'] as const;
const Inbound = z.object({
  from: z.string().min(1),
  id: z.string().min(1),
  timestamp: z.string(),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  interactive: z.object({
    button_reply: z.object({ title: z.string() }).optional(),
    list_reply: z.object({ title: z.string() }).optional(),
  }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }).optional(),
  ...Object.fromEntries(MEDIA_KINDS.map((kind) => [kind, Media.optional()])) as Record<(typeof MEDIA_KINDS)[number], z.ZodOptional<typeof Media>>,
});
const Envelope = z.object({
  object: z.string().optional(),
  entry: z.array(z.object({
    changes: z.array(z.object({
      field: z.string(),
      value: z.object({ statuses: z.array(Status).optional(), messages: z.array(Inbound).optional() }),
    })),
  })),
});

const REPORTED = new Set(['sent', 'delivered', 'read', 'failed']);

/**
 * Meta Cloud API webhooks as 360dialog forwards them: delivery statuses and inbound messages.
 * Statuses arrive unordered and `delivered` may be skipped; the projection applies the order.
 */
export function parseWhatsAppWebhook(request: WebhookRequest, config: WhatsAppWebhookConfig): WebhookResult {
  const presented = requestHeader(request, config.secretHeaderName ?? DEFAULT_SECRET_HEADER);
  if (presented === undefined || !secretsEqual(presented, config.sharedSecret)) return reject('bad-signature', 'missing or wrong shared secret');
  if (config.hmacSecret !== undefined && !hmacMatches(request, config.hmacSecret)) return reject('bad-signature', 'x-360dialog-signature does not match');

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return reject('malformed', 'body is not JSON');
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) return reject('malformed', parsed.error.issues.map((issue) => issue.path.join('.')).join(', '));

  const batch = emptyBatch();
  for (const change of parsed.data.entry.flatMap((entry) => entry.changes)) {
    if (change.field !== 'messages') continue;
    for (const status of change.value.statuses ?? []) {
      const added = addStatus(batch, status);
      if (added !== undefined) return reject('malformed', added);
    }
    for (const message of change.value.messages ?? []) {
      const receivedAt = fromUnixSeconds(message.timestamp);
      if (receivedAt === undefined) return reject('malformed', `message ${message.id} has no readable timestamp`);
      const content = contentOf(message);
      const text = content.text;
      batch.replies.push({ provider: PROVIDER, channel: 'whatsapp', from: `+${message.from}`, messageId: message.id, receivedAt, ...classifyReply(text), ...content });
    }
  }
  return ok(batch);
}

/**
 * What an inbound message carries, by its type: words (text, a template's quick-reply button, an
 * interactive reply), media (its id, to fetch from the provider, and caption) or a location. A type
 * we do not know (a reaction, a contact card) is kept as media with its type, so nothing is lost.
 */
function contentOf(message: z.infer<typeof Inbound>): Pick<InboundReply, 'text' | 'messageType' | 'media' | 'location'> {
  const button = message.button?.text ?? message.button?.payload ?? message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title;
  if (message.text) return { messageType: 'text', text: message.text.body };
  if (button !== undefined) return { messageType: 'button', text: button };
  if (message.location) {
    const { latitude, longitude, name, address } = message.location;
    return { messageType: 'location', location: { latitude, longitude, name: name ?? null, address: address ?? null } };
  }
  const kind = MEDIA_KINDS.find((k) => message[k] !== undefined);
  const media = kind ? message[kind]! : null;
  const caption = media?.caption;
  return {
    messageType: 'media',
    media: { kind: kind ?? message.type, mediaId: media?.id ?? message.id, mimeType: media?.mime_type ?? null, caption: caption ?? null },
    ...(caption === undefined ? {} : { text: caption }),
  };
}

/** Adds one status to the batch, or says why it is malformed. */
function addStatus(batch: WebhookBatch, status: z.infer<typeof Status>): string | undefined {
  if (!REPORTED.has(status.status)) return undefined;
  const occurredAt = fromUnixSeconds(status.timestamp);
  if (occurredAt === undefined) return `status ${status.id} has no readable timestamp`;
  const error = status.errors?.[0];
  const reportId = `${status.id}:${status.status}`;
  const report: ProviderStatusReport = {
    provider: PROVIDER,
    providerMessageId: status.id,
    status: status.status as ProviderStatusReport['status'],
    code: error ? String(error.code) : null,
    detail: error ? scrubContacts(error.error_data?.details ?? error.title ?? error.message ?? String(error.code)) : null,
    reportId,
    occurredAt,
    ...(status.biz_opaque_callback_data ? { notificationId: status.biz_opaque_callback_data } : {}),
  };
  batch.reports.push(report);
  if (error?.code === OPTED_OUT_CODE && status.recipient_id) {
    batch.suppressions.push({ channel: 'whatsapp', address: `+${status.recipient_id}`, reason: 'opted-out', reportId, occurredAt });
  }
  return undefined;
}

/** 360dialog documents HMAC-SHA256 of the body but not its encoding: accept hex (optionally `sha256=`) or base64. */
function hmacMatches(request: WebhookRequest, secret: string): boolean {
  const header = requestHeader(request, 'x-360dialog-signature')?.trim().replace(/^sha256=/i, '');
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(request.rawBody).digest();
  const presented = /^[0-9a-f]{64}$/i.test(header) ? Buffer.from(header, 'hex') : Buffer.from(header, 'base64');
  return secretsEqual(presented, expected);
}
