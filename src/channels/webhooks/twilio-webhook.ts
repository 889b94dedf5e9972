import { createHmac } from 'node:crypto';
import { ok } from '../../domain/result.ts';
import { classifyReply } from './reply-keywords.ts';
import { emptyBatch, reject, requestHeader, secretsEqual, type ProviderStatusReport, type WebhookRequest, type WebhookResult } from './webhook-types.ts';

export interface TwilioWebhookConfig {
  /** The account's Auth Token, which signs every callback. */
  authToken: string;
}

const PROVIDER = 'twilio';
/** Twilio's error for a recipient who replied STOP. */
const OPTED_OUT_CODE = '21610';

const STATUS: Record<string, ProviderStatusReport['status']> = {
  accepted: 'sent', scheduled: 'sent', queued: 'sent', sending: 'sent', sent: 'sent',
  delivered: 'delivered', read: 'read',
  undelivered: 'failed', failed: 'failed', canceled: 'failed',
};

/**
 * Twilio Messaging webhooks: status callbacks for our messages and incoming replies.
 * Callbacks carry no timestamp, so a report's time is the arrival time; the status order in the
 * projection, not arrival, decides what a late callback may change.
 */
export function parseTwilioWebhook(request: WebhookRequest, config: TwilioWebhookConfig): WebhookResult {
  const params = new URLSearchParams(request.rawBody.toString('utf8'));
  const signature = requestHeader(request, 'x-twilio-signature');
  if (!signature || !twilioSignatureValid(request.url, params, signature, config.authToken)) {
    return reject('bad-signature', 'X-Twilio-Signature missing or wrong');
  }
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  if (!sid) return reject('malformed', 'no MessageSid');
  const at = (request.receivedAt ?? new Date()).toISOString();
  const batch = emptyBatch();

  const messageStatus = params.get('MessageStatus') ?? params.get('SmsStatus');
  if (messageStatus === 'received' || messageStatus === 'receiving') {
    const from = params.get('From');
    if (!from) return reject('malformed', 'an incoming message without From');
    const text = params.get('Body') ?? undefined;
    batch.replies.push({ provider: PROVIDER, channel: 'sms', from, messageId: sid, receivedAt: at, messageType: 'text', ...classifyReply(text), ...(text === undefined ? {} : { text }) });
    return ok(batch);
  }
  if (!messageStatus) return reject('malformed', 'neither MessageStatus nor an incoming message');
  const status = STATUS[messageStatus];
  if (status === undefined) return ok(batch);

  const errorCode = params.get('ErrorCode') || null;
  const reportId = `${sid}:${messageStatus}`;
  batch.reports.push({
    provider: PROVIDER, providerMessageId: sid, status, code: errorCode ?? (messageStatus === 'canceled' ? 'canceled' : null),
    detail: status === 'failed' ? messageStatus : null, reportId, occurredAt: at,
  });
  const to = params.get('To');
  if (errorCode === OPTED_OUT_CODE && to) batch.suppressions.push({ channel: 'sms', address: to, reason: 'opted-out', reportId, occurredAt: at });
  return ok(batch);
}

/**
 * Base64(HMAC-SHA1(AuthToken, URL + each POST parameter's name and value, sorted by name))
 * (twilio.com/docs/usage/webhooks/webhooks-security). Twilio may sign the URL with or without the
 * default port, so both forms are tried.
 */
export function twilioSignatureValid(url: string, params: URLSearchParams, signature: string, authToken: string): boolean {
  const names = [...new Set(params.keys())].sort();
  const payload = names.map((name) => params.getAll(name).sort().map((value) => `${name}${value}`).join('')).join('');
  const presented = Buffer.from(signature, 'base64');
  return urlVariants(url).some((candidate) =>
    secretsEqual(presented, createHmac('sha1', authToken).update(`${candidate}${payload}`, 'utf8').digest()));
}

function urlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  // URL drops a default port, so an empty port means 443/80 whether or not the caller wrote it.
  if (parsed.port !== '') return [url];
  const userinfo = parsed.username ? `${parsed.username}:${parsed.password}@` : '';
  const rest = `${parsed.pathname}${parsed.search}`;
  const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
  return [url, `${parsed.protocol}//${userinfo}${parsed.hostname}${rest}`, `${parsed.protocol}//${userinfo}${parsed.hostname}:${defaultPort}${rest}`];
}
