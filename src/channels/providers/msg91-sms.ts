import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { SendOutcome } from '../channel-port.ts';
import { parseJson } from './parse-json.ts';
import { createProviderHttpClient, headerValue, type HttpResponse } from './provider-http-client.ts';
import { excerpt, parseRetryAfterMs, permanent, retryable, unanswered, type SendFailure } from './send-failure.ts';
import type { SmsProviderAdapter, SmsSendRequest } from './sms-provider-adapter.ts';

export const MSG91_PROVIDER = 'msg91';
export const DEFAULT_MSG91_BASE_URL = 'https://control.msg91.com';
export const MSG91_FLOW_PATH = '/api/v5/flow';

export interface Msg91SmsOptions {
  authKey: string;
  baseUrl?: string;
  connections?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** MSG91 answers `type` and `message`: the request id on success (the `requestId` of its delivery reports), the reason on error. */
const FlowAnswer = z.object({
  type: z.string(),
  message: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
});

/*
 * MSG91 error codes. 106 (missing authentication key) is documented with the Flow API and 418 (IP not
 * whitelisted) on its API security page; the others are from its older API's error table and are
 * not confirmed for v5 (PROVIDERS-2.md section 3). The grouping is our policy.
 */
const ACCOUNT_UNUSABLE = new Set(['106', '207', '208', '301', '302', '303', '418', '505']);
const INVALID_NUMBER = new Set(['202']);
const ROUTE_UNAVAILABLE = new Set(['306']);

const LINK = /https?:\/\/|www\./i;

/**
 * MSG91's Flow API as an SMS provider adapter. MSG91 holds the DLT template id, the header and the
 * registered text in its own template, so a message goes out as that template's id and named
 * variables; one without a provider template cannot be sent here at all.
 */
export function createMsg91SmsAdapter(options: Msg91SmsOptions): SmsProviderAdapter {
  const http = createProviderHttpClient({ ...options, baseUrl: options.baseUrl ?? DEFAULT_MSG91_BASE_URL });
  const clock = options.clock ?? { now: () => new Date() };

  async function send(request: SmsSendRequest, signal?: AbortSignal): Promise<SendOutcome> {
    const outcome = await attempt(request, signal);
    if (outcome.kind === 'failed') {
      options.logger?.warn(
        { notificationId: request.notificationId, recipient: maskAddress(request.to), provider: MSG91_PROVIDER, code: outcome.code, retryable: outcome.retryable },
        'sms send failed',
      );
    }
    return outcome;
  }

  async function attempt(request: SmsSendRequest, signal?: AbortSignal): Promise<SendOutcome> {
    const template = request.providerTemplate;
    if (!template) return permanent(MSG91_PROVIDER, 'no-provider-template', 'the SMS template names no MSG91 template, and MSG91 sends only its templates');
    const result = await http.request({
      method: 'POST',
      path: MSG91_FLOW_PATH,
      headers: { authkey: options.authKey, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(flowBody(request.to, template)),
      signal,
    });
    if (!result.ok) return unanswered(MSG91_PROVIDER, result);
    return readAnswer(result.response, clock.now());
  }

  return { provider: MSG91_PROVIDER, send, close: () => http.close() };
}

/**
 * The Flow API body for one recipient. `mobiles` is the number with its country code and no `+`.
 * The DLT check lets a link only into variables tagged `url`, so a link in any value asks MSG91 to
 * shorten it onto its whitelisted domain.
 */
export function flowBody(to: string, template: { templateId: string; variables: Record<string, string> }): object {
  const values = Object.values(template.variables);
  return {
    template_id: template.templateId,
    short_url: values.some((value) => LINK.test(value)) ? '1' : '0',
    recipients: [{ ...template.variables, mobiles: to.replace(/^\+/, '') }],
  };
}

function readAnswer(response: HttpResponse, now: Date): SendOutcome {
  const answer = parseJson(response.text, FlowAnswer);
  if (response.status >= 200 && response.status < 300 && answer?.type === 'success') {
    // Without the request id no report could ever be matched; it still went, so never retry it.
    if (!answer.message) return permanent(MSG91_PROVIDER, 'unrecognised-response', excerpt(response.text));
    return { kind: 'sent', provider: MSG91_PROVIDER, providerMessageId: answer.message };
  }
  return mapMsg91Error(response, now);
}

/** An MSG91 error answer (an HTTP error, or 200 with `type: error`) as a send failure. */
export function mapMsg91Error(response: HttpResponse, now: Date): SendFailure {
  const retryAfterMs = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const answer = parseJson(response.text, FlowAnswer);
  const providerCode = answer?.code === undefined ? undefined : String(answer.code);
  const code = providerCode ?? `http-${response.status}`;
  const message = excerpt(answer?.message ?? response.text) || `HTTP ${response.status}`;
  if (response.status === 429) return retryable(MSG91_PROVIDER, code, message, wait);
  if (response.status === 401 || response.status === 403 || (providerCode !== undefined && ACCOUNT_UNUSABLE.has(providerCode))) {
    return permanent(MSG91_PROVIDER, code, message, { effect: 'pause-channel' });
  }
  if (providerCode !== undefined && INVALID_NUMBER.has(providerCode)) return permanent(MSG91_PROVIDER, code, message, { effect: 'invalid-address' });
  if (providerCode !== undefined && ROUTE_UNAVAILABLE.has(providerCode)) return retryable(MSG91_PROVIDER, code, message, wait);
  if (response.status >= 500) return retryable(MSG91_PROVIDER, code, message, wait);
  // A 2xx we cannot read may still be a queued message: never retry it into a duplicate.
  if (response.status >= 200 && response.status < 300 && answer?.type !== 'error') return permanent(MSG91_PROVIDER, 'unrecognised-response', excerpt(response.text));
  return permanent(MSG91_PROVIDER, code, message);
}
