import { z } from 'zod';
import { excerpt, parseRetryAfterMs, permanent, retryable, type SendFailure } from './send-failure.ts';

export const SES_PROVIDER = 'ses';

/** What the SDK's errors carry that we read; anything else about them is ignored. */
const SdkError = z.object({
  name: z.string(),
  message: z.string().default(''),
  code: z.string().optional(),
  $metadata: z.object({ httpStatusCode: z.number().optional() }).optional(),
  $response: z.object({ headers: z.record(z.string(), z.string()).optional() }).optional(),
});

// SES v1 (query API) and v2 (REST) name the same conditions differently; DESIGN asks to match both.
const QUOTA_NAMES = new Set(['LimitExceededException']);
const THROTTLE_NAMES = new Set(['TooManyRequestsException', 'Throttling', 'ThrottlingException']);
const PAUSE_NAMES = new Set([
  'AccountSuspendedException', 'SendingPausedException', 'AccountSendingPausedException', 'ConfigurationSetSendingPausedException',
  // Credentials that SES refuses fail every send alike: pause rather than burn each message.
  'UnrecognizedClientException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'AccessDeniedException', 'AccessDenied',
]);
const SERVER_NAMES = new Set(['InternalServiceErrorException', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException']);
const GENERIC_NAMES = new Set(['Error', 'SyntaxError', 'TypeError', 'UnknownError']);

const DAILY_QUOTA = /daily message quota exceeded/i;
const SENDING_RATE = /maximum sending rate exceeded/i;

/**
 * Maps whatever SendEmail threw. A quota error pauses the channel until `quotaPauseMs` from now
 * (SES counts the quota over a rolling 24 hours, so the exact reset time is unknown).
 */
export function mapSesError(error: unknown, now: Date, quotaPauseMs: number): SendFailure {
  const parsed = SdkError.safeParse(error);
  if (!parsed.success) return retryable(SES_PROVIDER, 'network', excerpt(String(error)));
  const { name, message, code } = parsed.data;
  const status = parsed.data.$metadata?.httpStatusCode;
  const text = excerpt(message || name);
  const retryAfterMs = parseRetryAfterMs(retryAfterHeader(parsed.data.$response?.headers), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (QUOTA_NAMES.has(name) || DAILY_QUOTA.test(message)) {
    return retryable(SES_PROVIDER, name, text, { effect: 'quota-pause', retryAfterMs: retryAfterMs ?? quotaPauseMs });
  }
  if (THROTTLE_NAMES.has(name) || SENDING_RATE.test(message)) return retryable(SES_PROVIDER, name, text, wait);
  if (PAUSE_NAMES.has(name)) return permanent(SES_PROVIDER, name, text, { effect: 'pause-channel' });
  if (SERVER_NAMES.has(name)) return retryable(SES_PROVIDER, name, text, wait);
  // No HTTP status: a refused connection, a timeout, a reset. The request may have left, so retry.
  if (status === undefined) return retryable(SES_PROVIDER, 'network', `${code ?? name}: ${text}`);
  // An answer the SDK could not parse (an HTML page from a proxy) is named after the parse error; the status says more.
  const id = GENERIC_NAMES.has(name) ? `http-${status}` : name;
  if (status >= 500) return retryable(SES_PROVIDER, id, text, wait);
  return permanent(SES_PROVIDER, id, text);
}

function retryAfterHeader(headers: Record<string, string> | undefined): string | undefined {
  if (!headers) return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === 'retry-after');
  return entry?.[1];
}
