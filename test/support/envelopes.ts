import { randomUUID } from 'node:crypto';
import type { EventType, GeneratedEventType } from '../../src/domain/event-catalogue.ts';

/** Payload parts shared by the fixtures: one centre, one doctor, one patient with both contacts. */
export const centre = { id: 'centre-blr', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' };
export const doctor = { id: 'doc-1', name: 'Dr. Meera Rao' };
export const patient = { id: 'pat-1', name: 'Asha Verma', phone: '+919876543210', email: 'asha@example.com' };
export const appointment = { id: 'appt-1', bookingReference: 'BK-1001', slotDate: '2026-11-26', slotTime: '09:30', status: 'confirmed' };

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

const visit = () => ({ appointment, patient, doctor, centre });

/**
 * A valid payload for every type upstream systems may publish, each using its optional fields
 * somewhere so the schemas are exercised beyond their required parts.
 */
const VALID_PAYLOADS: Record<UpstreamEventType, () => Record<string, unknown>> = {
  'appointment.confirmed': () => ({ ...visit(), payment: { ...money, status: 'paid' } }),
  'appointment.pending_approval': () => visit(),
  'appointment.rejected': () => ({ ...visit(), appointment: { ...appointment, status: 'rejected' }, reason: 'Doctor unavailable' }),
  'appointment.cancelled': () => ({
    ...visit(),
    appointment: { ...appointment, status: 'cancelled' },
    cancelledBy: 'patient',
    reason: 'Travelling',
    refund: money,
  }),
  'appointment.rescheduled': () => ({
    ...visit(),
    appointment: { ...appointment, slotDate: '2026-11-27', slotTime: '11:00' },
    previousSlot: { slotDate: appointment.slotDate, slotTime: appointment.slotTime },
  }),
  'appointment.completed': () => ({ ...visit(), appointment: { ...appointment, status: 'completed' } }),
  'appointment.no_show': () => ({ ...visit(), appointment: { ...appointment, status: 'no_show' } }),
  'walkin.token_called': () => ({ centre, queue: walkinQueue, token: { number: 'A-017', room: 'Room 3' }, patient }),
  'walkin.queue_updated': () => ({
    centre,
    queue: walkinQueue,
    tokens: [
      { number: 'A-017', position: 1, patient, room: 'Room 3' },
      { number: 'A-018', position: 2, patient: secondPatient },
    ],
  }),
  'clinical.prescription_ready': () => ({
    prescription: { id: 'rx-1', link: 'https://clinic.example/rx/rx-1' },
    patient,
    doctor,
    centre,
    appointment,
  }),
  'clinical.report_ready': () => ({
    report: { id: 'rep-1', name: 'Complete Blood Count', link: 'https://clinic.example/reports/rep-1' },
    patient,
    doctor,
    centre,
  }),
  'doctor.emergency_leave': () => ({
    doctor,
    centre,
    leave: { from: '2026-11-26T00:00:00+05:30', until: '2026-11-27T00:00:00+05:30', reason: 'Family emergency' },
    affected: [
      { appointment, patient, refund: money, rescheduleLink: 'https://clinic.example/reschedule/appt-1' },
      {
        appointment: { ...appointment, id: 'appt-2', bookingReference: 'BK-1002', slotTime: '10:00' },
        patient: secondPatient,
        refund: { amount: '800.00', currency: 'INR' },
        rescheduleLink: 'https://clinic.example/reschedule/appt-2',
      },
    ],
  }),
  'billing.bill_generated': () => ({ centre, bill: { id: 'bill-1', number: 'INV-2026-0042', ...money }, patient }),
  'billing.refund_processed': () => ({
    centre,
    refund: { id: 'ref-1', ...money, reason: 'Appointment cancelled' },
    bill: { id: 'bill-1', number: 'INV-2026-0042' },
    patient,
  }),
  'billing.deposit_received': () => ({ centre, deposit: { id: 'dep-1', amount: '500.00', currency: 'INR', method: 'upi' }, patient }),
  'package.purchased': () => ({
    centre,
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', sessionsTotal: 10, sessionsUsed: 0, validUntil: '2027-05-31' },
    patient,
    amount: { amount: '9000.00', currency: 'INR' },
  }),
  'package.redeemed': () => ({
    centre,
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', sessionsTotal: 10, sessionsUsed: 3 },
    patient,
  }),
  'package.expired': () => ({
    centre,
    package: { id: 'pkg-1', name: 'Physiotherapy 10 sessions', validUntil: '2026-11-24T00:00:00+05:30' },
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

/** A valid envelope of `type` with a fresh, namespaced eventId. Every call builds new objects. */
export function validEnvelope(type: UpstreamEventType, overrides: Partial<RawEnvelope> = {}): RawEnvelope {
  return {
    eventId: `his:${randomUUID()}`,
    type,
    occurredAt: '2026-11-24T09:30:00Z',
    // A deep copy: a test that edits its payload must not change the shared patient for later tests.
    data: structuredClone(VALID_PAYLOADS[type]()),
    ...overrides,
  };
}

export function confirmedEnvelope(overrides: Partial<RawEnvelope> = {}): RawEnvelope {
  return validEnvelope('appointment.confirmed', overrides);
}
