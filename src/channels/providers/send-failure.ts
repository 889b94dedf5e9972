import type { SendOutcome } from '../channel-port.ts';
import type { HttpResult } from './provider-http-client.ts';
import { scrubContacts } from './scrub-contacts.ts';

export type SendFailure = Extract<SendOutcome, { kind: 'failed' }>;

/** A failure the caller may retry, with the provider's own code. */
export const retryable = (provider: string, code: string, message: string, extra: Partial<SendFailure> = {}): SendFailure => ({
  kind: 'failed', provider, retryable: true, code, message, ...extra,
});

/** A failure that sending the same message again cannot fix. */
export const permanent = (provider: string, code: string, message: string, extra: Partial<SendFailure> = {}): SendFailure => ({
  kind: 'failed', provider, retryable: false, code, message, ...extra,
});

/**
 * No answer from the provider. The request may still have reached it, so this is retryable and the
 * dispatcher's possible-duplicate marking covers the rest. A caller's abort (shutdown) is told apart.
 */
export function unanswered(provider: string, result: Extract<HttpResult, { ok: false }>): SendFailure {
  return retryable(provider, result.failure === 'aborted' ? 'aborted' : 'network', `${result.failure}: ${result.message}`);
}

/**
 * Retry-After as milliseconds from `now`: either delta-seconds or an HTTP date (RFC 9110 10.2.3).
 * Anything unreadable is ignored rather than trusted.
 */
export function parseRetryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** A short, single-line excerpt of a provider's body for the ledger, contacts masked; never the request we sent. */
export function excerpt(text: string, max = 300): string {
  const flat = scrubContacts(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** The error kind for a message that reached the wrong transport: a wiring bug, so it throws. */
export function wrongChannel(provider: string, channel: string): never {
  throw new Error(`${provider} transport was given a ${channel} message`);
}
