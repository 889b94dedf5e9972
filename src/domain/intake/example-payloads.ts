import type { EventType, PayloadOf } from '../event-catalogue.ts';

/*
 * One realistic payload per event type, generated types included, with every optional field set:
 * the sample a template is rendered with when it is published, and the `examples` of the JSON
 * Schemas upstream integrators read. The people, numbers and addresses are made up.
 */

const centre = { id: 'centre-blr-indiranagar', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata', locale: 'en-IN' };
const patient = { id: 'pat-20931', name: 'Asha Verma', phone: '+919876543210', email: 'asha.verma@example.com', locale: 'en-IN' };
const secondPatient = { id: 'pat-20977', name: 'Rahul Sharma', phone: '+919812345678', email: 'rahul.sharma@example.com', locale: 'hi-IN' };
const doctor = { id: 'doc-114', name: 'Dr. Meera Rao' };
const appointment = { id: 'appt-88213', bookingReference: 'BK-7Q4M2', slotDate: '2026-11-26', slotTime: '09:30', status: 'confirmed' };
const visit = { appointment, patient, doctor, centre };
const queue = { id: 'queue-opd-general', name: 'General OPD' };
const inr = (amount: string) => ({ amount, currency: 'INR' });
const physiotherapy = { id: 'pkg-5521', name: 'Physiotherapy, 10 sessions', sessionsTotal: 10, sessionsUsed: 4, validUntil: '2027-05-31' };

type ExamplePayloads = { [K in EventType]: PayloadOf<K> };

export const EXAMPLE_PAYLOADS: ExamplePayloads = {
  'appointment.confirmed': { ...visit, payment: { ...inr('1250.00'), status: 'paid' } },
  'appointment.pending_approval': { ...visit, appointment: { ...appointment, status: 'pending_approval' } },
  'appointment.rejected': { ...visit, appointment: { ...appointment, status: 'rejected' }, reason: 'Dr. Rao is fully booked that morning' },
  'appointment.cancelled': {
    ...visit,
    appointment: { ...appointment, status: 'cancelled' },
    cancelledBy: 'staff',
    reason: 'The clinic is closed for maintenance',
    refund: inr('1250.00'),
  },
  'appointment.rescheduled': {
    ...visit,
    appointment: { ...appointment, slotDate: '2026-11-28', slotTime: '16:45', status: 'rescheduled' },
    previousSlot: { slotDate: '2026-11-26', slotTime: '09:30' },
  },
  'appointment.completed': { ...visit, appointment: { ...appointment, status: 'completed' } },
  'appointment.no_show': { ...visit, appointment: { ...appointment, status: 'no_show' } },
  // What the reminder scheduler plans with: the booking as last confirmed, and the offset that fired.
  'appointment.reminder': { ...visit, offset: '2h' },
  'walkin.token_called': { centre, queue, token: { number: 'A-017', room: 'Room 4' }, patient },
  // What the walk-in reaction plans with: the token that reached the threshold, its position and the threshold.
  'walkin.approaching_turn': { centre, queue, token: { number: 'A-017', room: 'Room 4' }, patient, position: 3, threshold: 3 },
  'walkin.queue_updated': {
    centre,
    queue,
    tokens: [
      { number: 'A-016', position: 2, patient: secondPatient, room: 'Room 4' },
      { number: 'A-017', position: 3, patient, room: 'Room 4' },
    ],
  },
  'clinical.prescription_ready': {
    prescription: { id: 'rx-30418', link: 'https://portal.leapclinic.example/rx/rx-30418' },
    patient,
    doctor,
    centre,
    appointment: { ...appointment, status: 'completed' },
  },
  'clinical.report_ready': {
    report: { id: 'rep-7702', name: 'Complete blood count', link: 'https://portal.leapclinic.example/reports/rep-7702' },
    patient,
    doctor,
    centre,
  },
  'doctor.emergency_leave': {
    doctor,
    centre,
    leave: { from: '2026-11-26T03:30:00Z', until: '2026-11-27T12:30:00Z', reason: 'A family emergency' },
    affected: [
      { appointment, patient, refund: inr('1250.00'), rescheduleLink: 'https://book.leapclinic.example/r/BK-7Q4M2' },
      {
        appointment: { ...appointment, id: 'appt-88240', bookingReference: 'BK-9T2X8', slotTime: '11:00' },
        patient: secondPatient,
        refund: inr('800.00'),
        rescheduleLink: 'https://book.leapclinic.example/r/BK-9T2X8',
      },
    ],
  },
  'billing.bill_generated': { centre, bill: { id: 'bill-40311', number: 'INV-2026-0042', ...inr('1250.00') }, patient },
  'billing.refund_processed': {
    centre,
    refund: { id: 'refund-1207', ...inr('500.00'), reason: 'Duplicate UPI payment' },
    bill: { id: 'bill-40311', number: 'INV-2026-0042' },
    patient,
  },
  'billing.deposit_received': { centre, deposit: { id: 'dep-2290', ...inr('2000.00'), method: 'UPI' }, patient },
  'package.purchased': { centre, package: { ...physiotherapy, sessionsUsed: 0 }, patient, amount: inr('8000.00') },
  'package.redeemed': { centre, package: physiotherapy, patient, amount: inr('8000.00') },
  'package.expired': { centre, package: { ...physiotherapy, sessionsUsed: 7, validUntil: '2026-11-30T18:29:59Z' }, patient, amount: inr('8000.00') },
  'package.exhausted': { centre, package: { ...physiotherapy, sessionsUsed: 10 }, patient, amount: inr('8000.00') },
  'lab.test_requested': { centre, test: { id: 'test-6612', name: 'HbA1c', priority: 'urgent' }, patient, doctor },
  'system.alert': {
    alert: {
      kind: 'template-not-approved',
      subject: 'A WhatsApp template is not approved as mapped',
      message: 'appointment.confirmed:whatsapp:en v2 (appointment_confirmed, en_US): pending. Messages that use it are suppressed until fixed.',
    },
    centre,
  },
  'patient.replied': {
    reply: {
      conversationId: '5d1f3c6a0b9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a392817f6e5d4',
      channel: 'whatsapp',
      messageType: 'text',
      text: 'Can I come at 11 instead?',
      sentAt: '2026-12-07T04:10:00Z',
      windowClosesAt: '2026-12-08T04:10:00Z',
    },
    patients: [{ id: patient.id, name: patient.name }],
    centre,
  },
};

export interface ExampleEnvelope<K extends EventType> {
  eventId: string;
  type: K;
  occurredAt: string;
  data: PayloadOf<K>;
}

/** The example payload of a type in a whole envelope, as upstream would publish it. */
export function exampleEnvelope<K extends EventType>(type: K): ExampleEnvelope<K> {
  return { eventId: `his:example-${type}`, type, occurredAt: '2026-11-24T04:00:00Z', data: EXAMPLE_PAYLOADS[type] };
}
