import { describe, expect, it } from 'vitest';
import { deterministicUuid } from '../../src/domain/ids.ts';
import { ATTEMPT_TIMEOUT_CODE } from '../../src/domain/notifications/notification-state.ts';
import { abandonedEvents, outcomeEvents, type DeliveryContext } from '../../src/domain/notifications/outcome-events.ts';
import type { SendOutcome } from '../../src/domain/notifications/send-outcome.ts';

const context: DeliveryContext = { notificationId: 'n-1', correlationId: 'evt-1', actor: 'dispatcher-a' };
const at = new Date('2026-11-24T09:00:00Z');
const retryAt = new Date('2026-11-24T09:00:04Z');
const failed = (overrides: Partial<Extract<SendOutcome, { kind: 'failed' }>> = {}): SendOutcome => ({
  kind: 'failed', provider: '360dialog', retryable: true, code: 'http-503', message: 'unavailable', ...overrides,
});

describe('the events that record an attempt outcome', () => {
  it('given a sent outcome, then NotificationSent alone, at the given revision', () => {
    const events = outcomeEvents(context, 2n, { attempt: 1, outcome: { kind: 'sent', provider: 'ses', providerMessageId: 'm-1' }, at, retryAt: null });
    expect(events).toEqual([{
      id: deterministicUuid('notification-event', 'n-1', '2', 'NotificationSent'),
      type: 'NotificationSent',
      data: { notificationId: 'n-1', attempt: 1, provider: 'ses', providerMessageId: 'm-1', sentAt: at.toISOString() },
      metadata: { correlationId: 'evt-1', actor: 'dispatcher-a' },
    }]);
  });

  it('given a retryable failure with a retry time, then AttemptFailed carrying it and nothing more', () => {
    const events = outcomeEvents(context, 2n, { attempt: 1, outcome: failed(), at, retryAt });
    expect(events.map((e) => e.type)).toEqual(['AttemptFailed']);
    expect(events[0]!.data).toEqual({
      notificationId: 'n-1', attempt: 1, provider: '360dialog', retryable: true, code: 'http-503', message: 'unavailable',
      failedAt: at.toISOString(), retryAt: retryAt.toISOString(),
    });
  });

  it('given a permanent failure, then AttemptFailed without a retry and NotificationFailed at the next revision', () => {
    const events = outcomeEvents(context, 2n, { attempt: 1, outcome: failed({ retryable: false, code: '131026', message: 'undeliverable' }), at, retryAt: null });
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['AttemptFailed', deterministicUuid('notification-event', 'n-1', '2', 'AttemptFailed')],
      ['NotificationFailed', deterministicUuid('notification-event', 'n-1', '3', 'NotificationFailed')],
    ]);
    expect(events[0]!.data).toMatchObject({ retryable: false, retryAt: null });
    expect(events[1]!.data).toEqual({ notificationId: 'n-1', attempts: 1, code: '131026', message: 'undeliverable', failedAt: at.toISOString() });
  });

  it('given a retryable failure with no attempts left, then the notification fails', () => {
    const events = outcomeEvents(context, 10n, { attempt: 5, outcome: failed(), at, retryAt: null });
    expect(events.map((e) => e.type)).toEqual(['AttemptFailed', 'NotificationFailed']);
    expect(events[1]!.data).toMatchObject({ attempts: 5, code: 'http-503' });
  });

  it('given a timed-out send, then AttemptFailed with the timeout code, to be retried', () => {
    const events = outcomeEvents(context, 2n, { attempt: 2, outcome: failed({ code: ATTEMPT_TIMEOUT_CODE, message: 'no answer in time' }), at, retryAt });
    expect(events.map((e) => e.type)).toEqual(['AttemptFailed']);
    expect(events[0]!.data).toMatchObject({ attempt: 2, code: ATTEMPT_TIMEOUT_CODE, retryAt: retryAt.toISOString() });
  });

  it('given a rate-limited send, then AttemptFailed at the retry time the limit set', () => {
    const later = new Date('2026-11-24T09:01:00Z');
    const events = outcomeEvents(context, 2n, { attempt: 1, outcome: failed({ code: '130429', retryAfterMs: 60_000 }), at, retryAt: later });
    expect(events[0]!.data).toMatchObject({ code: '130429', retryAt: later.toISOString() });
  });

  it('given an abandoned notification, then NotificationFailed with the last failure, or an abandonment when none', () => {
    expect(abandonedEvents(context, 4n, 5, null, at)[0]!.data).toEqual({
      notificationId: 'n-1', attempts: 5, code: 'attempt-abandoned', message: 'no attempt finished within the attempt timeout', failedAt: at.toISOString(),
    });
  });
});
