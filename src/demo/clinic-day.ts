import { CENTRES, DOCTORS, PATIENTS, WALKIN_QUEUE, WALKIN_ROOMS, type DemoDoctor, type DemoPatient } from './clinic-cast.ts';
import {
  centrePayload,
  doctorPayload,
  inr,
  patientPayload,
  quarterHourAfter,
  slotAt,
  slotWithReminderSoon,
  visitPayload,
  type DemoAppointment,
} from './demo-payloads.ts';
import { malformedEvents } from './malformed-events.ts';

/** An upstream event as the demo sends it; `occurredAt` is stamped when it is sent. */
export interface DemoEnvelope {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
}

export type DemoStep =
  | { kind: 'event'; scene: string; envelope: DemoEnvelope }
  | { kind: 'duplicate'; scene: string; of: string }
  | { kind: 'malformed'; scene: string; envelope: Record<string, unknown>; problem: string };

export interface ClinicDay {
  steps: DemoStep[];
  /** When the 30-minute reminders of the soonest appointments fall due. */
  remindersDueAt: Date;
  /** Booking references whose 30-minute reminder falls due during the demo. */
  remindingBookings: string[];
  /** The patient who asked for no WhatsApp: their messages of the day fall back to SMS. */
  noWhatsApp: string;
  /** A patient with an online booking who writes back to its confirmation; the front desk answers. */
  replier: { patientId: string; phone: string };
}

const doctor = (id: string): DemoDoctor => DOCTORS.find((d) => d.id === id)!;
const TIME_ZONE = CENTRES[0]!.timeZone;

/**
 * The script of one simulated clinic day: bookings and their changes, a walk-in queue moving,
 * clinical results, billing, packages, lab tests, one emergency leave, plus a few duplicates and
 * malformed events. Event ids carry `runId`, so every run is new to the ledger.
 */
export function planClinicDay(options: { now: Date; runId: string; reminderLeadMs: number }): ClinicDay {
  const { now, runId } = options;
  const steps: DemoStep[] = [];
  let sequence = 0;
  let nextPatient = 0;
  const patient = (): DemoPatient => PATIENTS[nextPatient++ % PATIENTS.length]!;
  const emit = (scene: string, type: string, data: Record<string, unknown>): string => {
    const eventId = `demo:${runId}:${String(++sequence).padStart(3, '0')}`;
    steps.push({ kind: 'event', scene, envelope: { eventId, type, data } });
    return eventId;
  };
  let booking = 0;
  const book = (d: DemoDoctor, at: Date, fee: string): DemoAppointment => {
    booking++;
    return { id: `appt-${runId}-${booking}`, bookingReference: `ARG-${runId.slice(-4).toUpperCase()}-${String(booking).padStart(3, '0')}`, patient: patient(), doctor: d, ...slotAt(at, TIME_ZONE), fee };
  };
  const confirm = (scene: string, a: DemoAppointment, status: 'paid' | 'pending' = 'paid') =>
    emit(scene, 'appointment.confirmed', { ...visitPayload(a, 'confirmed'), payment: { ...inr(a.fee), status } });

  // Soonest first, so their 30-minute reminders are scheduled before they fall due.
  const soonAt = slotWithReminderSoon(now, options.reminderLeadMs);
  const soon = ['doc-meera-rao', 'doc-arjun-mehta', 'doc-kavita-iyer'].map((id) => book(doctor(id), soonAt, '800.00'));
  const firstConfirmation = confirm('08:30 Bookings for the next slot', soon[0]!);
  for (const a of soon.slice(1)) confirm('08:30 Bookings for the next slot', a);

  const later = [
    book(doctor('doc-meera-rao'), quarterHourAfter(now, 150), '800.00'),
    book(doctor('doc-arjun-mehta'), quarterHourAfter(now, 210), '1500.00'),
    book(doctor('doc-kavita-iyer'), quarterHourAfter(now, 240), '1200.00'),
    book(doctor('doc-farhan-qureshi'), quarterHourAfter(now, 300), '900.00'),
    book(doctor('doc-sunita-deshpande'), quarterHourAfter(now, 26 * 60), '1000.00'),
    book(doctor('doc-meera-rao'), quarterHourAfter(now, 28 * 60), '800.00'),
  ];
  for (const [i, a] of later.entries()) confirm('09:00 Online bookings', a, i % 3 === 2 ? 'pending' : 'paid');
  const onLeave = [180, 270, 25 * 60].map((m) => book(doctor('doc-rohan-bhatia'), quarterHourAfter(now, m), '1100.00'));
  for (const a of onLeave) confirm('09:10 Orthopaedics bookings', a);

  const pending = [book(doctor('doc-farhan-qureshi'), quarterHourAfter(now, 330), '900.00'), book(doctor('doc-kavita-iyer'), quarterHourAfter(now, 360), '1200.00')];
  for (const a of pending) emit('09:20 Bookings awaiting approval', 'appointment.pending_approval', visitPayload(a, 'pending_approval'));
  emit('09:25 Approvals', 'appointment.rejected', { ...visitPayload(pending[0]!, 'rejected'), reason: 'The doctor is in surgery at that time' });
  confirm('09:25 Approvals', pending[1]!);

  const malformed = malformedEvents(runId, soon[1]!);
  steps.push({ kind: 'malformed', scene: '09:30 A booking system sends bad data', ...malformed[0]! });

  // The walk-in queue: positions move up as tokens are called (approaching turn at the threshold).
  const centreBlr = centrePayload(doctor('doc-meera-rao'));
  const walkIns = Array.from({ length: 7 }, (_, i) => ({ number: `A-${String(i + 1).padStart(3, '0')}`, patient: patient() }));
  const queueUpdate = (waiting: typeof walkIns) =>
    emit('10:00 Walk-in queue moves', 'walkin.queue_updated', {
      centre: centreBlr,
      queue: WALKIN_QUEUE,
      tokens: waiting.map((t, i) => ({ number: t.number, position: i + 1, patient: patientPayload(t.patient) })),
    });
  queueUpdate(walkIns);
  let calledToken = '';
  for (let i = 0; i < 4; i++) {
    const token = walkIns[i]!;
    calledToken = emit('10:00 Walk-in queue moves', 'walkin.token_called', {
      centre: centreBlr,
      queue: WALKIN_QUEUE,
      token: { number: token.number, room: WALKIN_ROOMS[i % WALKIN_ROOMS.length] },
      patient: patientPayload(token.patient),
    });
    queueUpdate(walkIns.slice(i + 1));
  }
  steps.push({ kind: 'duplicate', scene: '10:40 The queue display retries', of: calledToken });

  // Morning visits already seen: completed, a no-show, results.
  const seen = [book(doctor('doc-meera-rao'), new Date(now.getTime() - 3 * 3_600_000), '800.00'), book(doctor('doc-kavita-iyer'), new Date(now.getTime() - 2 * 3_600_000), '1200.00'), book(doctor('doc-sunita-deshpande'), new Date(now.getTime() - 90 * 60_000), '1000.00')];
  for (const a of seen) emit('11:00 Visits completed', 'appointment.completed', visitPayload(a, 'completed'));
  // The booking system sends a confirmation after its slot began: past its deadline, it is never sent.
  const late = book(doctor('doc-arjun-mehta'), new Date(now.getTime() - 20 * 60_000), '1500.00');
  confirm('11:02 A confirmation arrives after its slot began', late);
  const missed = book(doctor('doc-farhan-qureshi'), new Date(now.getTime() - 60 * 60_000), '900.00');
  emit('11:05 A patient did not come', 'appointment.no_show', visitPayload(missed, 'no_show'));
  for (const [i, a] of seen.slice(0, 2).entries()) {
    emit('11:30 Prescriptions ready', 'clinical.prescription_ready', {
      prescription: { id: `rx-${runId}-${i + 1}`, link: `https://arogya.example/rx/${runId}-${i + 1}` },
      ...visitPayload(a, 'completed'),
    });
  }
  for (const [i, name] of ['Complete Blood Count', 'Lipid Profile'].entries()) {
    const a = seen[i + 1]!;
    emit('12:00 Reports ready', 'clinical.report_ready', {
      report: { id: `rep-${runId}-${i + 1}`, name, link: `https://arogya.example/reports/${runId}-${i + 1}` },
      patient: patientPayload(a.patient),
      doctor: doctorPayload(a.doctor),
      centre: centrePayload(a.doctor),
    });
  }
  steps.push({ kind: 'duplicate', scene: '12:10 A booking is sent twice', of: firstConfirmation });
  steps.push({ kind: 'malformed', scene: '12:15 A lab system sends bad data', ...malformed[1]! });

  // Changes of plan.
  const moved = [later[0]!, later[2]!];
  for (const [i, a] of moved.entries()) {
    const to = slotAt(quarterHourAfter(now, 420 + i * 30), TIME_ZONE);
    emit('13:00 Reschedules', 'appointment.rescheduled', { ...visitPayload(a, 'confirmed', to), previousSlot: { slotDate: a.slotDate, slotTime: a.slotTime } });
  }
  emit('13:30 Cancellations', 'appointment.cancelled', { ...visitPayload(later[1]!, 'cancelled'), cancelledBy: 'patient', reason: 'Travelling to Chennai', refund: inr('1500.00') });
  emit('13:30 Cancellations', 'appointment.cancelled', { ...visitPayload(later[3]!, 'cancelled'), cancelledBy: 'staff', reason: 'Doctor rescheduled the clinic' });

  // Money, packages and the lab: staff notifications by routing rule.
  const billed = [...seen, later[4]!];
  let bill = '';
  for (const [i, a] of billed.entries()) {
    bill = emit('14:00 Bills', 'billing.bill_generated', { centre: centrePayload(a.doctor), bill: { id: `bill-${runId}-${i + 1}`, number: `INV-${runId.slice(-4)}-${1001 + i}`, ...inr(a.fee) }, patient: patientPayload(a.patient) });
  }
  emit('14:20 Refunds', 'billing.refund_processed', { centre: centrePayload(later[1]!.doctor), refund: { id: `ref-${runId}-1`, ...inr('1500.00'), reason: 'Appointment cancelled by patient' }, patient: patientPayload(later[1]!.patient) });
  emit('14:30 Deposits', 'billing.deposit_received', { centre: centrePayload(doctor('doc-rohan-bhatia')), deposit: { id: `dep-${runId}-1`, ...inr('5000.00'), method: 'UPI' }, patient: patientPayload(onLeave[0]!.patient) });
  steps.push({ kind: 'duplicate', scene: '14:35 Billing retries a send', of: bill });
  const member = patient();
  const pack = { id: `pkg-${runId}-1`, name: 'Diabetes Care Plan (6 visits)', sessionsTotal: 6 };
  emit('15:00 Health packages', 'package.purchased', { centre: centreBlr, package: { ...pack, sessionsUsed: 0, validUntil: slotAt(new Date(now.getTime() + 180 * 86_400_000), TIME_ZONE).slotDate }, patient: patientPayload(member), amount: inr('7999.00') });
  emit('15:00 Health packages', 'package.redeemed', { centre: centreBlr, package: { ...pack, sessionsUsed: 1 }, patient: patientPayload(member) });
  emit('15:30 Lab orders', 'lab.test_requested', { centre: centreBlr, test: { id: `lab-${runId}-1`, name: 'HbA1c', priority: 'routine' }, patient: patientPayload(member), doctor: doctorPayload(doctor('doc-meera-rao')) });
  emit('15:30 Lab orders', 'lab.test_requested', { centre: centrePayload(doctor('doc-arjun-mehta')), test: { id: `lab-${runId}-2`, name: 'Troponin I', priority: 'urgent' }, patient: patientPayload(soon[1]!.patient), doctor: doctorPayload(doctor('doc-arjun-mehta')) });
  steps.push({ kind: 'malformed', scene: '15:40 A billing system sends bad data', ...malformed[2]! });

  // Dr. Bhatia is called away: every affected patient hears of their refund and how to rebook.
  const bhatia = doctor('doc-rohan-bhatia');
  emit('16:00 Emergency leave', 'doctor.emergency_leave', {
    doctor: doctorPayload(bhatia),
    centre: centrePayload(bhatia),
    leave: { from: now.toISOString(), until: new Date(now.getTime() + 2 * 86_400_000).toISOString(), reason: 'Family emergency' },
    affected: onLeave.map((a) => ({ ...visitPayload(a, 'cancelled'), refund: inr(a.fee), rescheduleLink: `https://arogya.example/reschedule/${a.id}` })),
  });
  steps.push({ kind: 'malformed', scene: '16:10 Someone forges a reminder', ...malformed[3]! });

  const replier = [later[1]!, later[3]!].map((a) => a.patient).find((p) => p.id !== seen[0]!.patient.id)!;
  return { steps, remindersDueAt: new Date(soonAt.getTime() - 30 * 60_000), remindingBookings: soon.map((a) => a.bookingReference), noWhatsApp: seen[0]!.patient.id, replier: { patientId: replier.id, phone: replier.phone } };
}
