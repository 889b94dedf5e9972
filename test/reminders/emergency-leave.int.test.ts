import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { slotInstant } from '../../src/domain/slot-instant.ts';
import { fixedClock } from '../support/clock.ts';
import { doctor } from '../support/envelopes.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { recordAndProject } from '../support/publish.ts';
import { HOUR, kolkata, remindersOf, visitEnvelope } from './reminder-support.ts';
import { isWhatsAppTemplate } from '../../src/domain/templates/rendered-message.ts';

const clock = fixedClock('2026-12-07T04:00:00Z');
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 20 }, reminders: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

const centre = kolkata('centre-leave');
const slotDate = '2026-12-10';
const AFFECTED = 40;

const patientOf = (i: number) => ({ id: `pat-leave-${i}`, name: `Patient ${i}`, phone: `+9198765${10000 + i}`, email: `patient${i}@example.com` });
const refundOf = (i: number) => ({ amount: `${500 + i}.50`, currency: 'INR' });
const slotTimeOf = (i: number) => `${String(9 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`;
const appointmentIdOf = (i: number) => `appt-leave-${i}`;

async function notificationsOfEvent(eventId: string, count: number) {
  return until(async () => {
    const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();
    return rows.length === count && rows.every((r) => ['sent', 'suppressed'].includes(r.status)) ? rows : null;
  }, { what: `${count} settled notifications of ${eventId}`, timeoutMs: 20_000 });
}

describe('doctor emergency leave', () => {
  const leaveEventId = `his:${randomUUID()}`;

  beforeAll(async () => {
    for (let i = 0; i < AFFECTED; i++) {
      await recordAndProject(service, visitEnvelope('appointment.confirmed', {
        appointmentId: appointmentIdOf(i), centre, slotDate, slotTime: slotTimeOf(i), occurredAt: clock.now(), patient: patientOf(i),
      }));
    }
    await until(async () => {
      const rows = await service.db.selectFrom('reminders').select('status').where('centre_id', '=', centre.id).execute();
      return rows.length === AFFECTED * 3 && rows.every((r) => r.status === 'scheduled');
    }, { what: 'the reminders of every affected appointment to be scheduled' });

    clock.set(new Date(clock.now().getTime() + HOUR));
    await recordAndProject(service, {
      eventId: leaveEventId,
      type: 'doctor.emergency_leave',
      occurredAt: clock.now().toISOString(),
      data: {
        doctor,
        centre,
        leave: { from: '2026-12-10T00:00:00+05:30', until: '2026-12-11T00:00:00+05:30', reason: 'Family emergency' },
        affected: Array.from({ length: AFFECTED }, (_, i) => ({
          appointment: { id: appointmentIdOf(i), bookingReference: `BK-L${i}`, slotDate, slotTime: slotTimeOf(i), status: 'cancelled' },
          patient: patientOf(i),
          refund: refundOf(i),
          rescheduleLink: `https://clinic.example/reschedule/${appointmentIdOf(i)}`,
        })),
      },
    });
  });

  it('tells each of the 40 patients on WhatsApp and email, each with their own refund amount and reschedule link', async () => {
    const rows = await notificationsOfEvent(leaveEventId, AFFECTED * 2);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const sent = [...(service.transports.whatsapp as SandboxTransport).sent, ...(service.transports.email as SandboxTransport).sent];
    for (let i = 0; i < AFFECTED; i++) {
      const mine = rows.filter((r) => r.appointment_id === appointmentIdOf(i));
      expect(mine.map((r) => r.channel).sort()).toEqual(['email', 'whatsapp']);
      expect(mine.every((r) => r.recipient_id === `pat-leave-${i}`)).toBe(true);
      for (const r of mine) {
        const message = sent.find((m) => m.notificationId === r.notification_id)!;
        const { rendered } = message;
        const text = rendered.channel === 'whatsapp' ? rendered.previewText : rendered.channel === 'email' ? rendered.text : '';
        expect(text).toContain(`₹${500 + i}.50`);
        // On WhatsApp the link is the URL button's parameter (the defaults' approved base is `https://`).
        if (isWhatsAppTemplate(rendered)) expect(rendered.buttonParameter).toBe(`clinic.example/reschedule/${appointmentIdOf(i)}`);
        else expect(text).toContain(`https://clinic.example/reschedule/${appointmentIdOf(i)}`);
      }
    }
  });

  it('cancels the reminders of every affected appointment', async () => {
    await until(async () => {
      const rows = await service.db.selectFrom('reminders').select(['status', 'reason']).where('centre_id', '=', centre.id).execute();
      return rows.length === AFFECTED * 3 && rows.every((r) => r.status === 'cancelled' && r.reason === 'doctor.emergency_leave');
    }, { what: 'every reminder of the affected appointments to be cancelled' });
    const T = slotInstant({ slotDate, slotTime: slotTimeOf(0) }, centre.timeZone).getTime();
    clock.set(new Date(T - 30 * 60_000 + 500));
    const drained = await service.reminders!.drain();
    expect(drained.fired).toBe(0);
    expect((await remindersOf(service, appointmentIdOf(0))).map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('suppresses a later upstream cancellation of an announced appointment as covered-by-emergency-leave', async () => {
    const raw = visitEnvelope('appointment.cancelled', {
      appointmentId: appointmentIdOf(7), centre, slotDate, slotTime: slotTimeOf(7), occurredAt: clock.now(), patient: patientOf(7),
      extra: { cancelledBy: 'system', reason: 'Doctor on emergency leave' },
    });
    await recordAndProject(service, raw);
    const [row] = await notificationsOfEvent(raw.eventId, 1);
    expect(row).toMatchObject({ channel: 'whatsapp', status: 'suppressed', suppression_reason: 'covered-by-emergency-leave' });
    expect(row!.last_error).toContain(leaveEventId);
  });

  it('still tells the patient of a cancellation emergency leave did not announce', async () => {
    const raw = visitEnvelope('appointment.cancelled', {
      appointmentId: 'appt-not-on-leave', centre, slotDate, slotTime: '18:00', occurredAt: clock.now(), patient: patientOf(99),
    });
    await recordAndProject(service, raw);
    const [row] = await notificationsOfEvent(raw.eventId, 1);
    expect(row).toMatchObject({ channel: 'whatsapp', status: 'sent' });
  });
});
