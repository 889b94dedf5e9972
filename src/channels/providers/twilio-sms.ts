import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport, SendOutcome } from '../channel-port.ts';
import { parseJson } from './parse-json.ts';
import { createProviderHttpClient, headerValue, type HttpResponse } from './provider-http-client.ts';
import { excerpt, parseRetryAfterMs, permanent, retryable, unanswered, type SendFailure } from './send-failure.ts';
import { createSmsTransport, type SmsProviderAdapter, type SmsSendRequest } from './sms-provider-adapter.ts';

export const TWILIO_PROVIDER = 'twilio';
export const DEFAULT_TWILIO_BASE_URL = 'https://api.twilio.com';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** Exactly one sender: a number or alphanumeric id, or a Messaging Service. */
  sender: { from: string } | { messagingServiceSid: string };
  /** Our public `/webhooks/sms` URL, as Twilio will sign it. */
  statusCallbackUrl?: string;
  baseUrl?: string;
  connections?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

const MessageCreated = z.object({ sid: z.string().min(1) });
const TwilioError = z.object({ code: z.number(), message: z.string().optional() });

// Codes from twilio.com/docs/api/errors (PROVIDERS.md section 3); the grouping is our policy.
const INVALID_ADDRESS = new Set([21211, 21614]);
const CONFIGURATION = new Set([21606, 21408]);
const AUTHENTICATION = new Set([20003]);
const TOO_MANY_REQUESTS = 20429;
const UNREACHABLE_HANDSET = 30003;
const OPTED_OUT = 21610;

/** Twilio Programmable Messaging as an SMS provider adapter. */
export function createTwilioSmsAdapter(options: TwilioSmsOptions): SmsProviderAdapter {
  const http = createProviderHttpClient({ ...options, baseUrl: options.baseUrl ?? DEFAULT_TWILIO_BASE_URL });
  const clock = options.clock ?? { now: () => new Date() };
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const path = `/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;

  async function send(request: SmsSendRequest, signal?: AbortSignal): Promise<SendOutcome> {
    // Twilio documents no DLT template parameter, so `dltTemplateId` is not sent (see PROVIDERS.md).
    const form = new URLSearchParams({ To: request.to, Body: request.text });
    if ('from' in options.sender) form.set('From', options.sender.from);
    else form.set('MessagingServiceSid', options.sender.messagingServiceSid);
    if (options.statusCallbackUrl) form.set('StatusCallback', options.statusCallbackUrl);
    const result = await http.request({
      method: 'POST',
      path,
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    const outcome: SendOutcome = !result.ok
      ? unanswered(TWILIO_PROVIDER, result)
      : result.response.status >= 200 && result.response.status < 300
        ? accepted(result.response)
        : mapTwilioError(result.response, clock.now());
    if (outcome.kind === 'failed') {
      options.logger?.warn(
        { notificationId: request.notificationId, recipient: maskAddress(request.to), provider: TWILIO_PROVIDER, code: outcome.code, retryable: outcome.retryable },
        'sms send failed',
      );
    }
    return outcome;
  }

  return { provider: TWILIO_PROVIDER, send, close: () => http.close() };
}

/** The SMS channel with Twilio as its only provider. */
export function createTwilioSmsTransport(options: TwilioSmsOptions): ChannelTransport {
  return createSmsTransport({ defaultAdapter: createTwilioSmsAdapter(options) });
}

function accepted(response: HttpResponse): SendOutcome {
  const created = parseJson(response.text, MessageCreated);
  // A 2xx we cannot read may still be a queued message: never retry it into a duplicate.
  if (!created) return permanent(TWILIO_PROVIDER, 'unrecognised-response', excerpt(response.text));
  return { kind: 'sent', provider: TWILIO_PROVIDER, providerMessageId: created.sid };
}

export function mapTwilioError(response: HttpResponse, now: Date): SendFailure {
  const retryAfterMs = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const error = parseJson(response.text, TwilioError);
  const code = error ? String(error.code) : `http-${response.status}`;
  const message = excerpt(error?.message ?? response.text) || `HTTP ${response.status}`;
  const numeric = error?.code;
  if (numeric === TOO_MANY_REQUESTS || response.status === 429) return retryable(TWILIO_PROVIDER, code, message, wait);
  if (numeric === UNREACHABLE_HANDSET) return retryable(TWILIO_PROVIDER, code, message, wait);
  if (numeric === OPTED_OUT) return permanent(TWILIO_PROVIDER, code, message, { effect: 'opt-out' });
  if (numeric !== undefined && INVALID_ADDRESS.has(numeric)) return permanent(TWILIO_PROVIDER, code, message, { effect: 'invalid-address' });
  if (numeric !== undefined && CONFIGURATION.has(numeric)) return permanent(TWILIO_PROVIDER, code, message);
  if ((numeric !== undefined && AUTHENTICATION.has(numeric)) || response.status === 401) {
    return permanent(TWILIO_PROVIDER, code, message, { effect: 'pause-channel' });
  }
  if (response.status >= 500) return retryable(TWILIO_PROVIDER, code, message, wait);
  return permanent(TWILIO_PROVIDER, code, message);
}
