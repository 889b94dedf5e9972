import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { slotInstant } from '../../src/domain/slot-instant.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { recordAndProject } from '../support/publish.ts';
import { HOUR, MINUTE, fateStream, kolkata, reminderNotifications, remindersOf, untilReminderMessagesSent, untilReminders, visitEnvelope } from './reminder-support.ts';

const DAY = 24 * HOUR;
const started: TestService[] = [];
const databases: TestDatabase[] = [];

afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  for (const d of databases.splice(0)) await d.drop();
});

async function freshDatabase() {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

async function start(database: TestDatabase, clock: ReturnType<typeof fixedClock>) {
  const service = await startTestService({ database, clock, dispatcher: { pollIntervalMs: 20 }, reminders: { pollIntervalMs: 20 } });
  started.push(service);
  return service;
}

async function stop(service: TestService) {
  started.splice(started.indexOf(service), 1);
  await service.stop();
}

const centre = kolkata('centre-sched');
const slot = { slotDate: '2026-12-10', slotTime: '10:00' };
const T = slotInstant(slot, centre.timeZone).getTime();

/** Every NotificationSent in the ledger for these notifications: exactly one each means sent once. */
async function sentCounts(service: TestService, notificationIds: readonly string[]) {
  return Promise.all(notificationIds.map(async (id) =>
    (await readStreamToArray(service.store, streamName.notification(id))).filter((e) => e.type === 'NotificationSent').length));
}

describe('the reminder scheduler', () => {
  it('fires as planned after a restart between scheduling and the due time', async () => {
    const clock = fixedClock(new Date(T - 3 * DAY));
    const database = await freshDatabase();
    const first = await start(database, clock);
    await recordAndProject(first, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-restart', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(first, 'appt-restart', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await stop(first);

    const second = await start(database, clock);
    clock.set(new Date(T - 24 * HOUR + 500));
    const messages = await untilReminderMessagesSent(second, 'appt-restart', 2);
    expect(messages.map((m) => (m.selection as { offset: string }).offset)).toEqual(['24h', '24h']);
    await second.reminders!.drain();
    expect((await remindersOf(second, 'appt-restart')).map((r) => `${r.reminder_offset}:${r.status}`)).toEqual(['24h:fired', '2h:scheduled', '30m:scheduled']);
    expect(await sentCounts(second, messages.map((m) => m.notification_id))).toEqual([1, 1]);
  });

  it('fires each reminder once when two instances share one database', async () => {
    const clock = fixedClock(new Date(T - 3 * DAY));
    const database = await freshDatabase();
    const one = await start(database, clock);
    const two = await start(database, clock);
    const appointments = Array.from({ length: 10 }, (_, i) => `appt-pair-${i}`);
    for (const appointmentId of appointments) {
      await recordAndProject(one, visitEnvelope('appointment.confirmed', { appointmentId, centre, ...slot, occurredAt: clock.now() }));
    }
    for (const appointmentId of appointments) await untilReminders(two, appointmentId, ['24h:scheduled', '2h:scheduled', '30m:scheduled']);

    for (const [i, before] of [24 * HOUR, 2 * HOUR, 30 * MINUTE].entries()) {
      clock.set(new Date(T - before + 500));
      one.reminders!.poke();
      two.reminders!.poke();
      await until(async () => {
        const rows = await one.db.selectFrom('reminders').select('status').where('appointment_id', 'in', appointments).where('due_at', '<=', clock.now()).execute();
        return rows.every((r) => r.status === 'fired');
      }, { what: 'every due reminder to fire' });
      // Sent before the clock moves on: past its deadline a reminder would expire instead, as it must.
      await until(async () => {
        const all = (await Promise.all(appointments.map((a) => reminderNotifications(one, a)))).flat();
        return all.length === 20 * (i + 1) && all.every((m) => m.status === 'sent');
      }, { what: 'the due reminders to be sent' });
    }
    const rows = await one.db.selectFrom('reminders').selectAll().where('appointment_id', 'in', appointments).execute();
    expect(rows).toHaveLength(30);
    for (const r of rows) expect(await fateStream(one, r.reminder_id)).toEqual(['ReminderFired']);
    const workers = new Set(await Promise.all(rows.map(async (r) => {
      const [fate] = await readStreamToArray(one.store, streamName.reminder(r.reminder_id));
      return (fate!.data as { worker: string }).worker;
    })));
    expect([...workers].every((w) => w === one.reminders!.worker || w === two.reminders!.worker)).toBe(true);

    const messages = await until(async () => {
      const all = (await Promise.all(appointments.map((a) => reminderNotifications(one, a)))).flat();
      return all.length === 60 && all.every((m) => m.status === 'sent') ? all : null;
    }, { what: '60 sent reminder messages' });
    expect(await sentCounts(one, messages.map((m) => m.notification_id))).toEqual(Array<number>(60).fill(1));
    const ids = new Set(messages.map((m) => m.notification_id));
    const transportSends = [one, two].flatMap((s) => (['whatsapp', 'email'] as const).flatMap((c) => (s.transports[c] as SandboxTransport).sent))
      .filter((m) => ids.has(m.notificationId));
    expect(transportSends).toHaveLength(60);
  });

  it('after downtime fires only the latest overdue offset and records the others as superseded', async () => {
    const clock = fixedClock(new Date(T - 3 * DAY));
    const database = await freshDatabase();
    const first = await start(database, clock);
    await recordAndProject(first, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-downtime', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(first, 'appt-downtime', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await stop(first);

    // Back 90 minutes before the slot: the 2-hour reminder is half an hour late, inside its deadline (an hour after it was due).
    clock.set(new Date(T - 90 * MINUTE));
    const second = await start(database, clock);
    const rows = await untilReminders(second, 'appt-downtime', ['24h:superseded', '2h:fired', '30m:scheduled']);
    expect(rows[0]!.reason).toBe(`superseded-by:${rows[1]!.reminder_id}`);
    const messages = await untilReminderMessagesSent(second, 'appt-downtime', 2);
    expect(messages.map((m) => (m.selection as { offset: string }).offset)).toEqual(['2h', '2h']);
    const [fired] = await readStreamToArray(second.store, streamName.reminder(rows[1]!.reminder_id));
    expect(fired!.data).toMatchObject({ lateMs: 30 * MINUTE });

    clock.set(new Date(T - 30 * MINUTE + 500));
    second.reminders!.poke();
    await untilReminders(second, 'appt-downtime', ['24h:superseded', '2h:fired', '30m:fired']);
    await untilReminderMessagesSent(second, 'appt-downtime', 4);
  });

  it('expires a reminder that downtime held past its deadline, and sends the next one at its time', async () => {
    const clock = fixedClock(new Date(T - 3 * DAY));
    const database = await freshDatabase();
    const first = await start(database, clock);
    await recordAndProject(first, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-late', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(first, 'appt-late', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await stop(first);

    // Back 50 minutes before the slot: the 2-hour reminder's deadline (an hour before the slot) has passed.
    clock.set(new Date(T - 50 * MINUTE));
    const second = await start(database, clock);
    await untilReminders(second, 'appt-late', ['24h:superseded', '2h:fired', '30m:scheduled']);
    await until(async () => {
      const rows = await reminderNotifications(second, 'appt-late');
      return rows.length === 2 && rows.every((r) => r.status === 'expired');
    }, { what: 'the late 2-hour reminder to expire' });

    clock.set(new Date(T - 30 * MINUTE + 500));
    second.reminders!.poke();
    await untilReminders(second, 'appt-late', ['24h:superseded', '2h:fired', '30m:fired']);
    const rows = await until(async () => {
      const all = await reminderNotifications(second, 'appt-late');
      return all.length === 4 && all.every((r) => r.status !== 'planned' && r.status !== 'sending') ? all : null;
    }, { what: 'the 30-minute reminder to be sent' });
    expect(rows.map((m) => `${(m.selection as { offset: string }).offset} ${m.status}`).sort()).toEqual(['2h expired', '2h expired', '30m sent', '30m sent']);
  });

  it('drops the reminders missed during downtime once the slot has begun, with the reason', async () => {
    const clock = fixedClock(new Date(T - 3 * DAY));
    const database = await freshDatabase();
    const first = await start(database, clock);
    await recordAndProject(first, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-missed', centre, ...slot, occurredAt: clock.now() }));
    await untilReminders(first, 'appt-missed', ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
    await stop(first);

    clock.set(new Date(T + 10 * MINUTE));
    const second = await start(database, clock);
    const rows = await untilReminders(second, 'appt-missed', ['24h:dropped', '2h:dropped', '30m:dropped']);
    expect(rows.map((r) => r.reason)).toEqual(['slot-passed', 'slot-passed', 'slot-passed']);
    await second.reminders!.drain();
    expect(await reminderNotifications(second, 'appt-missed')).toEqual([]);
  });
});
