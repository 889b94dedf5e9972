import type { EventType } from '../event-catalogue.ts';

/** One variable a template of an event type may read. */
export interface TemplateVariableInfo {
  name: string;
  description: string;
  /** Absent from some messages of this type: a template reads it only under `{% if name %}` or with a fallback. */
  optional: boolean;
}

type Entry = readonly [name: string, description: string, optional?: 'optional'];

const required = (name: string, description: string): Entry => [name, description];
const optional = (name: string, description: string): Entry => [name, description, 'optional'];

/*
 * The names are those template-variables.ts and staff-template-variables.ts produce; a unit test
 * runs those builders on every type's example payload and on a payload without optional fields,
 * so this list cannot drift from them. Every value is a string, already formatted for the
 * recipient's locale.
 */

const patient = (isOptional = false): Entry[] => [
  isOptional ? optional('patientName', 'The patient\'s name, when the event names a patient') : required('patientName', 'The patient\'s name'),
  optional('patientPhone', 'The patient\'s phone number (E.164), when known'),
  optional('patientEmail', 'The patient\'s email address, when known'),
];
const centre = required('centreName', 'The centre\'s name');
const doctor = required('doctorName', 'The doctor\'s name, e.g. "Dr. Meera Rao"');
const appointment: Entry[] = [
  required('bookingReference', 'The booking reference, e.g. "BK-7Q4M2"'),
  required('slotDate', 'The appointment\'s date, e.g. "Thursday, 26 November 2026"'),
  required('slotTime', 'The appointment\'s time at the centre, e.g. "9:30 am"'),
  required('appointmentStatus', 'The appointment\'s status in words, e.g. "Confirmed"'),
];
const optionalAppointment: Entry[] = appointment.map(([name, description]) => optional(name, `${description}, when the event names an appointment`));
const visit: Entry[] = [...patient(), ...appointment, doctor, centre];
const walkIn: Entry[] = [...patient(), centre, required('queueName', 'The queue\'s name, e.g. "General OPD"'), required('tokenNumber', 'The token, e.g. "A-017"')];
const packageVariables: Entry[] = [
  ...patient(),
  centre,
  required('packageName', 'The package\'s name'),
  optional('sessionsTotal', 'The sessions the package holds'),
  optional('sessionsUsed', 'The sessions used so far'),
  optional('sessionsRemaining', 'The sessions left (total less used)'),
  optional('packageValidUntil', 'The last day the package is valid, e.g. "Monday, 31 May 2027"'),
  optional('amount', 'The price paid, e.g. "₹8,000.00"'),
];

const CATALOGUE: { [K in EventType]: readonly Entry[] } = {
  'appointment.confirmed': [
    ...visit,
    optional('amount', 'The amount of the payment, e.g. "₹1,250.00"'),
    optional('paymentStatus', 'The payment\'s status in words, e.g. "Paid"'),
  ],
  'appointment.pending_approval': visit,
  'appointment.rejected': [...visit, optional('rejectionReason', 'Why the clinic declined the booking')],
  'appointment.cancelled': [
    ...visit,
    required('cancelledBy', 'Who cancelled, as words that follow "cancelled by": "you" or "the clinic"'),
    optional('cancellationReason', 'Why it was cancelled'),
    optional('refundAmount', 'The refund, e.g. "₹1,250.00"'),
  ],
  'appointment.rescheduled': [
    ...visit,
    required('previousSlotDate', 'The date the appointment was moved from'),
    required('previousSlotTime', 'The time the appointment was moved from'),
  ],
  'appointment.completed': visit,
  'appointment.no_show': visit,
  'appointment.reminder': [...visit, required('reminderOffset', 'How long before the appointment the reminder goes, e.g. "2 hours"')],
  'walkin.token_called': [...walkIn, required('room', 'The room to go to, e.g. "Room 4"')],
  'walkin.approaching_turn': [
    ...walkIn,
    required('position', 'The token\'s place in the queue, e.g. "3"'),
    optional('room', 'The room, when the queue has one'),
  ],
  'walkin.queue_updated': [
    centre,
    required('queueName', 'The queue\'s name'),
    ...patient(true).map(([name, description]) => optional(name, `${description}, of the token the message is about`)),
    optional('tokenNumber', 'The token the message is about'),
    optional('position', 'That token\'s place in the queue'),
    optional('room', 'That token\'s room, when it has one'),
  ],
  'clinical.prescription_ready': [
    ...patient(),
    ...optionalAppointment,
    doctor,
    centre,
    optional('prescriptionLink', 'The link to the prescription'),
  ],
  'clinical.report_ready': [
    ...patient(),
    optional('doctorName', 'The doctor who ordered the report, when named'),
    centre,
    required('reportName', 'The report\'s name, e.g. "Complete blood count"'),
    optional('reportLink', 'The link to the report'),
  ],
  'doctor.emergency_leave': [
    doctor,
    centre,
    required('leaveFrom', 'When the leave starts, date and time at the centre'),
    required('leaveUntil', 'When the leave ends, date and time at the centre'),
    optional('leaveReason', 'Why, when the clinic says'),
    // Each patient's message is about one affected appointment; a message to staff has none of these.
    ...[...patient(), ...appointment].map(([name, description, opt]) =>
      (opt ? optional : required)(name, `${description} (of the affected appointment a patient's message is about)`)),
    required('refundAmount', 'The refund for the affected appointment, e.g. "₹1,250.00"'),
    required('rescheduleLink', 'The link to rebook the affected appointment'),
  ],
  'billing.bill_generated': [...patient(true), centre, required('billNumber', 'The bill\'s number'), required('amount', 'The bill\'s amount')],
  'billing.refund_processed': [
    ...patient(true),
    centre,
    required('refundAmount', 'The amount refunded'),
    optional('refundReason', 'Why, when given'),
    optional('billNumber', 'The number of the bill refunded, when given'),
  ],
  'billing.deposit_received': [...patient(true), centre, required('amount', 'The amount deposited'), optional('depositMethod', 'How it was paid, e.g. "UPI"')],
  'package.purchased': packageVariables,
  'package.redeemed': packageVariables,
  'package.expired': packageVariables,
  'package.exhausted': packageVariables,
  'lab.test_requested': [
    ...patient(),
    centre,
    required('testName', 'The test, e.g. "HbA1c"'),
    required('testPriority', 'Its priority in words, e.g. "Urgent"'),
    optional('doctorName', 'The requesting doctor, when named'),
  ],
  'system.alert': [
    required('alertKind', 'What kind of problem, e.g. "template-not-approved"'),
    required('alertSubject', 'A one-line summary'),
    required('alertMessage', 'What happened and what to do'),
    required('centreName', 'The centre it concerns, or "every centre"'),
  ],
  'patient.replied': [
    optional('patientName', 'The patients known for the number, by name'),
    required('replyChannel', 'WhatsApp or SMS'),
    required('replyText', 'What the patient wrote, or what they sent ("(a location)")'),
    required('centreName', 'The centre of the last message sent to the number'),
  ],
};

// Any message may go to a staff member through a routing rule; their name is given when it does.
const STAFF_NAME = optional('staffName', 'The staff member\'s name, on a message to staff');

const built = new Map<EventType, readonly TemplateVariableInfo[]>();

/** The variables a template of this event type may read, in a stable order. */
export function templateVariableCatalogue(eventType: EventType): readonly TemplateVariableInfo[] {
  let list = built.get(eventType);
  if (!list) {
    list = Object.freeze([...CATALOGUE[eventType], STAFF_NAME].map(([name, description, opt]) => Object.freeze({ name, description, optional: opt === 'optional' })));
    built.set(eventType, list);
  }
  return list;
}
