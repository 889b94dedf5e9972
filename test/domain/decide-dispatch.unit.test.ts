import { describe, expect, it } from 'vitest';
import type { AttemptFailed } from '../../src/domain/notification-events.ts';
import { ATTEMPT_TIMEOUT_CODE, decideDispatch, initialNotificationState, type NotificationState } from '../../src/domain/notification-state.ts';

const policy = { maxAttempts: 5, attemptTimeoutMs: 60_000 };
const now = new Date('2026-11-24T09:00:00Z');

const afterFailure = (code: string): NotificationState => ({
  ...initialNotificationState,
  planned: {} as NotificationState['planned'],
  phase: 'retry-wait',
  attempts: 1,
  lastFailure: { notificationId: 'n-1', attempt: 1, provider: '360dialog', retryable: true, code, message: '', failedAt: now.toISOString(), retryAt: now.toISOString() } satisfies AttemptFailed,
});

describe('deciding a retry after a failed attempt', () => {
  it.each([
    [ATTEMPT_TIMEOUT_CODE, true],
    ['130429', false],
    ['no-turn-to-send', false],
  ])('after a failure coded %s the retry is a possible duplicate: %s', (code, possibleDuplicate) => {
    expect(decideDispatch(afterFailure(code), now, policy)).toEqual({ kind: 'attempt', attempt: 2, possibleDuplicate });
  });
});
