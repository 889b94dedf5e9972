import { describe, expect, it } from 'vitest';
import { decideDispatch, evolveNotification, initialNotificationState } from '../../src/domain/notifications/notification-state.ts';
import { DEFAULT_DEADLINE_RULES, parseDeadlineRule, sendByFor } from '../../src/domain/notifications/relevance-deadline.ts';
import { statusAfterReport } from '../../src/domain/notifications/notification-status.ts';

const at = (iso: string) => new Date(iso);
const receivedAt = at('2026-11-24T09:00:00Z');
const slotStart = at('2026-11-24T15:00:00Z');
const MIN = 60_000;

describe('relevance deadlines, counted from our receipt or from the slot', () => {
  it.each([
    ['walkin.token_called', '2026-11-24T09:15:00.000Z'],
    ['walkin.approaching_turn', '2026-11-24T09:15:00.000Z'],
    ['appointment.confirmed', '2026-11-24T15:00:00.000Z'],
    ['appointment.rescheduled', '2026-11-24T15:00:00.000Z'],
    ['appointment.pending_approval', '2026-11-24T15:00:00.000Z'],
    ['doctor.emergency_leave', '2026-11-24T15:00:00.000Z'],
    ['appointment.cancelled', '2026-11-27T09:00:00.000Z'],
    ['clinical.report_ready', '2026-11-27T09:00:00.000Z'],
    ['billing.bill_generated', '2026-11-25T09:00:00.000Z'],
    ['lab.test_requested', '2026-11-25T09:00:00.000Z'],
  ] as const)('%s: %s', (type, expected) => {
    expect(sendByFor(DEFAULT_DEADLINE_RULES[type], { receivedAt, slotStart }).toISOString()).toBe(expected);
  });

  it('gives a slot-bound message without a slot three days', () => {
    expect(sendByFor({ kind: 'slot-start' }, { receivedAt, slotStart: null }).toISOString()).toBe('2026-11-27T09:00:00.000Z');
  });

  it.each([
    ['24h', 24 * 60, '2026-11-24T03:00:00.000Z'],
    ['2h', 120, '2026-11-24T14:00:00.000Z'],
    ['30m', 30, '2026-11-24T14:45:00.000Z'],
  ] as const)('a %s reminder may go until half its offset after it was due, never after the slot starts', (_, minutes, expected) => {
    const dueAt = new Date(slotStart.getTime() - minutes * MIN);
    expect(sendByFor({ kind: 'reminder' }, { receivedAt: dueAt, slotStart, reminder: { dueAt, offsetMs: minutes * MIN } }).toISOString()).toBe(expected);
  });
});

describe('the dispatch decision at the deadline', () => {
  const planned = (sendBy?: string) => evolveNotification(initialNotificationState, {
    type: 'NotificationPlanned',
    data: { notificationId: 'n-1', dueAt: '2026-11-24T09:00:00Z', ...(sendBy ? { sendBy } : {}) },
  });
  const policy = { maxAttempts: 5, attemptTimeoutMs: 30_000 };

  it('sends before the deadline and expires at it', () => {
    expect(decideDispatch(planned('2026-11-24T09:15:00Z'), at('2026-11-24T09:14:59Z'), policy)).toMatchObject({ kind: 'attempt', attempt: 1 });
    expect(decideDispatch(planned('2026-11-24T09:15:00Z'), at('2026-11-24T09:15:00Z'), policy)).toEqual({ kind: 'expire', sendBy: '2026-11-24T09:15:00Z', attempts: 0 });
  });

  it('expires a retry waiting past the deadline rather than sending it late', () => {
    const waiting = evolveNotification(
      evolveNotification(planned('2026-11-24T09:15:00Z'), { type: 'AttemptStarted', data: { attempt: 1, startedAt: '2026-11-24T09:00:00Z' } }),
      { type: 'AttemptFailed', data: { attempt: 1, retryable: true, retryAt: '2026-11-24T09:20:00Z', code: 'http-503' } },
    );
    expect(decideDispatch(waiting, at('2026-11-24T09:16:00Z'), policy)).toEqual({ kind: 'expire', sendBy: '2026-11-24T09:15:00Z', attempts: 1 });
  });

  it('leaves an attempt in flight to its worker, and keeps no deadline for notifications planned without one', () => {
    const inFlight = evolveNotification(planned('2026-11-24T09:15:00Z'), { type: 'AttemptStarted', data: { attempt: 1, startedAt: '2026-11-24T09:15:00Z' } });
    expect(decideDispatch(inFlight, at('2026-11-24T09:15:10Z'), policy)).toEqual({ kind: 'skip', reason: 'owned-by-another' });
    expect(decideDispatch(planned(), at('2030-01-01T00:00:00Z'), policy)).toMatchObject({ kind: 'attempt' });
  });

  it('never moves an expired notification on: it is terminal', () => {
    const expired = evolveNotification(planned('2026-11-24T09:15:00Z'), { type: 'NotificationExpired', data: {} });
    expect(decideDispatch(expired, at('2026-11-24T09:16:00Z'), policy)).toEqual({ kind: 'skip', reason: 'finished' });
    expect(statusAfterReport('expired', 'delivered')).toBeNull();
  });
});

describe('an admin\'s deadline rule, checked', () => {
  it.each([
    ['walkin.token_called', { kind: 'after-receipt', minutes: 5 }, { kind: 'after-receipt', minutes: 5 }],
    ['appointment.confirmed', { kind: 'slot-start' }, { kind: 'slot-start' }],
    ['appointment.reminder', { kind: 'reminder' }, { kind: 'reminder' }],
  ] as const)('%s accepts %j', (type, raw, rule) => {
    expect(parseDeadlineRule(type, raw)).toEqual({ ok: true, value: rule });
  });

  it.each([
    ['walkin.token_called', { kind: 'after-receipt', minutes: 0 }, 'rule.minutes'],
    ['walkin.token_called', { kind: 'after-receipt', minutes: 2.5 }, 'rule.minutes'],
    ['walkin.token_called', { kind: 'after-receipt' }, 'rule.minutes'],
    ['walkin.token_called', { kind: 'after-receipt', minutes: 43_201 }, 'rule.minutes'],
    ['billing.bill_generated', { kind: 'slot-start' }, 'rule.kind'],
    ['appointment.confirmed', { kind: 'reminder' }, 'rule.kind'],
    ['appointment.confirmed', { kind: 'soon' }, 'rule.kind'],
  ] as const)('%s refuses %j at %s', (type, raw, path) => {
    const result = parseDeadlineRule(type, raw);
    expect(!result.ok && result.error.map((i) => i.path)).toEqual([path]);
  });
});
