import { createHash } from 'node:crypto';
import type { WebhookAttemptOutcome } from './webhook-delivery-events.ts';

/*
 * When a webhook message is tried again, and what an answer means: the Standard Webhooks example
 * schedule (PROVIDERS-2.md section 4), 2xx delivered, 410 gone, anything else a failure to retry,
 * a redirect included (it is never followed: its Location is a target the address guard has not seen).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The waits after attempt 1, 2, ... of a round: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 75.5 h in all). */
export const RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];

/** The first attempt and one after each wait. */
export const ATTEMPTS_PER_ROUND = RETRY_DELAYS_MS.length + 1;

/** Each wait is stretched or shrunk by up to this much, so endpoints that failed together are not retried together. */
export const RETRY_JITTER = 0.1;

/** A Retry-After longer than this is read as this. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** An endpoint whose attempts have all failed for this long, since its last success, is disabled. */
export const FAILING_DISABLE_AFTER_MS = 24 * HOUR;

/**
 * The jitter of one attempt of one message, in [1 - RETRY_JITTER, 1 + RETRY_JITTER]: a hash, not a
 * random draw, so every instance (and a reader checking the ledger) computes the same wait.
 */
export function jitterFactor(messageId: string, attempt: number): number {
  const digest = createHash('sha256').update(`${messageId}\u0000${attempt}`).digest();
  const unit = digest.readUInt32BE(0) / 0xffffffff;
  return 1 - RETRY_JITTER + 2 * RETRY_JITTER * unit;
}

/**
 * The wait after a failed attempt: `attemptInRound` is 1 for the round's first attempt (a replay
 * starts a new round). Null once the round's last attempt has failed.
 */
export function retryDelayMs(messageId: string, attempt: number, attemptInRound: number): number | null {
  const base = RETRY_DELAYS_MS[attemptInRound - 1];
  if (base === undefined || attemptInRound < 1) return null;
  return Math.round(base * jitterFactor(messageId, attempt));
}

/**
 * A `Retry-After` header in milliseconds from `wallNow`: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`, compared with the wall clock, as the endpoint wrote it by its
 * own). A date already past is 0; more than 24 hours is 24 hours; anything else is ignored (null).
 */
export function parseRetryAfter(value: string | null | undefined, wallNow: Date): number | null {
  const text = value?.trim();
  if (!text) return null;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * SECOND;
  else if (/[A-Za-z]/.test(text) && Number.isFinite(Date.parse(text))) ms = Math.max(0, Date.parse(text) - wallNow.getTime());
  else return null;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** What came back from one attempt. */
export type AttemptAnswer =
  | { kind: 'http'; status: number; retryAfter?: string | null }
  | { kind: 'error'; message: string }
  | { kind: 'refused'; message: string };

export interface AttemptDecision {
  outcome: WebhookAttemptOutcome;
  /** On the service's clock; null: no further attempt in this round. */
  nextAttemptAt: Date | null;
  /** 410: the endpoint asked to hear nothing more. */
  disableEndpoint: 'gone' | null;
}

/**
 * What an attempt's answer means for the message. `now` is the service's clock (the schedule is
 * kept on it); `wallNow` is the machine's, only to read a Retry-After date the endpoint wrote by its
 * own clock. A Retry-After lengthens the wait the schedule gives, never shortens it.
 */
export function decideAttempt(input: {
  messageId: string;
  attempt: number;
  attemptInRound: number;
  answer: AttemptAnswer;
  now: Date;
  wallNow: Date;
}): AttemptDecision {
  const { answer } = input;
  if (answer.kind === 'http' && answer.status >= 200 && answer.status < 300) return { outcome: 'delivered', nextAttemptAt: null, disableEndpoint: null };
  if (answer.kind === 'http' && answer.status === 410) return { outcome: 'gone', nextAttemptAt: null, disableEndpoint: 'gone' };
  const delay = retryDelayMs(input.messageId, input.attempt, input.attemptInRound);
  const refused = answer.kind === 'refused';
  if (delay === null) return { outcome: refused ? 'refused' : 'failed', nextAttemptAt: null, disableEndpoint: null };
  const asked = answer.kind === 'http' ? (parseRetryAfter(answer.retryAfter, input.wallNow) ?? 0) : 0;
  return { outcome: refused ? 'refused' : 'retrying', nextAttemptAt: new Date(input.now.getTime() + Math.max(delay, asked)), disableEndpoint: null };
}

/** Whether an endpoint failing since `failingSince` (its first failure after its last success) has failed long enough to be disabled. */
export function hasFailedTooLong(failingSince: Date | null, at: Date): boolean {
  return failingSince !== null && at.getTime() - failingSince.getTime() >= FAILING_DISABLE_AFTER_MS;
}
