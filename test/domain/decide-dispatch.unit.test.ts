import { describe, expect, it } from 'vitest';
import type { AttemptFailed, AttemptStarted, NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import {
  ATTEMPT_TIMEOUT_CODE,
  decideDispatch,
  decideRetry,
  hasAttemptsLeft,
  initialNotificationState,
  retryDelayMs,
  type NotificationState,
} from '../../src/domain/notifications/notification-state.ts';

const policy = { maxAttempts: 5, attemptTimeoutMs: 60_000 };
const now = new Date('2026-11-24T09:00:00Z');
const at = (offsetMs: number): string => new Date(now.getTime() + offsetMs).toISOString();

const failure = (code: string, retryAt: string | null = now.toISOString()): AttemptFailed => ({
  notificationId: 'n-1',
  attempt: 1,
  provider: '360dialog',
  retryable: retryAt !== null,
  code,
  message: '',
  failedAt: now.toISOString(),
  retryAt,
});

const afterFailure = (code: string): NotificationState => ({
  ...initialNotificationState,
  planned: {} as NotificationState['planned'],
  phase: 'retry-wait',
  attempts: 1,
  lastFailure: failure(code),
});

/** Given: a notification in `phase` with `over` on top. */
const given = (phase: NotificationState['phase'], over: Partial<NotificationState> = {}): NotificationState => ({
  ...initialNotificationState,
  planned: phase === 'none' || phase === 'suppressed' ? null : ({ notificationId: 'n-1' } as NotificationPlanned),
  phase,
  ...over,
});

const openAttempt = (startedAt: string): AttemptStarted => ({ notificationId: 'n-1', attempt: 1, worker: 'w-1', startedAt, possibleDuplicate: false });

describe('deciding a retry after a failed attempt', () => {
  it.each([
    [ATTEMPT_TIMEOUT_CODE, true],
    ['130429', false],
    ['no-turn-to-send', false],
  ])('after a failure coded %s the retry is a possible duplicate: %s', (code, possibleDuplicate) => {
    expect(decideDispatch(afterFailure(code), now, policy)).toEqual({ kind: 'attempt', attempt: 2, possibleDuplicate });
  });
});

describe('deciding whether to dispatch a notification now', () => {
  it.each([
    ['nothing was planned', given('none'), { kind: 'skip', reason: 'not-planned' }],
    ['it was suppressed', given('suppressed'), { kind: 'skip', reason: 'not-planned' }],
    ['it was sent', given('sent', { attempts: 1 }), { kind: 'skip', reason: 'finished' }],
    ['it failed for good', given('failed', { attempts: 5 }), { kind: 'skip', reason: 'finished' }],
    ['its retry is due in a minute', given('retry-wait', { attempts: 1, lastFailure: failure('503', at(60_000)) }), { kind: 'skip', reason: 'not-due', dueAt: at(60_000) }],
    ['it is deferred to the end of quiet hours, an hour away', given('planned', { planned: { notificationId: 'n-1', dueAt: at(3_600_000) } as NotificationPlanned }), { kind: 'skip', reason: 'not-due', dueAt: at(3_600_000) }],
    ['it was deferred to the end of quiet hours, now', given('planned', { planned: { notificationId: 'n-1', dueAt: at(0) } as NotificationPlanned }), { kind: 'attempt', attempt: 1, possibleDuplicate: false }],
    ['it is deferred past its deadline', given('planned', { planned: { notificationId: 'n-1', dueAt: at(3_600_000), sendBy: at(0) } as NotificationPlanned }), { kind: 'expire', sendBy: at(0), attempts: 0 }],
    ['its retry is due now', given('retry-wait', { attempts: 1, lastFailure: failure('503', at(0)) }), { kind: 'attempt', attempt: 2, possibleDuplicate: false }],
    ['it is planned and never tried', given('planned'), { kind: 'attempt', attempt: 1, possibleDuplicate: false }],
    ['another worker started it 59 s ago', given('attempting', { attempts: 1, openAttempt: openAttempt(at(-59_000)) }), { kind: 'skip', reason: 'owned-by-another' }],
    ['a worker started it 60 s ago and never finished', given('attempting', { attempts: 1, openAttempt: openAttempt(at(-60_000)) }), { kind: 'attempt', attempt: 2, possibleDuplicate: true }],
    ['its 5 attempts are spent', given('retry-wait', { attempts: 5, lastFailure: failure('503', at(0)) }), { kind: 'give-up', attempts: 5 }],
    ['an abandoned attempt was its fifth', given('attempting', { attempts: 5, openAttempt: openAttempt(at(-60_000)) }), { kind: 'give-up', attempts: 5 }],
    ['5 attempts were made before a retry by hand', given('planned', { attempts: 5, retryFloor: 5 }), { kind: 'attempt', attempt: 6, possibleDuplicate: false }],
    ['4 attempts were made after a retry by hand', given('retry-wait', { attempts: 9, retryFloor: 5, lastFailure: failure('503', at(0)) }), { kind: 'attempt', attempt: 10, possibleDuplicate: false }],
    ['5 attempts were made after a retry by hand', given('retry-wait', { attempts: 10, retryFloor: 5, lastFailure: failure('503', at(0)) }), { kind: 'give-up', attempts: 10 }],
  ] as const)('given %s, when the dispatcher looks at it, then it decides %j', (_given, state, decision) => {
    expect(decideDispatch(state, now, policy)).toEqual(decision);
  });
});

describe('whether a failed attempt may be followed by another', () => {
  it.each([
    [1, 0, true],
    [4, 0, true],
    [5, 0, false],
    [9, 5, true],
    [10, 5, false],
  ])('given attempt %i failed with %i attempts before the last retry by hand, then another is allowed: %s', (attempt, retryFloor, allowed) => {
    expect(hasAttemptsLeft(given('attempting', { retryFloor }), attempt, policy)).toBe(allowed);
  });
});

describe('the delay before the next attempt', () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };

  it.each([
    // attempt, random, delay: the ceiling doubles from the base, the delay is a random share of it (full jitter).
    [1, 0, 0],
    [1, 1, 1_000],
    [2, 0, 0],
    [2, 0.5, 1_000],
    [3, 1, 4_000],
    [6, 1, 32_000],
    [7, 0.5, 30_000],
    [7, 1, 60_000],
    [20, 1, 60_000],
  ])('given attempt %i failed and a random draw of %d, then the next one waits %i ms', (attempt, random, delay) => {
    expect(retryDelayMs(attempt, { ...options, random })).toBe(delay);
  });

  it.each([
    [1, 5_000, 5_000],
    [3, 1_000, 1_000],
  ])('given attempt %i failed and the provider asked for %i ms, then the next one waits %i ms', (attempt, retryAfterMs, delay) => {
    expect(retryDelayMs(attempt, { ...options, random: 0, retryAfterMs })).toBe(delay);
  });
});

describe('retrying a notification by hand', () => {
  it.each([
    ['none', { reason: 'not-found' }],
    ['planned', { reason: 'not-failed', phase: 'planned' }],
    ['attempting', { reason: 'not-failed', phase: 'attempting' }],
    ['retry-wait', { reason: 'not-failed', phase: 'retry-wait' }],
    ['sent', { reason: 'not-failed', phase: 'sent' }],
    ['suppressed', { reason: 'not-failed', phase: 'suppressed' }],
  ] as const)('given a notification that is %s, when a retry is asked for, then it is refused with %j', (phase, refusal) => {
    expect(decideRetry(given(phase))).toEqual({ ok: false, error: refusal });
  });

  it('given a notification that failed after 5 attempts, when a retry is asked for, then it is accepted counting those 5', () => {
    expect(decideRetry(given('failed', { attempts: 5 }))).toEqual({ ok: true, value: { previousAttempts: 5 } });
  });
});
