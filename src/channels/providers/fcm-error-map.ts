import { z } from 'zod';
import { parseJson } from './parse-json.ts';
import { headerValue, type HttpResponse } from './provider-http-client.ts';
import { excerpt, parseRetryAfterMs, permanent, retryable, type SendFailure } from './send-failure.ts';

export const FCM_PROVIDER = 'fcm';

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

const GoogleError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.object({
      '@type': z.string(),
      errorCode: z.string().optional(),
      fieldViolations: z.array(z.object({ field: z.string().optional(), description: z.string().optional() })).optional(),
    }).passthrough()).optional(),
  }),
});

// firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode; the grouping is our policy.
const DEAD_TOKEN = new Set(['UNREGISTERED', 'SENDER_ID_MISMATCH']);
const RETRY = new Set(['QUOTA_EXCEEDED', 'UNAVAILABLE', 'INTERNAL']);

/** What an error answer from messages:send means; `tokenRejected` asks the caller to renew the OAuth token. */
export function mapFcmError(response: HttpResponse, now: Date): { failure: SendFailure; tokenRejected: boolean } {
  const retryAfterMs = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const body = parseJson(response.text, GoogleError)?.error;
  const details = body?.details ?? [];
  const errorCode = details.find((detail) => detail['@type'] === FCM_ERROR_TYPE)?.errorCode;
  const code = errorCode ?? body?.status ?? `http-${response.status}`;
  const message = excerpt(body?.message ?? response.text) || `HTTP ${response.status}`;
  const none = { tokenRejected: false };

  if (errorCode !== undefined && DEAD_TOKEN.has(errorCode)) return { failure: permanent(FCM_PROVIDER, code, message, { effect: 'drop-token' }), ...none };
  if (errorCode === 'INVALID_ARGUMENT') {
    // INVALID_ARGUMENT also covers a bad payload; when FCM names the fields, only `message.token` means the token is dead.
    const fields = details.flatMap((detail) => (detail['@type'] === BAD_REQUEST_TYPE ? detail.fieldViolations ?? [] : [])).map((v) => v.field);
    const tokenAtFault = fields.length === 0 || fields.includes('message.token');
    return { failure: permanent(FCM_PROVIDER, code, message, tokenAtFault ? { effect: 'drop-token' } : {}), ...none };
  }
  if (errorCode !== undefined && RETRY.has(errorCode)) return { failure: retryable(FCM_PROVIDER, code, message, wait), ...none };
  if (errorCode === 'THIRD_PARTY_AUTH_ERROR') return { failure: permanent(FCM_PROVIDER, code, message), ...none };
  // Our access token expired or was revoked: a fresh one may well succeed.
  if (response.status === 401) return { failure: retryable(FCM_PROVIDER, code, message), tokenRejected: true };
  // The service account may not send for this project: every push would fail alike.
  if (response.status === 403) return { failure: permanent(FCM_PROVIDER, code, message, { effect: 'pause-channel' }), ...none };
  if (response.status >= 500 || response.status === 429) return { failure: retryable(FCM_PROVIDER, code, message, wait), ...none };
  return { failure: permanent(FCM_PROVIDER, code, message), ...none };
}
