import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.ts';
import type { EventType, GeneratedEventType } from '../../src/domain/event-catalogue.ts';
import { FIXTURE_NOW, instantOf, localDateAfter, localMidnight, slotAfter, slotPlus, type Now } from './slots.ts';

/** Payload parts shared by the fixtures: one centre, one doctor, one patient with both contacts. */
export const centre = { id: 'centre-blr', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' };
export const doctor = { id: 'doc-1', name: 'Dr. Meera Rao' };
export const patient = { id: 'pat-1', name: 'Asha Verma', phone: '+919876543210', email: 'asha@example.com' };

/** The fixtures' appointment, its slot 1 day 18.5 hours after `now` (from FIXTURE_NOW: 2026-11-26 09:30 in Kolkata). */
export const appointmentAt = (now: Now) => ({ id: 'appt-1', bookingReference: 'BK-1001', ...slotAfter(now, { days: 1, hours: 18, minutes: 30 }), status: 'confirmed' });
export const appointment = appointmentAt(FIXTURE_NOW);

/** A second patient, so fan-out and queue fixtures name more than one person. */
export const secondPatient = { id: 'pat-2', name: 'Ravi Kumar', phone: '+919812345678', locale: 'hi' };
export const walkinQueue = { id: 'queue-gp', name: 'General Physician' };
export const money = { amount: '1250.00', currency: 'INR' };

export interface RawEnvelope {
  eventId: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export type UpstreamEventType = Exclude<EventType, GeneratedEventType>;

const visit = (appointment: Appointment) => ({ appointment, patient, doctor, centre });
type Appointment = ReturnType<typeof appointmentAt>;

/**
 * A valid payload for every type upstream systems may publish, each using its optional fields
 * somewhere so the schemas are exercised beyond their required parts.
 */
const VALID_PAYLOADS: Record<UpstreamEventType, (now: Now) => Record<string, unknown>> = {
  'appointment.confirmed': (now) => ({ ...visit(appointmentAt(now)), payment: { ...money, status: 'paid' } }),
  'appointment.pending_approval': (now) => visit(appointmentAt(now)),
  'appointment.rejected': (now) => ({ ...visit(appointmentAt(now)), appointment: { ...appointmentAt(now), status: 'rejected' }, reason: 'Doctor unavailable' }),
  'appointment.cancelled': (now) => ({
    ...visit(appointmentAt(now)),
    appointment: { ...appointmentAt(now), status: 'cancelled' },
    cancelledBy: 'patient',
    reason: 'Travelling',
    refund: money,
  }),
  'appointment.rescheduled': (now) => {
    const previous = appointmentAt(now);
    return {
      ...visit(previous),
      // From FIXTURE_NOW: moved from 2026-11-26 09:30 to 2026-11-27 11:00.
      appointment: { ...previous, ...slotPlus(previous, { days: 1, hours: 1, minutes: 30 }) },
      previousSlot: { slotDate: previous.slotDate, slotTime: previous.slotTime },
    };
  },
  'appointment.completed': (now) => ({ ...visit(appointmentAt(now)), appointment: { ...appointmentAt(now), status: 'completed' } }),
  'appointment.no_show': (now) => ({ ...visit(appointmentAt(now)), appointment: { ...appointmentAt(now), status: 'no_show' } }),
  'walkin.token_called': () => ({ centre, queue: walkinQueue, token: { number: 'A-017', room: 'Room 3' }, patient }),
  'walkin.queue_updated': () => ({
    centre,
    queue: walkinQueue,
    tokens: [
      { number: 'A-017', position: 1, patient, room: 'Room 3' },
      { number: 'A-018', position: 2, patient: secondPatient },
    ],
  }),
  'clinical.prescription_ready': (now) => ({
    prescription: { id: 'rx-1', link: 'https://clinic.example/rx/rx-1' },
    patient,
    doctor,
    centre,
    appointment: appointmentAt(now),
  }),
  'clinical.report_ready': () => ({
    report: { id: 'rep-1', name: 'Complete Blood Count', link: 'https://clinic.example/reports/rep-1' },
    patient,
    doctor,
    centre,
  }),
  'doctor.emergency_leave': (now) => {
    const appointment = appointmentAt(now);
    const second = { ...appointment, id: 'appt-2', bookingReference: 'BK-1002', ...slotPlus(appointment, { minutes: 30 }) };
    // From FIXTURE_NOW: the whole of 26 November, both slots (09:30 and 10:00) inside it.
    const leave = { from: localMidnight(appointment.slotDate), until: localMidnight(slotPlus(second, { days: 1 }).slotDate) };
    return {
    doctor,
    centre,
    leave: { ...leave, reason: 'Family emergency' },
    affected: [
      { appointment, patient, refund: money, rescheduleLink: 'https://clinic.example/reschedule/appt-1' },
      {
        appointment: second,
        patient: secondPatient,
        refund: { amount: '800.00', currency: 'INR' },
        rescheduleLink: 'https://clinic.example/reschedule/appt-2',
      },
    ],
    };
  },
  'billing.bill_generated': () => ({ centre, bill: { id: 'bill-1', number: 'INV-2026-0042', ...money }, patient }),
  'billing.refund_processed': () => ({
    centre,
    refund: { id: 'ref-1', ...money, reason: 'Appointment cancelled' },
    bill: { id: 'bill-1', number: 'INV-2026-0042' },
    patient,
  }),
  'billing.deposit_received': () => ({ centre, deposit: { id: 'dep-1', amount: '500.00', currency: 'INR', method: 'upi' }, patient }),
  'package.purchased': (now) => ({
    centre,
    // From FIXTURE_NOW: 2027-05-31.
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', sessionsTotal: 10, sessionsUsed: 0, validUntil: localDateAfter(now, 188) },
    patient,
    amount: { amount: '9000.00', currency: 'INR' },
  }),
  'package.redeemed': () => ({
    centre,
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', sessionsTotal: 10, sessionsUsed: 3 },
    patient,
  }),
  'package.expired': (now) => ({
    centre,
    // Expired at the start of today at the centre.
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', validUntil: localMidnight(localDateAfter(now)) },
    patient,
  }),
  'package.exhausted': () => ({
    centre,
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', sessionsTotal: 10, sessionsUsed: 10 },
    patient,
  }),
  'lab.test_requested': () => ({ centre, test: { id: 'lab-1', name: 'Lipid Profile', priority: 'urgent' }, patient, doctor }),
};

/** The 20 types upstream systems may publish, in catalogue order. */
export const UPSTREAM_TYPES = Object.keys(VALID_PAYLOADS) as UpstreamEventType[];

/**
 * A valid envelope of `type` with a fresh, namespaced eventId, occurred at `now`, its slots after
 * `now`. A test on a clock other than `fixedClock(FIXTURE_NOW)` passes that clock (the real one
 * included). Every call builds new objects.
 */
export function validEnvelope(type: UpstreamEventType, overrides: Partial<RawEnvelope> = {}, now: Now = FIXTURE_NOW): RawEnvelope {
  return {
    eventId: `his:${randomUUID()}`,
    type,
    occurredAt: instantOf(now).toISOString().replace('.000Z', 'Z'),
    // A deep copy: a test that edits its payload must not change the shared patient for later tests.
    data: structuredClone(VALID_PAYLOADS[type](now)),
    ...overrides,
  };
}

export function confirmedEnvelope(overrides: Partial<RawEnvelope> = {}, now: Now = FIXTURE_NOW): RawEnvelope {
  return validEnvelope('appointment.confirmed', overrides, now);
}

/** The builders for a test on `clock` (the real one included): each envelope is built for the clock's now when built. */
export const envelopesOn = (clock: Clock) => ({
  validEnvelope: (type: UpstreamEventType, overrides: Partial<RawEnvelope> = {}) => validEnvelope(type, overrides, clock),
  confirmedEnvelope: (overrides: Partial<RawEnvelope> = {}) => confirmedEnvelope(overrides, clock),
});
