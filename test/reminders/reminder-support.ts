import { randomUUID } from 'node:crypto';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import type { Service } from '../../src/service.ts';
import { doctor, patient, type RawEnvelope, type UpstreamEventType } from '../support/envelopes.ts';
import { until } from '../support/until.ts';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1000;

export const kolkata = (id = `centre-${randomUUID().slice(0, 8)}`) => ({ id, name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' });

export interface VisitOptions {
  appointmentId: string;
  centre: { id: string; name: string; timeZone: string };
  slotDate: string;
  slotTime: string;
  occurredAt: Date;
  patient?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** An upstream appointment event about one visit, with a fresh eventId. */
export function visitEnvelope(type: UpstreamEventType, o: VisitOptions): RawEnvelope {
  return {
    eventId: `his:${randomUUID()}`,
    type,
    occurredAt: o.occurredAt.toISOString(),
    data: {
      appointment: { id: o.appointmentId, bookingReference: `BK-${o.appointmentId}`, slotDate: o.slotDate, slotTime: o.slotTime, status: type.split('.')[1] },
      patient: o.patient ?? patient,
      doctor,
      centre: o.centre,
      ...(type === 'appointment.cancelled' ? { cancelledBy: 'patient' } : {}),
      ...o.extra,
    },
  };
}

export const remindersOf = (service: Service, appointmentId: string) =>
  service.db.selectFrom('reminders').selectAll().where('appointment_id', '=', appointmentId).orderBy('due_at').orderBy('created_at').execute();

/** Waits until the appointment's reminders in the due-time table read as `expected` (offset:status). */
export function untilReminders(service: Service, appointmentId: string, expected: string[], what = 'the reminders') {
  return until(async () => {
    const rows = await remindersOf(service, appointmentId);
    const seen = rows.map((r) => `${r.reminder_offset}:${r.status}`);
    return JSON.stringify(seen) === JSON.stringify(expected) ? rows : null;
  }, { what: `${what} of ${appointmentId} to be ${expected.join(', ')}` });
}

export const firedOffsets = async (service: Service, appointmentId: string) =>
  (await remindersOf(service, appointmentId)).filter((r) => r.status === 'fired').map((r) => r.reminder_offset);

export const reminderNotifications = (service: Service, appointmentId: string) =>
  service.db
    .selectFrom('notifications')
    .selectAll()
    .where('appointment_id', '=', appointmentId)
    .where('event_type', '=', 'appointment.reminder')
    .orderBy('created_at')
    .orderBy('channel')
    .execute();

/** Waits until the reminder notifications of the appointment are `count` and all sent. */
export function untilReminderMessagesSent(service: Service, appointmentId: string, count: number) {
  return until(async () => {
    const rows = await reminderNotifications(service, appointmentId);
    return rows.length === count && rows.every((r) => r.status === 'sent') ? rows : null;
  }, { what: `${count} sent reminder messages for ${appointmentId}` });
}

/** The event types in a reminder's own stream: its fate, once. */
export async function fateStream(service: Service, reminderId: string): Promise<string[]> {
  return (await readStreamToArray(service.store, streamName.reminder(reminderId))).map((e) => e.type);
}
