import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resumeChannel } from '../../src/commands/notifications/resume-channel.ts';
import type { NotificationExpired, NotificationPlanned, NotificationSent } from '../../src/domain/notifications/notification-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock, type FixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { validEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { FIXTURE_NOW, slotAfter, slotStart } from '../support/slots.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY, type Dialog360Standin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';
import { HOUR, MINUTE, kolkata, untilReminders, visitEnvelope } from '../reminders/reminder-support.ts';
import { postWhatsAppStatus } from '../support/whatsapp-statuses.ts';

/*
 * The issue's expiry story, end to end: WhatsApp is paused by a restricted account; a confirmation for
 * a slot 2 h 10 min away waits behind the pause; the 2-hour reminder fires into the pause; the channel is
 * resumed 50 minutes before the slot. What is still relevant goes out, what is not is expired, never sent
 * late, and the 30-minute reminder goes out at its time. Email is not paused and goes out throughout.
 */

const WEBHOOK_SECRET = 'expiry-webhook-secret';
let whatsapp: Dialog360Standin;
const started: TestService[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
});
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  for (const d of databases.splice(0)) await d.drop();
});
afterAll(async () => {
  await whatsapp?.close();
});

async function start(database: TestDatabase, clock: FixedClock): Promise<TestService> {
  const service = await startTestService({
    clock,
    database,
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    reminders: { pollIntervalMs: 20 },
    fallbacks: { pollIntervalMs: 50 },
    env: {
      CHANNELS_SANDBOX: 'email,sms,push',
      WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
      WHATSAPP_360DIALOG_BASE_URL: whatsapp.url,
      WHATSAPP_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
  started.push(service);
  return service;
}

async function stop(service: TestService): Promise<void> {
  started.splice(started.indexOf(service), 1);
  await service.stop();
}

/** One run of the story: its own database, clock, appointment and patient. */
interface Story {
  clock: FixedClock;
  appointmentId: string;
  /** The slot's start. */
  slotAt: number;
  confirmation: ReturnType<typeof visitEnvelope>;
}

function newStory(): Story {
  const clock = fixedClock(FIXTURE_NOW);
  const centre = kolkata();
  const slot = slotAfter(clock, { hours: 2, minutes: 10 }, centre.timeZone);
  const appointmentId = `appt-${randomUUID()}`;
  const patient = { id: `pat-${randomUUID()}`, name: 'Asha Verma', phone: '+919876543210', email: 'asha@example.com' };
  const confirmation = visitEnvelope('appointment.confirmed', { appointmentId, centre, ...slot, occurredAt: clock.now(), patient });
  return { clock, appointmentId, slotAt: slotStart(slot, centre.timeZone).getTime(), confirmation };
}

const rowsOf = (service: TestService, appointmentId: string) =>
  service.db.selectFrom('notifications').selectAll().where('appointment_id', '=', appointmentId).orderBy('created_at').orderBy('channel').execute();

type Row = Awaited<ReturnType<typeof rowsOf>>[number];

/** `confirmed whatsapp sent`, `reminder 2h email sent`: what each of the appointment's notifications came to. */
const describeRow = (r: Row) =>
  `${r.event_type === 'appointment.reminder' ? `reminder ${(r.selection as { offset: string }).offset}` : r.event_type.split('.')[1]} ${r.channel} ${r.status}`;

/** Waits until the appointment's notifications read exactly as `expected` (in any order), poking the dispatcher. */
function untilNotifications(service: TestService, appointmentId: string, expected: string[]) {
  const want = [...expected].sort();
  return until(async () => {
    service.dispatcher?.poke();
    const rows = await rowsOf(service, appointmentId);
    const seen = rows.map(describeRow).sort();
    // Thrown, not returned: a timeout then says what the notifications were last.
    if (JSON.stringify(seen) !== JSON.stringify(want)) throw new Error(seen.join('; ') || 'none');
    return rows;
  }, { what: `the notifications of ${appointmentId} to be: ${want.join('; ')}`, timeoutMs: 15_000 });
}

const find = (rows: Row[], label: string): Row => {
  const row = rows.find((r) => describeRow(r).startsWith(`${label} `));
  if (!row) throw new Error(`no notification ${label}`);
  return row;
};

const streamOf = (service: TestService, notificationId: string) => readStreamToArray(service.store, streamName.notification(notificationId));

/** The notification ids of the template messages the 360dialog stand-in accepted, in order. */
const acceptedIds = () => whatsapp.accepted.map((r) => (JSON.parse(r.text) as { biz_opaque_callback_data: string }).biz_opaque_callback_data);

/** A restricted account (Meta 368) pauses WhatsApp until an admin resumes it; another patient's message meets it. */
async function pauseWhatsApp(service: TestService, clock: FixedClock): Promise<void> {
  whatsapp.failNext(1, { status: 403, body: metaError(368, 'Temporarily blocked for policies violations') });
  const trigger = validEnvelope('clinical.report_ready', {}, clock);
  (trigger.data as { patient: object }).patient = { id: `pat-${randomUUID()}`, name: 'Ravi Kumar', phone: '+919812345678' };
  await recordAndProject(service, trigger);
  await until(async () => {
    service.dispatcher?.poke();
    return (await readStreamToArray(service.store, streamName.channel('whatsapp'))).some((e) => e.type === 'ChannelPaused');
  }, { what: 'WhatsApp to be paused' });
}

/** Given WhatsApp paused, when the confirmation is published 2 h 10 min before its slot: email goes, WhatsApp waits. */
async function publishWhilePaused(service: TestService, story: Story): Promise<void> {
  await pauseWhatsApp(service, story.clock);
  await recordAndProject(service, story.confirmation);
  await untilReminders(service, story.appointmentId, ['24h:skipped', '2h:scheduled', '30m:scheduled']);
  await untilNotifications(service, story.appointmentId, ['confirmed email sent', 'confirmed whatsapp planned']);
}

/** At the 2-hour mark the reminder fires into the pause: its email goes, its WhatsApp message waits. */
async function fireTwoHourReminder(service: TestService, story: Story): Promise<void> {
  story.clock.set(new Date(story.slotAt - 2 * HOUR + 500));
  service.reminders!.poke();
  await untilReminders(service, story.appointmentId, ['24h:skipped', '2h:fired', '30m:scheduled']);
  await untilNotifications(service, story.appointmentId, [
    'confirmed email sent', 'confirmed whatsapp planned', 'reminder 2h email sent', 'reminder 2h whatsapp planned',
  ]);
}

/**
 * 50 minutes before the slot an admin resumes WhatsApp: the confirmation goes out, the 2-hour reminder
 * (deadline an hour before the slot) is expired; then the 30-minute reminder goes out at its time.
 */
async function resumeAndFinish(service: TestService, story: Story): Promise<Row[]> {
  const { clock, slotAt, appointmentId } = story;
  clock.set(new Date(slotAt - 50 * MINUTE));
  const resumed = await resumeChannel({ store: service.store, clock }, 'whatsapp', 'alice-admin');
  expect(resumed.ok).toBe(true);
  const afterResume = await untilNotifications(service, appointmentId, [
    'confirmed email sent', 'confirmed whatsapp sent', 'reminder 2h email sent', 'reminder 2h whatsapp expired',
  ]);
  // The patient's phone reports it: no "not delivered in time" fallback to SMS while the clock moves on.
  await postWhatsAppStatus(service, { secret: WEBHOOK_SECRET, clock }, find(afterResume, 'confirmed whatsapp'), 'delivered');
  await untilNotifications(service, appointmentId, [
    'confirmed email sent', 'confirmed whatsapp delivered', 'reminder 2h email sent', 'reminder 2h whatsapp expired',
  ]);

  clock.set(new Date(slotAt - 30 * MINUTE + 500));
  service.reminders!.poke();
  await untilReminders(service, appointmentId, ['24h:skipped', '2h:fired', '30m:fired']);
  return untilNotifications(service, appointmentId, [
    'confirmed email sent', 'confirmed whatsapp delivered',
    'reminder 2h email sent', 'reminder 2h whatsapp expired',
    'reminder 30m email sent', 'reminder 30m whatsapp sent',
  ]);
}

/** What the ledger and the provider say of the WhatsApp messages, the same with or without a restart. */
async function expectTheOutcome(service: TestService, story: Story, rows: Row[]): Promise<void> {
  const { slotAt } = story;
  const confirmation = find(rows, 'confirmed whatsapp');
  const twoHour = find(rows, 'reminder 2h whatsapp');
  const thirtyMinute = find(rows, 'reminder 30m whatsapp');

  // The confirmation waited for the resume and went out once, at the resume.
  const confirmationStream = await streamOf(service, confirmation.notification_id);
  expect(confirmationStream.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent', 'StatusReported']);
  expect((confirmationStream[0]!.data as NotificationPlanned).sendBy).toBe(new Date(slotAt).toISOString());
  expect((confirmationStream[2]!.data as NotificationSent).sentAt).toBe(new Date(slotAt - 50 * MINUTE).toISOString());

  // The 2-hour reminder was planned with a deadline an hour before the slot, and expired unsent at the resume.
  const twoHourStream = await streamOf(service, twoHour.notification_id);
  expect(twoHourStream.map((e) => e.type)).toEqual(['NotificationPlanned', 'NotificationExpired']);
  expect((twoHourStream[0]!.data as NotificationPlanned).sendBy).toBe(new Date(slotAt - HOUR).toISOString());
  expect(twoHourStream[1]!.data as NotificationExpired).toMatchObject({
    reason: 'not-sent-in-time', attempts: 0, sendBy: new Date(slotAt - HOUR).toISOString(), expiredAt: new Date(slotAt - 50 * MINUTE).toISOString(),
  });

  // The 30-minute reminder went out at its time.
  const thirtyStream = await streamOf(service, thirtyMinute.notification_id);
  expect(thirtyStream.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
  expect((thirtyStream[2]!.data as NotificationSent).sentAt).toBe(new Date(slotAt - 30 * MINUTE + 500).toISOString());

  // 360dialog took the confirmation and the 30-minute reminder, once each, and never the 2-hour reminder.
  const ours = new Set(rows.map((r) => r.notification_id));
  expect(acceptedIds().filter((id) => ours.has(id))).toEqual([confirmation.notification_id, thirtyMinute.notification_id]);
  // Nothing fell back to SMS: a paused channel never triggers a fallback.
  expect(rows.filter((r) => r.channel === 'sms')).toEqual([]);
}

describe('expiry behind a paused channel', () => {
  it('sends the confirmation at the resume, expires the 2-hour reminder, and sends the 30-minute reminder at its time', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const story = newStory();
    const service = await start(database, story.clock);

    await publishWhilePaused(service, story);
    await fireTwoHourReminder(service, story);
    const rows = await resumeAndFinish(service, story);

    await expectTheOutcome(service, story, rows);
  }, 60_000);

  it('decides the same when the service restarts between the pause and the resume', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const story = newStory();
    const first = await start(database, story.clock);

    await publishWhilePaused(first, story);
    await fireTwoHourReminder(first, story);
    await stop(first);
    // A new instance on the same database: the pause, the waiting messages and the reminders come from the ledger.
    const second = await start(database, story.clock);
    const rows = await resumeAndFinish(second, story);

    await expectTheOutcome(second, story, rows);
  }, 60_000);
});
