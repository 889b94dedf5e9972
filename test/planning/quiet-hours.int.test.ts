import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setQuietHours } from '../../src/commands/centre-settings/set-quiet-hours.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { centre, envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { FIXTURE_NOW, localDateAfter, slotStart } from '../support/slots.ts';
import { until } from '../support/until.ts';
import { seedStaff } from '../staff/support/staff-fixtures.ts';
import { reminderNotifications, visitEnvelope } from '../reminders/reminder-support.ts';

const clock = fixedClock(FIXTURE_NOW);
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

/** `hhmm` on the centre's clock, `days` after the date the test's clock started on. */
const localAt = (days: number, hhmm: string) => slotStart({ slotDate: localDateAfter(FIXTURE_NOW, days), slotTime: hhmm });

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 20 }, reminders: { pollIntervalMs: 20 } });
  await seedStaff(service, clock);
  // Quiet every night from 22:00 to 08:00 at the fixtures' centre, with the default urgent types.
  const set = await setQuietHours(service.store, { centreId: centre.id, from: '22:00', until: '08:00', actor: 'alice-admin' }, clock.now());
  if (!set.ok) throw new Error(JSON.stringify(set.error));
  await service.whenProcessed(set.value.position);
});
afterAll(async () => service?.stop());

const rowsOf = (eventId: string) => service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('channel').execute();
const streamTypes = async (notificationId: string) => (await readStreamToArray(service.store, streamName.notification(notificationId))).map((e) => e.type);

function untilRows(raw: RawEnvelope, expected: string[]) {
  return until(async () => {
    service.dispatcher!.poke();
    const rows = await rowsOf(raw.eventId);
    return JSON.stringify(rows.map((r) => `${r.channel}:${r.status}`)) === JSON.stringify(expected) ? rows : null;
  }, { what: `the notifications of ${raw.type} to be ${expected.join(', ')}` });
}

describe('quiet hours at a centre (22:00-08:00)', () => {
  it('defers a bill alert at 23:00 to 08:00, and sends it then', async () => {
    clock.set(localAt(0, '23:00'));
    const bill = validEnvelope('billing.bill_generated');
    await recordAndProject(service, bill);
    // The in-app alert rings nobody and goes at once; the email waits for the morning.
    const [email] = await untilRows(bill, ['email:deferred', 'in_app:sent']);
    const morning = localAt(1, '08:00');
    expect(email!.due_at).toEqual(morning);
    expect(await streamTypes(email!.notification_id)).toEqual(['NotificationPlanned', 'NotificationDeferred']);
    const mail = service.transports.email as SandboxTransport;
    const mailedBefore = mail.sent.length;


    clock.set(morning);
    await untilRows(bill, ['email:sent', 'in_app:sent']);
    expect(mail.sent.length).toBe(mailedBefore + 1);
    expect(await streamTypes(email!.notification_id)).toEqual(['NotificationPlanned', 'NotificationDeferred', 'AttemptStarted', 'NotificationSent']);
  });

  it('sends a walk-in call at 23:00 at once', async () => {
    clock.set(localAt(1, '23:00'));
    const call = validEnvelope('walkin.token_called');
    await recordAndProject(service, call);
    const [row] = await untilRows(call, ['whatsapp:sent']);
    expect(await streamTypes(row!.notification_id)).not.toContain('NotificationDeferred');
  });

  it('supersedes the 2-hour reminder of an 08:30 slot, due at 06:30, by the 30-minute one at 08:00: one reminder is sent', async () => {
    clock.set(localAt(2, '23:00'));
    const slot = { slotDate: localDateAfter(FIXTURE_NOW, 3), slotTime: '08:30' };
    await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId: 'appt-quiet', centre, ...slot, occurredAt: clock.now() }));

    clock.set(localAt(3, '06:30'));
    service.reminders!.poke();
    const early = await until(async () => {
      const rows = await reminderNotifications(service, 'appt-quiet');
      return rows.length === 2 ? rows : null;
    }, { what: 'the 2-hour reminder to be planned' });
    expect(early.map((r) => [(r.selection as { offset: string }).offset, r.status, r.suppression_reason])).toEqual([['2h', 'suppressed', 'superseded'], ['2h', 'suppressed', 'superseded']]);
    const [suppressed] = await readStreamToArray(service.store, streamName.notification(early[0]!.notification_id));
    expect((suppressed!.data as { detail: string }).detail).toMatch(/30m reminder/);

    clock.set(localAt(3, '08:00'));
    service.reminders!.poke();
    const all = await until(async () => {
      service.dispatcher!.poke();
      const rows = await reminderNotifications(service, 'appt-quiet');
      return rows.length === 4 && rows.filter((r) => r.status === 'sent').length === 2 ? rows : null;
    }, { what: 'the 30-minute reminder to be sent' });
    const sent = all.filter((r) => r.status === 'sent').map((r) => [(r.selection as { offset: string }).offset, r.channel]);
    expect(sent.sort()).toEqual([['30m', 'email'], ['30m', 'whatsapp']]);
  });
});
