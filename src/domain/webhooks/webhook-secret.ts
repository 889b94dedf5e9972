import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { InputIssue } from '../input-issue.ts';
import { err, ok, type Result } from '../result.ts';

/*
 * An endpoint's signing secret, as Standard Webhooks writes it (PROVIDERS-2.md section 4): `whsec_`
 * followed by the standard base64 (with padding) of a random key. The specification asks for at least
 * 24 bytes and at most 64 (512 bits); we make 32, SHA-256's output size, below which RFC 2104
 * discourages an HMAC key.
 * The clinic is shown the secret once; the ledger keeps only its encrypted form.
 */

/** A secret that has been checked: the `whsec_` text clients are given. */
export type WebhookSecret = string & { readonly __brand: 'WebhookSecret' };

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_SECRET_BYTES = 32;
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

/** Standard base64 with its padding, as the reference libraries decode it (no URL-safe alphabet, no spaces). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Where random bytes come from; tests pass fixed bytes. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A new secret for an endpoint. The one source of randomness in this module, kept beside the format
 * it must match; the command that creates or rotates an endpoint calls it and records the result,
 * so replay reads the secret from the ledger and never makes another.
 */
export function generateWebhookSecret(randomBytes: RandomBytes = nodeRandomBytes): WebhookSecret {
  const key = randomBytes(WEBHOOK_SECRET_BYTES);
  if (key.length !== WEBHOOK_SECRET_BYTES) throw new Error(`Expected ${WEBHOOK_SECRET_BYTES} random bytes, got ${key.length}`);
  return formatWebhookSecret(key);
}

/** The `whsec_` text of a key; a key outside the specification's sizes is a bug. */
export function formatWebhookSecret(key: Uint8Array): WebhookSecret {
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) {
    throw new Error(`A webhook secret is ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes, not ${key.length}`);
  }
  return `${WEBHOOK_SECRET_PREFIX}${Buffer.from(key).toString('base64')}` as WebhookSecret;
}

/**
 * Checks a secret given to us (an admin's input, or one read back from the ledger). The issue names
 * `field` and never quotes the value: a secret does not belong in an error message or a log.
 */
export function parseWebhookSecret(text: string, field = 'secret'): Result<WebhookSecret, InputIssue> {
  if (!text.startsWith(WEBHOOK_SECRET_PREFIX)) {
    return err({ field, code: 'missing-prefix', message: `A webhook secret starts with "${WEBHOOK_SECRET_PREFIX}".` });
  }
  const encoded = text.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) {
    return err({ field, code: 'not-base64', message: `After "${WEBHOOK_SECRET_PREFIX}", a webhook secret is standard base64 with its padding.` });
  }
  const size = Buffer.from(encoded, 'base64').length;
  if (size < WEBHOOK_SECRET_MIN_BYTES || size > WEBHOOK_SECRET_MAX_BYTES) {
    return err({
      field,
      code: 'wrong-length',
      message: `A webhook secret holds ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes; this one holds ${size}.`,
    });
  }
  return ok(text as WebhookSecret);
}

