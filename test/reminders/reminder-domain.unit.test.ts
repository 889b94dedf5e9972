import { describe, expect, it } from 'vitest';
import { decideReminderFate } from '../../src/domain/reminders/decide-reminder-fate.ts';
import { initialAppointmentReminderState, planReminders, type AppointmentChange } from '../../src/domain/reminders/plan-reminders.ts';
import { DEFAULT_REMINDER_OFFSETS, parseReminderOffsets } from '../../src/domain/reminders/reminder-offsets.ts';
import { localDateAt, slotInstant } from '../../src/domain/slot-instant.ts';

describe('slot instants', () => {
  it.each([
    ['Asia/Kolkata', '2026-11-26', '09:30', '2026-11-26T04:00:00.000Z'],
    ['Asia/Kathmandu', '2026-11-26', '09:30', '2026-11-26T03:45:00.000Z'],
    ['Australia/Adelaide', '2026-06-15', '09:30', '2026-06-15T00:00:00.000Z'],
    ['UTC', '2026-11-26', '00:00', '2026-11-26T00:00:00.000Z'],
    ['America/New_York', '2026-07-01', '09:30', '2026-07-01T13:30:00.000Z'],
  ])('reads a slot in %s on %s at %s as %s', (zone, date, time, instant) => {
    expect(slotInstant({ slotDate: date, slotTime: time }, zone).toISOString()).toBe(instant);
  });

  it('takes a wall time skipped by a daylight-saving jump as the same time after it', () => {
    expect(slotInstant({ slotDate: '2026-03-08', slotTime: '02:30' }, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('takes a wall time that happens twice as its first occurrence', () => {
    expect(slotInstant({ slotDate: '2026-11-01', slotTime: '01:30' }, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('gives the calendar date at the centre, not in UTC', () => {
    expect(localDateAt(new Date('2026-11-25T19:00:00Z'), 'Asia/Kathmandu')).toBe('2026-11-26');
    expect(localDateAt(new Date('2026-11-25T18:00:00Z'), 'Asia/Kathmandu')).toBe('2026-11-25');
  });
});

describe('reminder offsets', () => {
  it('puts valid offsets in firing order', () => {
    expect(parseReminderOffsets(['30m', '24h', '2h'])).toEqual({ ok: true, value: ['24h', '2h', '30m'] });
  });

  it.each([
    [[], 'offsets', 'at least one'],
    [['2h', '120m'], 'offsets[1]', 'same time'],
    [['2 hours'], 'offsets[0]', 'whole hours or minutes'],
    [['800h'], 'offsets[0]', '30 days'],
  ])('refuses %j naming the field (%s) and the rule', (offsets, path, rule) => {
    const parsed = parseReminderOffsets(offsets);
    expect(parsed).toEqual({ ok: false, error: [{ path, message: expect.stringContaining(rule) }] });
  });
});

const slotAt = new Date('2026-11-26T04:00:00Z');
const confirmed = (receivedAt: string, occurredAt = receivedAt): Extract<AppointmentChange, { kind: 'slot' }> => ({
  kind: 'slot',
  eventId: 'his:c1',
  occurredAt,
  receivedAt,
  appointmentId: 'appt-1',
  centreId: 'centre-1',
  slotAt,
});

describe('planning an appointment\'s reminders', () => {
  it('schedules 24h, 2h and 30m before the slot when confirmed three days ahead', () => {
    const plan = planReminders(initialAppointmentReminderState, confirmed('2026-11-23T04:00:00Z'), DEFAULT_REMINDER_OFFSETS);
    expect(plan.schedule.map((e) => [e.type, e.data.offset, e.data.dueAt])).toEqual([
      ['ReminderScheduled', '24h', '2026-11-25T04:00:00.000Z'],
      ['ReminderScheduled', '2h', '2026-11-26T02:00:00.000Z'],
      ['ReminderScheduled', '30m', '2026-11-26T03:30:00.000Z'],
    ]);
  });

  it('skips offsets already past at confirmation, with the reason', () => {
    const plan = planReminders(initialAppointmentReminderState, confirmed('2026-11-26T02:30:00Z'), DEFAULT_REMINDER_OFFSETS);
    expect(plan.schedule.map((e) => [e.type, e.data.offset])).toEqual([
      ['ReminderSkipped', '24h'],
      ['ReminderSkipped', '2h'],
      ['ReminderScheduled', '30m'],
    ]);
    expect(plan.schedule[0]!.data).toMatchObject({ reason: 'already-past' });
  });

  it('lets a cancellation recorded before its confirmation win', () => {
    const cancel: AppointmentChange = { ...confirmed('2026-11-23T05:00:00Z'), kind: 'close', reason: 'appointment.cancelled', eventId: 'his:x1' };
    const closed = planReminders(initialAppointmentReminderState, cancel, DEFAULT_REMINDER_OFFSETS).state;
    const late = planReminders(closed, confirmed('2026-11-23T05:01:00Z', '2026-11-23T04:00:00Z'), DEFAULT_REMINDER_OFFSETS);
    expect(late).toMatchObject({ ignored: 'closed', schedule: [], fates: [] });
  });

  it('ignores a reschedule older than the last change applied', () => {
    const active = planReminders(initialAppointmentReminderState, confirmed('2026-11-23T04:00:00Z'), DEFAULT_REMINDER_OFFSETS).state;
    const older: AppointmentChange = { ...confirmed('2026-11-23T06:00:00Z', '2026-11-23T03:00:00Z'), eventId: 'his:r0', slotAt: new Date('2026-11-27T04:00:00Z') };
    expect(planReminders(active, older, DEFAULT_REMINDER_OFFSETS)).toMatchObject({ ignored: 'older', schedule: [], fates: [] });
  });

  it('moves pending reminders to the new slot on reschedule', () => {
    const active = planReminders(initialAppointmentReminderState, confirmed('2026-11-23T04:00:00Z'), DEFAULT_REMINDER_OFFSETS).state;
    const moved: AppointmentChange = { ...confirmed('2026-11-24T04:00:00Z'), eventId: 'his:r1', slotAt: new Date('2026-11-27T04:00:00Z') };
    const plan = planReminders(active, moved, DEFAULT_REMINDER_OFFSETS);
    expect(plan.fates.map((f) => [f.type, f.data.offset, (f.data as { toDueAt?: string }).toDueAt])).toEqual([
      ['ReminderMoved', '24h', '2026-11-26T04:00:00.000Z'],
      ['ReminderMoved', '2h', '2026-11-27T02:00:00.000Z'],
      ['ReminderMoved', '30m', '2026-11-27T03:30:00.000Z'],
    ]);
    expect(plan.schedule.every((e) => e.type === 'ReminderScheduled' && e.data.scheduledBy === 'his:r1')).toBe(true);
  });

  it('cancels the pending reminders when the appointment closes', () => {
    const active = planReminders(initialAppointmentReminderState, confirmed('2026-11-23T04:00:00Z'), DEFAULT_REMINDER_OFFSETS).state;
    const plan = planReminders(active, { ...confirmed('2026-11-24T04:00:00Z'), kind: 'close', reason: 'appointment.no_show', eventId: 'his:n1' }, DEFAULT_REMINDER_OFFSETS);
    expect(plan.fates.map((f) => [f.type, f.data.offset, (f.data as { reason: string }).reason])).toEqual([
      ['ReminderCancelled', '24h', 'appointment.no_show'],
      ['ReminderCancelled', '2h', 'appointment.no_show'],
      ['ReminderCancelled', '30m', 'appointment.no_show'],
    ]);
  });
});

describe('a due reminder\'s fate', () => {
  const reminder = { dueAt: new Date('2026-11-25T04:00:00Z'), slotAt };
  const later = { reminderId: 'r-2h', offset: '2h', dueAt: new Date('2026-11-26T02:00:00Z') };

  it('fires when nothing later is due', () => {
    expect(decideReminderFate(reminder, [later], new Date('2026-11-25T04:00:01Z'))).toEqual({ kind: 'fire' });
  });

  it('is superseded by a later offset that is overdue too', () => {
    expect(decideReminderFate(reminder, [later], new Date('2026-11-26T03:00:00Z'))).toEqual({ kind: 'supersede', by: later });
  });

  it('is dropped once the slot has begun', () => {
    expect(decideReminderFate(reminder, [later], new Date('2026-11-26T04:00:00Z'))).toEqual({ kind: 'drop', reason: 'slot-passed' });
  });
});
