import { describe, expect, it } from 'vitest';
import type { EventType } from '../../src/domain/event-catalogue.ts';
import type { Envelope } from '../../src/domain/intake/envelope.ts';
import { evolveNotification, initialNotificationState } from '../../src/domain/notifications/notification-state.ts';
import { planPatientNotifications, type PlanDecision } from '../../src/domain/notifications/plan-notifications.ts';
import {
  DEFAULT_URGENT_TYPES,
  decideQuietHours,
  parseQuietHours,
  quietUntil,
  type QuietHours,
  type QuietHoursFacts,
} from '../../src/domain/notifications/quiet-hours.ts';
import { planReminderNotifications } from '../../src/domain/reminders/plan-reminder-notifications.ts';
import type { ReminderFired } from '../../src/domain/reminders/reminder-events.ts';
import { planStaffNotifications } from '../../src/domain/staff-routing/plan-staff-notifications.ts';
import type { StaffMember } from '../../src/domain/staff-routing/staff-directory.ts';
import { planningTemplates, staffPlanningTemplates } from '../../src/domain/templates/planning-templates.ts';
import { centre, doctor, patient, walkinQueue } from '../support/envelopes.ts';

const at = (iso: string) => new Date(iso);
const KOLKATA = 'Asia/Kolkata';
const night: QuietHours = { from: '22:00', until: '08:00', urgent: [...DEFAULT_URGENT_TYPES] };

describe('an admin\'s quiet hours, checked', () => {
  it('takes the default urgent types when none are named, and an empty list as none', () => {
    expect(parseQuietHours({ from: '22:00', until: '08:00' })).toEqual({ ok: true, value: night });
    expect(parseQuietHours({ from: '22:00', until: '08:00', urgent: [] })).toEqual({ ok: true, value: { from: '22:00', until: '08:00', urgent: [] } });
  });

  it('keeps the flags it was given, and drops those left false', () => {
    const parsed = parseQuietHours({
      from: '13:00',
      until: '14:30',
      urgent: [{ eventType: 'appointment.cancelled', sameDay: true }, { eventType: 'billing.refund_processed', sameDay: false }, { eventType: 'lab.test_requested', priority: 'urgent' }, { eventType: 'lab.test_requested', priority: 'stat' }],
    });
    expect(parsed.ok && parsed.value.urgent).toEqual([
      { eventType: 'appointment.cancelled', sameDay: true },
      { eventType: 'billing.refund_processed' },
      { eventType: 'lab.test_requested', priority: 'urgent' },
      { eventType: 'lab.test_requested', priority: 'stat' },
    ]);
  });

  it.each([
    ['an hour past 23', { from: '24:00', until: '08:00' }, ['from']],
    ['a time without its leading zero', { from: '22:00', until: '8:00' }, ['until']],
    ['seconds', { from: '22:00:00', until: '08:00' }, ['from']],
    ['the same time twice', { from: '22:00', until: '22:00' }, ['until']],
    ['an unknown event type', { from: '22:00', until: '08:00', urgent: [{ eventType: 'billing.bill_paid' }] }, ['urgent[0].eventType']],
    ['a type that notifies nobody', { from: '22:00', until: '08:00', urgent: [{ eventType: 'walkin.queue_updated' }] }, ['urgent[0].eventType']],
    ['a type listed twice', { from: '22:00', until: '08:00', urgent: [{ eventType: 'walkin.token_called' }, { eventType: 'walkin.token_called', sameDay: false }] }, ['urgent[1]']],
    ['same day for a type without a slot', { from: '22:00', until: '08:00', urgent: [{ eventType: 'billing.bill_generated', sameDay: true }] }, ['urgent[0].sameDay']],
    ['a priority for a type without one', { from: '22:00', until: '08:00', urgent: [{ eventType: 'walkin.token_called', priority: 'stat' }] }, ['urgent[0].priority']],
    ['a priority labs do not use', { from: '22:00', until: '08:00', urgent: [{ eventType: 'lab.test_requested', priority: 'asap' }] }, ['urgent[0].priority']],
    ['several problems at once', { from: 'late', until: 'early', urgent: [{ eventType: 'x' }] }, ['from', 'until', 'urgent[0].eventType']],
  ])('refuses %s, naming the field', (_what, raw, paths) => {
    const result = parseQuietHours(raw);
    expect(!result.ok && result.error.map((i) => i.path)).toEqual(paths);
  });
});

describe('the end of the window a moment falls in', () => {
  it.each([
    // Kolkata is UTC+05:30 all year.
    ['23:00, before midnight', '2026-11-24T17:30:00Z', '2026-11-25T02:30:00.000Z'],
    ['22:00, its first minute', '2026-11-24T16:30:00Z', '2026-11-25T02:30:00.000Z'],
    ['02:00, after midnight', '2026-11-24T20:30:00Z', '2026-11-25T02:30:00.000Z'],
    ['07:59:59, its last second', '2026-11-25T02:29:59Z', '2026-11-25T02:30:00.000Z'],
  ])('22:00-08:00 in Kolkata at %s ends at 08:00 the next morning', (_what, moment, end) => {
    expect(quietUntil(night, KOLKATA, at(moment))?.toISOString()).toBe(end);
  });

  it.each([
    ['08:00, its end', '2026-11-25T02:30:00Z'],
    ['21:59', '2026-11-24T16:29:00Z'],
    ['noon', '2026-11-24T06:30:00Z'],
  ])('22:00-08:00 in Kolkata does not hold %s', (_what, moment) => {
    expect(quietUntil(night, KOLKATA, at(moment))).toBeNull();
  });

  it('holds a window within one day, and ends it the same day', () => {
    const lunch = { from: '13:00', until: '14:30' };
    expect(quietUntil(lunch, KOLKATA, at('2026-11-24T08:00:00Z'))?.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(quietUntil(lunch, KOLKATA, at('2026-11-24T09:00:00Z'))).toBeNull();
    expect(quietUntil(lunch, KOLKATA, at('2026-11-24T07:29:00Z'))).toBeNull();
  });

  it('ends at 08:00 on the centre\'s clock across a daylight-saving change, both ways', () => {
    // New York springs forward at 02:00 on 8 March 2026 (EST -5 to EDT -4) and falls back on 1 November.
    expect(quietUntil(night, 'America/New_York', at('2026-03-08T04:00:00Z'))?.toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(quietUntil(night, 'America/New_York', at('2026-11-01T03:00:00Z'))?.toISOString()).toBe('2026-11-01T13:00:00.000Z');
  });

  it('ends a window whose end a daylight-saving jump skips at the jump', () => {
    // London's clocks go from 01:00 GMT to 02:00 BST on 29 March 2026 (01:00 UTC): 01:30 never comes.
    const small = { from: '22:00', until: '01:30' };
    expect(quietUntil(small, 'Europe/London', at('2026-03-28T23:00:00Z'))?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(quietUntil(small, 'Europe/London', at('2026-03-29T00:45:00Z'))?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('reads a 45-minute zone right', () => {
    // Kathmandu is UTC+05:45: 23:00 there is 17:15 UTC, 08:00 is 02:15 UTC.
    expect(quietUntil(night, 'Asia/Kathmandu', at('2026-11-24T17:15:00Z'))?.toISOString()).toBe('2026-11-25T02:15:00.000Z');
    expect(quietUntil(night, 'Asia/Kathmandu', at('2026-11-25T02:15:00Z'))).toBeNull();
  });
});

describe('what quiet hours make of a message due now', () => {
  // 23:00 on 24 November in Kolkata; the window ends at 08:00 on the 25th.
  const lateEvening = at('2026-11-24T17:30:00Z');
  const morning = at('2026-11-25T02:30:00Z');
  const facts = (over: Partial<QuietHoursFacts>): QuietHoursFacts => ({
    eventType: 'billing.bill_generated',
    timeZone: KOLKATA,
    slotDates: [],
    priority: null,
    dueAt: lateEvening,
    sendBy: at('2026-11-25T17:30:00Z'),
    ...over,
  });
  const window = '22:00-08:00 Asia/Kolkata';

  it.each([
    ['a bill alert', facts({}), { kind: 'defer', until: morning, window }],
    ['a bill alert at noon', facts({ dueAt: at('2026-11-24T06:30:00Z') }), { kind: 'send-now' }],
    ['a walk-in call', facts({ eventType: 'walkin.token_called' }), { kind: 'send-now' }],
    ['approaching turn', facts({ eventType: 'walkin.approaching_turn' }), { kind: 'send-now' }],
    ['emergency leave', facts({ eventType: 'doctor.emergency_leave', slotDates: ['2026-11-27'] }), { kind: 'send-now' }],
    ['a cancellation of today\'s visit', facts({ eventType: 'appointment.cancelled', slotDates: ['2026-11-24'] }), { kind: 'send-now' }],
    ['a cancellation at 02:00 of that day\'s visit', facts({ eventType: 'appointment.cancelled', slotDates: ['2026-11-25'], dueAt: at('2026-11-24T20:30:00Z') }), { kind: 'send-now' }],
    ['a cancellation of a visit on a later day', facts({ eventType: 'appointment.cancelled', slotDates: ['2026-11-26'] }), { kind: 'defer', until: morning, window }],
    ['a reschedule away from today', facts({ eventType: 'appointment.rescheduled', slotDates: ['2026-11-28', '2026-11-24'] }), { kind: 'send-now' }],
    ['a reschedule between two later days', facts({ eventType: 'appointment.rescheduled', slotDates: ['2026-11-28', '2026-11-26'] }), { kind: 'defer', until: morning, window }],
    ['a confirmation', facts({ eventType: 'appointment.confirmed', slotDates: ['2026-11-24'] }), { kind: 'defer', until: morning, window }],
    ['a stat lab test', facts({ eventType: 'lab.test_requested', priority: 'stat' }), { kind: 'send-now' }],
    ['a routine lab test', facts({ eventType: 'lab.test_requested', priority: 'routine' }), { kind: 'defer', until: morning, window }],
    ['a walk-in call due in 15 minutes, were it not urgent', facts({ eventType: 'walkin.token_called', sendBy: at('2026-11-24T17:45:00Z') }), { kind: 'send-now' }],
    ['a message whose deadline falls inside the window', facts({ sendBy: at('2026-11-24T23:30:00Z') }), { kind: 'expire', until: morning, window }],
    ['a message whose deadline is the window\'s end', facts({ sendBy: morning }), { kind: 'expire', until: morning, window }],
    ['a message without a deadline', facts({ sendBy: null }), { kind: 'defer', until: morning, window }],
  ] as const)('given 22:00-08:00 with the default urgent types, %s at 23:00 -> %j', (_what, given, verdict) => {
    expect(decideQuietHours(night, given)).toEqual(verdict);
  });

  it('a reschedule to today is urgent too (either slot counts), and a walk-in call waits when no type is urgent', () => {
    expect(decideQuietHours(night, facts({ eventType: 'appointment.rescheduled', slotDates: ['2026-11-24', '2026-11-28'] }))).toEqual({ kind: 'send-now' });
    expect(decideQuietHours({ ...night, urgent: [] }, facts({ eventType: 'walkin.token_called' }))).toMatchObject({ kind: 'defer' });
  });

  it('a NotificationDeferred changes nothing the dispatcher decides from: the planned due time holds it back', () => {
    const planned = { type: 'NotificationPlanned', data: { notificationId: 'n-1', dueAt: morning.toISOString() } };
    const deferred = { type: 'NotificationDeferred', data: { notificationId: 'n-1', until: morning.toISOString(), window, deferredAt: lateEvening.toISOString() } };
    const before = evolveNotification(initialNotificationState, planned);
    expect(evolveNotification(before, deferred)).toEqual(before);
  });
});

describe('planning under quiet hours', () => {
  const lateEvening = at('2026-11-24T17:30:00Z');
  const quietAt = (centreId: string) => (centreId === centre.id ? night : null);
  // A slot two days ahead: a confirmation's deadline is its start, well after the window ends.
  const visit = { appointment: { id: 'appt-q', bookingReference: 'BK-Q', slotDate: '2026-11-26', slotTime: '10:00', status: 'confirmed' }, patient, doctor, centre };
  const envelope = (type: EventType, data: Record<string, unknown>): Envelope => ({ eventId: `evt-${type}`, type, occurredAt: lateEvening.toISOString(), data });
  const plan = (e: Envelope, quietHours = quietAt) => planPatientNotifications({ envelope: e, now: lateEvening, templates: planningTemplates, blockFor: () => null, quietHours });
  const shape = (d: PlanDecision) => (d.kind === 'planned'
    ? { channel: d.event.channel, dueAt: d.event.dueAt, deferred: d.deferred?.until ?? null, expired: d.expired?.reason ?? null }
    : { channel: d.event.channel, suppressed: d.event.reason });

  it('defers a confirmation at 23:00 to 08:00 on both channels, due then', () => {
    const decisions = plan(envelope('appointment.confirmed', visit));
    expect(decisions.map(shape)).toEqual([
      { channel: 'whatsapp', dueAt: '2026-11-25T02:30:00.000Z', deferred: '2026-11-25T02:30:00.000Z', expired: null },
      { channel: 'email', dueAt: '2026-11-25T02:30:00.000Z', deferred: '2026-11-25T02:30:00.000Z', expired: null },
    ]);
    expect(decisions[0]!.kind === 'planned' && decisions[0]!.deferred).toEqual({
      notificationId: decisions[0]!.event.notificationId,
      until: '2026-11-25T02:30:00.000Z',
      window: '22:00-08:00 Asia/Kolkata',
      deferredAt: lateEvening.toISOString(),
    });
  });

  it('sends a walk-in call at once, and changes nothing for a centre without quiet hours', () => {
    const call = envelope('walkin.token_called', { centre, queue: walkinQueue, token: { number: 'A-017', room: 'Room 3' }, patient });
    expect(plan(call).map(shape)).toEqual([{ channel: 'whatsapp', dueAt: lateEvening.toISOString(), deferred: null, expired: null }]);
    const elsewhere = envelope('appointment.confirmed', { ...visit, centre: { ...centre, id: 'centre-other' } });
    expect(plan(elsewhere).every((d) => d.kind === 'planned' && !d.deferred && d.event.dueAt === lateEvening.toISOString())).toBe(true);
    expect(plan(envelope('appointment.confirmed', visit), () => null).every((d) => d.kind === 'planned' && !d.deferred)).toBe(true);
  });

  it('expires at planning a confirmation whose slot starts before the window ends', () => {
    const early = { ...visit, appointment: { ...visit.appointment, slotDate: '2026-11-25', slotTime: '07:30' } };
    expect(plan(envelope('appointment.confirmed', early)).map(shape)[0]).toEqual({
      channel: 'whatsapp', dueAt: '2026-11-25T02:30:00.000Z', deferred: '2026-11-25T02:30:00.000Z', expired: 'deferred-past-deadline',
    });
  });

  it('defers a bill alert to staff by email, and never an in-app alert', () => {
    const member: StaffMember = { id: 'staff-1', name: 'Billing Desk', roles: ['billing'], centreIds: [centre.id], contacts: { email: 'billing@example.com' }, locale: null, active: true };
    const bill = envelope('billing.bill_generated', { centre, bill: { id: 'bill-1', number: 'B-1', amount: '1250.00', currency: 'INR' } });
    const decisions = planStaffNotifications({
      envelope: bill,
      recipients: (['email', 'in_app'] as const).map((channel) => ({ member, channel, ruleId: 'default-bill-generated', ruleVersion: 1 })),
      now: lateEvening,
      templates: staffPlanningTemplates,
      blockFor: () => null,
      quietHours: quietAt,
    });
    expect(decisions.map(shape)).toEqual([
      { channel: 'email', dueAt: '2026-11-25T02:30:00.000Z', deferred: '2026-11-25T02:30:00.000Z', expired: null },
      { channel: 'in_app', dueAt: lateEvening.toISOString(), deferred: null, expired: null },
    ]);
  });
});

describe('a deferred reminder that a later one overtakes', () => {
  // An 08:30 slot in Kolkata on 25 November; reminders 2 h (06:30) and 30 min (08:00) before it.
  const slot = { slotDate: '2026-11-25', slotTime: '08:30' };
  const slotAt = '2026-11-25T03:00:00.000Z';
  const visit = { appointment: { id: 'appt-r', bookingReference: 'BK-R', ...slot, status: 'confirmed' }, patient, doctor, centre };
  const fired = (offset: '2h' | '30m', dueAt: string): ReminderFired => ({
    reminderId: `rem-${offset}`, appointmentId: 'appt-r', centreId: centre.id, offset, scheduledBy: 'his:confirm', dueAt, slotAt, firedAt: dueAt, lateMs: 0, worker: 'w-1',
  });
  const twoHours = fired('2h', '2026-11-25T01:00:00.000Z');
  const thirtyMinutes = fired('30m', '2026-11-25T02:30:00.000Z');
  const siblings = [twoHours, thirtyMinutes].map((r) => ({ reminderId: r.reminderId, offset: r.offset, dueAt: new Date(r.dueAt) }));
  const plan = (f: ReminderFired, quiet: QuietHours | null) =>
    planReminderNotifications({ fired: f, visit, siblings, templates: planningTemplates, blockFor: () => null, quietHours: () => quiet });

  it('supersedes the 2-hour reminder at 06:30, naming the 30-minute one, which goes at 08:00', () => {
    const early = plan(twoHours, night);
    expect(early.map((d) => d.kind === 'suppressed' && d.event.reason)).toEqual(['superseded', 'superseded']);
    expect(early[0]!.kind === 'suppressed' && early[0]!.event.detail).toContain('30m reminder rem-30m');
    const onTime = plan(thirtyMinutes, night);
    expect(onTime.map((d) => d.kind === 'planned' && !d.deferred && d.event.dueAt)).toEqual([thirtyMinutes.dueAt, thirtyMinutes.dueAt]);
  });

  it('leaves a deferred reminder alone when no later one is due by the window\'s end', () => {
    // Quiet until 07:00: the 2-hour reminder waits half an hour, and its deadline (07:30) is after that.
    const decisions = plan(twoHours, { ...night, until: '07:00' });
    expect(decisions.map((d) => d.kind === 'planned' && d.deferred?.until)).toEqual(['2026-11-25T01:30:00.000Z', '2026-11-25T01:30:00.000Z']);
  });

  it('sends both reminders at their times without quiet hours', () => {
    expect(plan(twoHours, null).every((d) => d.kind === 'planned' && d.event.dueAt === twoHours.dueAt)).toBe(true);
  });
});
