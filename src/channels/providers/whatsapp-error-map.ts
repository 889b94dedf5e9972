import { z } from 'zod';
import { parseJson } from './parse-json.ts';
import { excerpt, parseRetryAfterMs, permanent, retryable, type SendFailure } from './send-failure.ts';
import { headerValue, type HttpResponse } from './provider-http-client.ts';

export const WHATSAPP_PROVIDER = '360dialog';

/** Meta's Graph error shape, which 360dialog passes through for Cloud API errors. */
const MetaError = z.object({
  error: z.object({
    code: z.number(),
    message: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
  }),
});

// Codes from Meta's WhatsApp error table (PROVIDERS.md section 1) and the issue; the grouping is our policy.
const THROTTLED = new Set([4, 80007, 130429, 131056]);
const TRANSIENT = new Set([1, 2, 131000, 131001, 131002, 131057, 133004]);
const ACCOUNT_RESTRICTED = new Set([368, 131031, 131042]);
const OPTED_OUT = 131050;
const UNDELIVERABLE = 131026;
const INVALID_PARAMETER = 100;
// The template or its parameters: the same send can never succeed, whatever the status. The code is kept
// as the failure's `code`, so `templateRefusalOf` (src/domain/templates) can tell a template refusal from the rest.
const TEMPLATE_PROBLEM = new Set([132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018]);

// Code 100 is any invalid parameter. Only when Meta names the recipient is the address itself at fault;
// a template or payload mistake must not mark every patient's number invalid.
const NAMES_RECIPIENT = /\b(to|recipient|phone|wa_id)\b/i;

/** Maps a non-2xx answer from 360dialog to a failed outcome. */
export function mapWhatsAppError(response: HttpResponse, now: Date): SendFailure {
  const retryAfterMs = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const meta = parseJson(response.text, MetaError);
  if (meta) {
    const { code } = meta.error;
    const details = meta.error.error_data?.details;
    const message = excerpt([meta.error.message, details].filter(Boolean).join(': ') || `Meta error ${code}`);
    const id = String(code);
    if (THROTTLED.has(code)) return retryable(WHATSAPP_PROVIDER, id, message, wait);
    if (TRANSIENT.has(code)) return retryable(WHATSAPP_PROVIDER, id, message, wait);
    if (TEMPLATE_PROBLEM.has(code)) return permanent(WHATSAPP_PROVIDER, id, message);
    if (ACCOUNT_RESTRICTED.has(code)) return permanent(WHATSAPP_PROVIDER, id, message, { effect: 'pause-channel' });
    if (code === OPTED_OUT) return permanent(WHATSAPP_PROVIDER, id, message, { effect: 'opt-out' });
    if (code === UNDELIVERABLE) return permanent(WHATSAPP_PROVIDER, id, message, { effect: 'invalid-address' });
    if (code === INVALID_PARAMETER && NAMES_RECIPIENT.test(message)) {
      return permanent(WHATSAPP_PROVIDER, id, message, { effect: 'invalid-address' });
    }
    if (response.status >= 500) return retryable(WHATSAPP_PROVIDER, id, message, wait);
    return permanent(WHATSAPP_PROVIDER, id, message);
  }
  return mapDialogError(response, wait);
}

/**
 * 360dialog's own errors (docs.360dialog.com/docs/support/api-error-message-list) carry no documented
 * machine code, so they are told apart by status and wording.
 */
function mapDialogError(response: HttpResponse, wait: { retryAfterMs?: number }): SendFailure {
  const code = `http-${response.status}`;
  const message = excerpt(response.text) || `HTTP ${response.status}`;
  const lower = response.text.toLowerCase();
  if (response.status === 429 || (response.status === 400 && lower.includes('rate limit'))) {
    return retryable(WHATSAPP_PROVIDER, code, message, wait);
  }
  if (response.status === 400 && (lower.includes('payment') || lower.includes('disabled'))) {
    return permanent(WHATSAPP_PROVIDER, code, message, { effect: 'pause-channel' });
  }
  if (response.status === 401 || response.status === 403) {
    return permanent(WHATSAPP_PROVIDER, code, message, { effect: 'pause-channel' });
  }
  if (response.status >= 500) return retryable(WHATSAPP_PROVIDER, code, message, wait);
  return permanent(WHATSAPP_PROVIDER, code, message);
}
