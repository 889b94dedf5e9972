import { describe, expect, it } from 'vitest';
import {
  ATTEMPTS_PER_ROUND,
  MAX_RETRY_AFTER_MS,
  RETRY_DELAYS_MS,
  decideAttempt,
  hasFailedTooLong,
  jitterFactor,
  parseRetryAfter,
  retryDelayMs,
  type AttemptAnswer,
} from '../../src/domain/webhooks/webhook-retry.ts';

const now = new Date('2026-11-24T09:00:00.000Z');
const wallNow = new Date('2026-11-24T09:00:00.000Z');
const MESSAGE = 'msg_0123456789abcdef0123456789abcdef';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const decide = (answer: AttemptAnswer, attemptInRound = 1, attempt = attemptInRound) =>
  decideAttempt({ messageId: MESSAGE, attempt, attemptInRound, answer, now, wallNow });
const waitOf = (decision: { nextAttemptAt: Date | null }) => decision.nextAttemptAt!.getTime() - now.getTime();

describe('the retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after attempts 1 to 9, each within 10 % jitter', () => {
    expect(RETRY_DELAYS_MS).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]);
    RETRY_DELAYS_MS.forEach((base, i) => {
      const wait = retryDelayMs(MESSAGE, i + 1, i + 1)!;
      expect(wait).toBeGreaterThanOrEqual(base * 0.9);
      expect(wait).toBeLessThanOrEqual(base * 1.1);
    });
  });

  it('has no wait after the tenth attempt of a round: the message has failed', () => {
    expect(ATTEMPTS_PER_ROUND).toBe(10);
    expect(retryDelayMs(MESSAGE, 10, 10)).toBeNull();
  });

  it('jitters the same way every time for one message and attempt, and differently across messages', () => {
    expect(jitterFactor(MESSAGE, 3)).toBe(jitterFactor(MESSAGE, 3));
    const factors = Array.from({ length: 200 }, (_, i) => jitterFactor(`msg_${i}`, 1));
    expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...factors)).toBeLessThanOrEqual(1.1);
    expect(new Set(factors.map((f) => f.toFixed(4))).size).toBeGreaterThan(150);
    // Spread over the whole band, not bunched at one end.
    expect(factors.some((f) => f < 0.95)).toBe(true);
    expect(factors.some((f) => f > 1.05)).toBe(true);
  });

  it('counts the schedule from the round: a replayed message waits 5 s after its first attempt again', () => {
    const wait = waitOf(decide({ kind: 'http', status: 500 }, 1, 11));
    expect(wait).toBeGreaterThanOrEqual(4.5 * SECOND);
    expect(wait).toBeLessThanOrEqual(5.5 * SECOND);
  });
});

describe('Retry-After', () => {
  it.each([
    ['120', 120 * SECOND],
    ['0', 0],
    [' 30 ', 30 * SECOND],
    ['Tue, 24 Nov 2026 09:01:30 GMT', 90 * SECOND],
    ['Tue, 24 Nov 2026 08:00:00 GMT', 0],
    ['999999', MAX_RETRY_AFTER_MS],
    ['Fri, 27 Nov 2026 09:00:00 GMT', MAX_RETRY_AFTER_MS],
  ])('reads %j as %i ms', (value, ms) => expect(parseRetryAfter(value, wallNow)).toBe(ms));

  it.each([[''], ['soon'], ['-5'], ['1.5'], [null], [undefined]])('ignores %j', (value) => expect(parseRetryAfter(value, wallNow)).toBeNull());
});

describe('what an answer means', () => {
  it.each([200, 201, 204, 299])('%i is delivered, with nothing more to send', (status) => {
    expect(decide({ kind: 'http', status })).toEqual({ outcome: 'delivered', nextAttemptAt: null, disableEndpoint: null });
  });

  it('410 is gone: no retry, and the endpoint is disabled', () => {
    expect(decide({ kind: 'http', status: 410 }, 3)).toEqual({ outcome: 'gone', nextAttemptAt: null, disableEndpoint: 'gone' });
  });

  it.each([301, 302, 307, 308, 400, 401, 404, 429, 500, 502, 503, 504])('%i is retried on the schedule (a redirect is not followed)', (status) => {
    const decision = decide({ kind: 'http', status }, 2);
    expect(decision.outcome).toBe('retrying');
    expect(waitOf(decision)).toBe(retryDelayMs(MESSAGE, 2, 2));
  });

  it('a timeout or a connection error is retried on the schedule', () => {
    const decision = decide({ kind: 'error', message: 'no answer within 10000 ms' });
    expect(decision).toMatchObject({ outcome: 'retrying', disableEndpoint: null });
    expect(waitOf(decision)).toBe(retryDelayMs(MESSAGE, 1, 1));
  });

  it('a Retry-After longer than the schedule\'s wait is honoured; a shorter one does not hurry it', () => {
    expect(waitOf(decide({ kind: 'http', status: 429, retryAfter: '600' }))).toBe(600 * SECOND);
    expect(waitOf(decide({ kind: 'http', status: 503, retryAfter: '1' }, 2))).toBe(retryDelayMs(MESSAGE, 2, 2));
    expect(waitOf(decide({ kind: 'http', status: 503, retryAfter: '99999999' }))).toBe(MAX_RETRY_AFTER_MS);
  });

  it('a refusal by the address guard is recorded as refused and retried like a failure', () => {
    const decision = decide({ kind: 'refused', message: 'refused: its host resolves to a private address' });
    expect(decision.outcome).toBe('refused');
    expect(waitOf(decision)).toBe(retryDelayMs(MESSAGE, 1, 1));
  });

  it('the tenth failure of a round fails the message for good', () => {
    expect(decide({ kind: 'http', status: 500 }, 10)).toEqual({ outcome: 'failed', nextAttemptAt: null, disableEndpoint: null });
    expect(decide({ kind: 'refused', message: 'refused' }, 10)).toEqual({ outcome: 'refused', nextAttemptAt: null, disableEndpoint: null });
  });
});

describe('an endpoint failing without pause', () => {
  const since = new Date('2026-11-24T09:00:00.000Z');
  it.each([
    [null, 48 * HOUR, false],
    [since, 24 * HOUR - 1, false],
    [since, 24 * HOUR, true],
    [since, 31 * HOUR, true],
  ] as const)('failing since %s, %i ms later: disabled %s', (failingSince, after, disabled) => {
    expect(hasFailedTooLong(failingSince, new Date(since.getTime() + after))).toBe(disabled);
  });
});
