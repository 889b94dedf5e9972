import { Webhook } from 'standardwebhooks';
import { deterministicUuid } from '../ids.ts';
import { parseWebhookSecret } from './webhook-secret.ts';

/*
 * Signing what we send to a clinic's endpoint, as Standard Webhooks says (PROVIDERS-2.md section 4):
 * HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, base64, prefixed `v1,`. The signing
 * itself is the `standardwebhooks` package's, the library the clinic's receiver is most likely to
 * verify with; the tests check it against a plain HMAC too, the recipe README gives for Python.
 */

/** The three headers of a delivery; their names are the specification's, in lower case. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface WebhookMessage {
  /** The message's id: the same on every attempt, since receivers dedupe on it (see webhookMessageId). */
  id: string;
  /**
   * When this attempt is made, by the wall clock: receivers compare it with their own clock (5 minutes
   * either way in the reference libraries), so it never comes from a test clock or the event's time.
   */
  timestamp: Date;
  /** The exact body sent, as UTF-8: the signature covers these bytes, so the body is never serialised again. */
  body: string;
}

/** What may be in a message id: the specification forbids `.`, the separator of the signed content. */
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The headers for one attempt at one message. Every secret in `secrets` signs, in the order given,
 * and the signatures share one header separated by spaces: during a rotation the old and the new
 * secret both sign, so a receiver holding either accepts the message. The secrets are ours (decrypted
 * from the ledger), so one that is not a valid `whsec_` secret is a bug and throws, as does an empty list.
 */
export function signWebhook(message: WebhookMessage, secrets: readonly string[]): WebhookHeaders {
  if (!MESSAGE_ID.test(message.id)) throw new Error('A webhook message id is 1 to 128 letters, digits, "_" or "-"');
  const millis = message.timestamp.getTime();
  if (!Number.isFinite(millis)) throw new Error('A webhook timestamp must be a valid date');
  if (secrets.length === 0) throw new Error('A webhook message needs at least one secret to sign it');
  const signatures = secrets.map((secret, index) => {
    const parsed = parseWebhookSecret(secret, `secrets.${index}`);
    if (!parsed.ok) throw new Error(`Cannot sign with ${parsed.error.field}: ${parsed.error.message}`);
    // The package floors the date to whole seconds, as the header below does: both name the same second.
    return new Webhook(parsed.value).sign(message.id, message.timestamp, message.body);
  });
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(millis / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/**
 * The `webhook-id` of a message, derived from our own ids so that every attempt, every worker and a
 * retry after a crash send the same one: delivery is at least once, and the receiver's dedup on this id
 * makes it once for them. Pass what makes the message one message, e.g. (endpoint id, event kind, id of
 * the ledger event it reports); the same parts always give the same id, different endpoints never share one.
 */
export function webhookMessageId(...parts: readonly [string | number, ...(string | number)[]]): string {
  return `msg_${deterministicUuid('webhook-message', ...parts).replaceAll('-', '')}`;
}
