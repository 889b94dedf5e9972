import type { EventType, PayloadOf } from '../../src/domain/event-catalogue.ts';

/** Valid payloads per DESIGN.md's contract, for template tests: every optional field set (`full`) or none (`minimal`). */
// Rendered only, never planned under a clock: their dates stay fixed (the rendered strings are the
// assertions), all after test/support/slots.ts's FIXTURE_NOW. A test that plans from them builds its
// slots with slotAfter instead.

export const kolkata = { id: 'centre-blr', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' };
export const kathmandu = { id: 'centre-ktm', name: 'Leap Clinic Thamel', timeZone: 'Asia/Kathmandu', locale: 'en-IN' };
export const doctor = { id: 'doc-1', name: 'Dr. Meera Rao' };
export const patient = { id: 'pat-1', name: 'Asha Verma', phone: '+919876543210', email: 'asha@example.com' };
export const hindiPatient = { ...patient, id: 'pat-2', name: 'राहुल शर्मा', locale: 'hi-IN' };
export const minimalPatient = { id: 'pat-3', name: 'Ravi Kumar' };
export const appointment = { id: 'appt-1', bookingReference: 'BK-1001', slotDate: '2026-11-26', slotTime: '09:30', status: 'confirmed' };
export const inr = (amount: string) => ({ amount, currency: 'INR' });

const visit = { appointment, patient, doctor, centre: kolkata };
const minimalVisit = { appointment, patient: minimalPatient, doctor, centre: kolkata };
const queue = { id: 'q-opd', name: 'General OPD' };
const leave = { from: '2026-11-26T03:30:00Z', until: '2026-11-27T12:30:00Z' };

export const affected = (id: string, p: typeof patient | typeof minimalPatient, bookingReference: string) => ({
  appointment: { ...appointment, id, bookingReference },
  patient: p,
  refund: inr('1250.00'),
  rescheduleLink: `https://book.example.com/r/${bookingReference}`,
});

type Payloads = { [K in EventType]: PayloadOf<K> };

export const FULL: Payloads = {
  'appointment.confirmed': { ...visit, payment: { ...inr('1250.00'), status: 'paid' } },
  'appointment.pending_approval': visit,
  'appointment.rejected': { ...visit, reason: 'The doctor is fully booked that morning' },
  'appointment.cancelled': { ...visit, cancelledBy: 'staff', reason: 'Clinic closed for maintenance', refund: inr('500.00') },
  'appointment.rescheduled': { ...visit, appointment: { ...appointment, slotDate: '2026-11-28', slotTime: '16:45' }, previousSlot: { slotDate: '2026-11-26', slotTime: '09:30' } },
  'appointment.completed': visit,
  'appointment.no_show': visit,
  'appointment.reminder': { ...visit, offset: '2h' },
  'walkin.token_called': { centre: kolkata, queue, token: { number: 'A-017', room: 'Room 4' }, patient },
  'walkin.approaching_turn': { centre: kolkata, queue, token: { number: 'A-017', room: 'Room 4' }, patient, position: 3, threshold: 3 },
  'walkin.queue_updated': { centre: kolkata, queue, tokens: [{ number: 'A-017', position: 3, patient, room: 'Room 4' }] },
  'clinical.prescription_ready': { prescription: { id: 'rx-1', link: 'https://portal.example.com/rx/1' }, patient, doctor, centre: kolkata, appointment },
  'clinical.report_ready': { report: { id: 'rep-1', name: 'Complete blood count', link: 'https://portal.example.com/reports/1' }, patient, doctor, centre: kolkata },
  'doctor.emergency_leave': {
    doctor, centre: kolkata, leave: { ...leave, reason: 'Family emergency' },
    affected: [affected('appt-1', patient, 'BK-1001'), affected('appt-2', hindiPatient, 'BK-1002')],
  },
  'billing.bill_generated': { centre: kolkata, bill: { id: 'bill-1', number: 'INV-2026-0042', ...inr('1250.00') }, patient },
  'billing.refund_processed': { centre: kolkata, refund: { id: 'ref-1', ...inr('500.00'), reason: 'Duplicate payment' }, bill: { id: 'bill-1', number: 'INV-2026-0042' }, patient },
  'billing.deposit_received': { centre: kolkata, deposit: { id: 'dep-1', ...inr('2000.00'), method: 'UPI' }, patient },
  'package.purchased': { centre: kolkata, package: { id: 'pkg-1', name: 'Physiotherapy x10', sessionsTotal: 10, sessionsUsed: 0, validUntil: '2027-05-31' }, patient, amount: inr('8000.00') },
  'package.redeemed': { centre: kolkata, package: { id: 'pkg-1', name: 'Physiotherapy x10', sessionsTotal: 10, sessionsUsed: 4, validUntil: '2027-05-31T18:29:59Z' }, patient, amount: inr('8000.00') },
  'package.expired': { centre: kolkata, package: { id: 'pkg-1', name: 'Physiotherapy x10', sessionsTotal: 10, sessionsUsed: 7, validUntil: '2027-05-31' }, patient, amount: inr('8000.00') },
  'package.exhausted': { centre: kolkata, package: { id: 'pkg-1', name: 'Physiotherapy x10', sessionsTotal: 10, sessionsUsed: 10, validUntil: '2027-05-31' }, patient, amount: inr('8000.00') },
  'lab.test_requested': { centre: kolkata, test: { id: 'test-1', name: 'HbA1c', priority: 'urgent' }, patient, doctor },
  'system.alert': { alert: { kind: 'template-not-approved', subject: 'A WhatsApp template is not approved', message: 'appointment_confirmed (en) is pending at Meta' }, centre: kolkata },
  'patient.replied': {
    reply: { conversationId: 'a'.repeat(64), channel: 'whatsapp', messageType: 'text', text: 'Can I come at 11 instead?', sentAt: '2026-12-07T04:10:00Z', windowClosesAt: '2026-12-08T04:10:00Z' },
    patients: [{ id: patient.id, name: patient.name }],
    centre: kolkata,
  },
};

const minimalPackage = { centre: kolkata, package: { id: 'pkg-1', name: 'Physiotherapy x10' }, patient: minimalPatient };

export const MINIMAL: Payloads = {
  'appointment.confirmed': minimalVisit,
  'appointment.pending_approval': minimalVisit,
  'appointment.rejected': minimalVisit,
  'appointment.cancelled': { ...minimalVisit, cancelledBy: 'patient' },
  'appointment.rescheduled': { ...minimalVisit, previousSlot: { slotDate: '2026-11-25', slotTime: '18:00' } },
  'appointment.completed': minimalVisit,
  'appointment.no_show': minimalVisit,
  'appointment.reminder': { ...minimalVisit, offset: '24h' },
  'walkin.token_called': { centre: kolkata, queue, token: { number: 'B-002', room: 'Room 1' }, patient: minimalPatient },
  'walkin.approaching_turn': { centre: kolkata, queue, token: { number: 'B-002' }, patient: minimalPatient, position: 1, threshold: 2 },
  'walkin.queue_updated': { centre: kolkata, queue, tokens: [] },
  'clinical.prescription_ready': { prescription: { id: 'rx-1' }, patient: minimalPatient, doctor, centre: kolkata },
  'clinical.report_ready': { report: { id: 'rep-1', name: 'Chest X-ray' }, patient: minimalPatient, centre: kolkata },
  'doctor.emergency_leave': { doctor, centre: kolkata, leave, affected: [affected('appt-3', minimalPatient, 'BK-1003')] },
  'billing.bill_generated': { centre: kolkata, bill: { id: 'bill-1', number: 'INV-2026-0042', ...inr('1250.00') } },
  'billing.refund_processed': { centre: kolkata, refund: { id: 'ref-1', ...inr('500.00') } },
  'billing.deposit_received': { centre: kolkata, deposit: { id: 'dep-1', ...inr('2000.00') } },
  'package.purchased': minimalPackage,
  'package.redeemed': minimalPackage,
  'package.expired': minimalPackage,
  'package.exhausted': minimalPackage,
  'lab.test_requested': { centre: kolkata, test: { id: 'test-1', name: 'HbA1c', priority: 'stat' }, patient: minimalPatient },
  'system.alert': { alert: { kind: 'template-not-approved', subject: 'A WhatsApp template is not approved', message: 'appointment_confirmed (en) is pending at Meta' } },
  'patient.replied': { reply: { conversationId: 'b'.repeat(64), channel: 'sms', messageType: 'location', sentAt: '2026-12-07T04:10:00Z' }, patients: [] },
};

/** The recipient context a planner would pass: the first affected appointment for emergency leave, the first token for queue updates. */
export function contextFor(type: EventType, payloads: Payloads): { appointmentId?: string; tokenNumber?: string } {
  if (type === 'doctor.emergency_leave') return { appointmentId: payloads['doctor.emergency_leave'].affected[0]?.appointment.id ?? '' };
  if (type === 'walkin.queue_updated') {
    const token = payloads['walkin.queue_updated'].tokens[0];
    return token ? { tokenNumber: token.number } : {};
  }
  return {};
}
