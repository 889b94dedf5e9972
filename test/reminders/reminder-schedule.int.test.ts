import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { slotInstant } from '../../src/domain/slot-instant.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { setReminderOffsets } from '../../src/commands/centre-settings/set-reminder-offsets.ts';
import { fixedClock } from '../support/clock.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { recordAndProject } from '../support/publish.ts';
import {
  HOUR,
  MINUTE,
  fateStream,
  firedOffsets,
  kolkata,
  reminderNotifications,
  remindersOf,
  untilReminderMessagesSent,
  untilReminders,
  visitEnvelope,
} from './reminder-support.ts';

const DAY = 24 * HOUR;
const clock = fixedClock('2026-11-24T00:00:00Z');
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 20 }, reminders: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

const scheduler = () => service.reminders!;
const at = (ms: number) => clock.set(new Date(ms));

/** Moves the clock to `ms`, fires what is due and waits until the appointment's fired offsets are `expected`. */
async function fireAt(ms: number, appointmentId: string, expected: string[]) {
  at(ms);
  scheduler().poke();
  await until(async () => JSON.stringify(await firedOffsets(service, appointmentId)) === JSON.stringify(expected), {
    what: `${appointmentId} to have fired ${expected.join(', ')}`,
  });
}

/** Moves the clock to `ms` and checks that nothing more fires there. */
async function nothingMoreAt(ms: number, appointmentId: string, fired: string[]) {
  at(ms);
  await scheduler().drain();
  expect(await firedOffsets(service, appointmentId)).toEqual(fired);
}

describe('reminders of a confirmed appointment', () => {
  it('fires at 24h, 2h and 30min before a slot confirmed three days ahead, and at no other time', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-10', slotTime: '10:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-3days', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, 'appt-3days', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);

    const fired: string[] = [];
    for (const [offset, before] of [['24h', 24 * HOUR], ['2h', 2 * HOUR], ['30m', 30 * MINUTE]] as const) {
      await nothingMoreAt(T - before - 1000, 'appt-3days', fired);
      fired.push(offset);
      await fireAt(T - before + 500, 'appt-3days', fired);
      await untilReminderMessagesSent(service, 'appt-3days', fired.length * 2);
    }
    await nothingMoreAt(T + HOUR, 'appt-3days', fired);

    const messages = await reminderNotifications(service, 'appt-3days');
    expect(messages.map((m) => `${m.channel} ${m.template_key}`).sort()).toEqual([
      ...Array<string>(3).fill('email appointment.reminder:email:en'),
      ...Array<string>(3).fill('whatsapp appointment.reminder:whatsapp:en'),
    ]);
    expect(new Set(messages.map((m) => m.notification_id)).size).toBe(6);
    for (const r of await remindersOf(service, 'appt-3days')) {
      const [fate] = await readStreamToArray(service.store, streamName.reminder(r.reminder_id));
      expect(fate).toMatchObject({ type: 'ReminderFired', data: { lateMs: 500 } });
    }
  });

  it('tells the patient how long is left, in the centre\'s date and time', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-12', slotTime: '16:45' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-words', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, 'appt-words', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await fireAt(T - 24 * HOUR + 500, 'appt-words', ['24h']);
    const messages = await untilReminderMessagesSent(service, 'appt-words', 2);
    const email = messages.find((m) => m.channel === 'email');
    const whatsapp = messages.find((m) => m.channel === 'whatsapp');
    const sent = (service.transports.whatsapp as SandboxTransport).sent.find((m) => m.notificationId === whatsapp!.notification_id);
    const preview = (sent!.rendered as { previewText: string }).previewText;
    expect(preview).toContain('24 hours');
    expect(preview).toMatch(/12 December 2026/);
    expect(preview).toMatch(/4:45/);
    // The row keeps the address sealed; opened, it is the patient's.
    expect(await service.cells.open(email!.recipient_address)).toBe('asha@example.com');
  });

  it('schedules only the 30min reminder when confirmed 90 minutes before the slot, recording why the others were skipped', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-15', slotTime: '11:30' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 90 * MINUTE);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-90min', centre, ...slot, occurredAt: clock.now() }));
    const rows = await untilReminders(service, 'appt-90min', ['24h:skipped', '2h:skipped', '30m:scheduled']);
    expect(rows.slice(0, 2).map((r) => r.reason)).toEqual(['already-past', 'already-past']);
    await nothingMoreAt(T - 30 * MINUTE - 1000, 'appt-90min', []);
    await fireAt(T - 30 * MINUTE + 500, 'appt-90min', ['30m']);
    await untilReminderMessagesSent(service, 'appt-90min', 2);
    await nothingMoreAt(T + HOUR, 'appt-90min', ['30m']);
  });

  it('moves the reminders to the new slot on reschedule: the old times stay silent, the new ones fire', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-20', slotTime: '09:00' };
    const moved = { slotDate: '2026-12-22', slotTime: '15:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    const T2 = slotInstant(moved, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-moved', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, 'appt-moved', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    at(T - 2 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.rescheduled', {
      appointmentId: 'appt-moved', centre, ...moved, occurredAt: clock.now(), extra: { previousSlot: slot },
    }));
    await untilReminders(service, 'appt-moved', ['24h:moved', '2h:moved', '30m:moved', '24h:scheduled', '2h:scheduled', '30m:scheduled']);

    for (const before of [24 * HOUR, 2 * HOUR, 30 * MINUTE]) await nothingMoreAt(T - before + 500, 'appt-moved', []);
    // Each reminder is sent before the clock moves on: past its deadline (half its offset after it
    // was due) it would expire instead, as it must.
    await fireAt(T2 - 24 * HOUR + 500, 'appt-moved', ['24h']);
    await untilReminderMessagesSent(service, 'appt-moved', 2);
    await fireAt(T2 - 2 * HOUR + 500, 'appt-moved', ['24h', '2h']);
    await untilReminderMessagesSent(service, 'appt-moved', 4);
    await fireAt(T2 - 30 * MINUTE + 500, 'appt-moved', ['24h', '2h', '30m']);
    const messages = await untilReminderMessagesSent(service, 'appt-moved', 6);
    const rows = await remindersOf(service, 'appt-moved');
    expect(new Set(rows.filter((r) => r.status === 'fired').map((r) => r.scheduled_by)).size).toBe(1);
    expect(rows.filter((r) => r.status === 'moved').every((r) => r.reason?.startsWith('moved-to:'))).toBe(true);
    const whatsapp = (service.transports.whatsapp as SandboxTransport).sent.find((m) => m.notificationId === messages.find((n) => n.channel === 'whatsapp')!.notification_id);
    expect((whatsapp!.rendered as { previewText: string }).previewText).toMatch(/22 December 2026/);
  });

  it('sends nothing more once the appointment is cancelled', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-28', slotTime: '12:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-cancel', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, 'appt-cancel', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await fireAt(T - 24 * HOUR + 500, 'appt-cancel', ['24h']);
    at(T - 20 * HOUR);
    await recordAndProject(service, visitEnvelope('appointment.cancelled', { appointmentId: 'appt-cancel', centre, ...slot, occurredAt: clock.now() }));
    const rows = await untilReminders(service, 'appt-cancel', ['24h:fired', '2h:cancelled', '30m:cancelled']);
    expect(rows.map((r) => r.reason)).toEqual([null, 'appointment.cancelled', 'appointment.cancelled']);
    await nothingMoreAt(T - 2 * HOUR + 500, 'appt-cancel', ['24h']);
    await nothingMoreAt(T - 30 * MINUTE + 500, 'appt-cancel', ['24h']);
    expect(await reminderNotifications(service, 'appt-cancel')).toHaveLength(2);
    expect(await fateStream(service, rows[1]!.reminder_id)).toEqual(['ReminderCancelled']);
  });

  it.each(['appointment.rejected', 'appointment.no_show', 'appointment.completed'] as const)('cancels the reminders not yet sent on %s', async (type) => {
    const centre = kolkata();
    const appointmentId = `appt-${type.split('.')[1]}`;
    const slot = { slotDate: '2027-01-05', slotTime: '10:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId, centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, appointmentId, ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    at(T - 2 * DAY);
    await recordAndProject(service, visitEnvelope(type, { appointmentId, centre, ...slot, occurredAt: clock.now() }));
    const rows = await untilReminders(service, appointmentId, ['24h:cancelled', '2h:cancelled', '30m:cancelled']);
    expect(new Set(rows.map((r) => r.reason))).toEqual(new Set([type]));
  });

  it('lets a cancellation recorded before its confirmation win: no reminders at all', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2027-01-10', slotTime: '10:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 2 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.cancelled', { appointmentId: 'appt-early-cancel', centre, ...slot, occurredAt: clock.now() }));
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-early-cancel', centre, ...slot, occurredAt: new Date(T - 3 * DAY) }));
    expect(await remindersOf(service, 'appt-early-cancel')).toEqual([]);
    expect(await readStreamToArray(service.store, streamName.appointment('appt-early-cancel'))).toEqual([]);
  });

  it('reads the slot in a +05:45 centre (Asia/Kathmandu)', async () => {
    const centre = { id: 'centre-ktm', name: 'Leap Clinic Thamel', timeZone: 'Asia/Kathmandu' };
    const slot = { slotDate: '2027-01-15', slotTime: '09:30' };
    const T = Date.parse('2027-01-15T03:45:00Z');
    at(T - 3 * HOUR);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-ktm', centre, ...slot, occurredAt: clock.now() }));
    const rows = await untilReminders(service, 'appt-ktm', ['24h:skipped', '2h:scheduled', '30m:scheduled']);
    expect(rows.map((r) => new Date(r.due_at).toISOString())).toEqual(['2027-01-14T03:45:00.000Z', '2027-01-15T01:45:00.000Z', '2027-01-15T03:15:00.000Z']);
    await nothingMoreAt(Date.parse('2027-01-15T01:44:59Z'), 'appt-ktm', []);
    await fireAt(Date.parse('2027-01-15T01:45:00.500Z'), 'appt-ktm', ['2h']);
    await untilReminderMessagesSent(service, 'appt-ktm', 2);
    await nothingMoreAt(Date.parse('2027-01-15T03:14:59Z'), 'appt-ktm', ['2h']);
    await fireAt(Date.parse('2027-01-15T03:15:00.500Z'), 'appt-ktm', ['2h', '30m']);
    await untilReminderMessagesSent(service, 'appt-ktm', 4);
  });
});

describe('reminder offsets per centre', () => {
  it('plans appointments confirmed after an admin change with the centre\'s new offsets, and earlier ones as they were', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2027-02-01', slotTime: '10:00' };
    const T = slotInstant(slot, centre.timeZone).getTime();
    at(T - 3 * DAY);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-before-change', centre, ...slot, occurredAt: clock.now() }));
    const set = await setReminderOffsets(service.store, { centreId: centre.id, offsets: ['48h', '1h'], actor: 'alice-admin' }, clock.now());
    if (!set.ok) throw new Error(JSON.stringify(set.error));
    await service.whenProcessed(set.value.position);
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-after-change', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(service, 'appt-before-change', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await untilReminders(service, 'appt-after-change', ['48h:scheduled', '1h:scheduled']);
    await fireAt(T - 48 * HOUR + 500, 'appt-after-change', ['48h']);
    const [message] = await untilReminderMessagesSent(service, 'appt-after-change', 2);
    expect(message!.selection).toMatchObject({ kind: 'reminder', offset: '48h' });
  });

  it('refuses offsets that are not whole hours or minutes, naming the field, and records nothing', async () => {
    const refused = await setReminderOffsets(service.store, { centreId: 'centre-x', offsets: ['24h', 'soon'], actor: 'alice-admin' }, clock.now());
    expect(refused).toEqual({ ok: false, error: { kind: 'invalid-setting', issues: [{ path: 'offsets[1]', message: expect.stringContaining('whole hours') }] } });
    expect(await readStreamToArray(service.store, streamName.centreSettings('centre-x'))).toEqual([]);
  });
});
