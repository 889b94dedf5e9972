import { randomUUID } from 'node:crypto';
import { validEnvelope, type RawEnvelope, type UpstreamEventType } from '../../test/support/envelopes.ts';

/**
 * A clinic's day as a steady stream: bookings first, then what happens to them (reschedules,
 * cancellations, visits, no-shows) on appointments booked earlier, walk-in calls, reports and the
 * staff-side billing and lab events. Every event has its own id; patients, appointments and slots
 * are new all the time, as in a real clinic, so anything the service keeps per person, appointment,
 * slot or event shows up as growth.
 */
const MIX: readonly [UpstreamEventType, number][] = [
  ['appointment.confirmed', 28],
  ['appointment.pending_approval', 5],
  ['appointment.rescheduled', 8],
  ['appointment.cancelled', 7],
  ['appointment.completed', 12],
  ['appointment.no_show', 3],
  ['walkin.token_called', 8],
  ['walkin.queue_updated', 5],
  ['clinical.report_ready', 6],
  ['clinical.prescription_ready', 6],
  ['billing.bill_generated', 5],
  ['billing.deposit_received', 2],
  ['lab.test_requested', 3],
  ['package.purchased', 2],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);
// Booked appointments later events may refer to; a clinic's near future, not its whole history.
const REMEMBERED_BOOKINGS = 2000;
const IST_OFFSET_MS = 330 * 60_000;

interface Booking {
  appointment: { id: string; bookingReference: string; slotDate: string; slotTime: string; status: string };
  patient: { id: string; name: string; phone: string; email: string };
}

export class SoakEvents {
  #n = 0;
  readonly #bookings: Booking[] = [];
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: { random?: () => number; now?: () => number } = {}) {
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  next(): RawEnvelope {
    const n = ++this.#n;
    const type = this.#pickType();
    // Built for the soak's now, so the slots of types it does not book itself lie ahead too.
    const envelope = validEnvelope(type, { eventId: `soak:${randomUUID()}` }, new Date(this.#now()));
    const data = envelope.data as Record<string, unknown>;
    const patient = this.#patient(n);
    if (type.startsWith('appointment.')) {
      const earlier = type === 'appointment.confirmed' || type === 'appointment.pending_approval' ? null : this.#earlierBooking();
      const booking: Booking = earlier ?? { appointment: { id: `appt-soak-${n}`, bookingReference: `BK-S${n}`, ...this.#slot(), status: 'confirmed' }, patient };
      const status = type.slice('appointment.'.length);
      data.patient = booking.patient;
      data.appointment = { ...booking.appointment, status: status === 'rescheduled' || status === 'pending_approval' ? 'confirmed' : status };
      if (type === 'appointment.rescheduled') {
        data.previousSlot = { slotDate: booking.appointment.slotDate, slotTime: booking.appointment.slotTime };
        const moved = { ...booking.appointment, ...this.#slot() };
        data.appointment = moved;
        booking.appointment = moved;
      }
      if (type === 'appointment.confirmed' || type === 'appointment.rescheduled') this.#remember(booking);
    } else if (type === 'walkin.queue_updated') {
      data.tokens = [1, 2, 3].map((position) => ({ number: `A-${n}-${position}`, position, patient: this.#patient(n * 10 + position) }));
    } else {
      data.patient = patient;
      if (type === 'walkin.token_called') data.token = { number: `A-${n}`, room: 'Room 3' };
      if (type === 'clinical.report_ready') data.report = { id: `rep-soak-${n}`, name: 'Complete Blood Count', link: `https://clinic.example/reports/rep-soak-${n}` };
      if (type === 'clinical.prescription_ready') data.prescription = { id: `rx-soak-${n}`, link: `https://clinic.example/rx/rx-soak-${n}` };
    }
    return envelope;
  }

  #pickType(): UpstreamEventType {
    let roll = this.#random() * TOTAL_WEIGHT;
    for (const [type, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return type;
    }
    return MIX[0]![0];
  }

  #patient(n: number): Booking['patient'] {
    return {
      id: `pat-soak-${n}`,
      name: `Patient ${n}`,
      phone: `+9198${String(n % 100_000_000).padStart(8, '0')}`,
      email: `patient-${n}@example.com`,
    };
  }

  // From 40 minutes to 3 days ahead, on a five-minute grid, wall clock at the centre (Asia/Kolkata):
  // the nearest ones fire their 30-minute reminder during a run.
  #slot(): { slotDate: string; slotTime: string } {
    const aheadMs = (40 + Math.floor(this.#random() * 3 * 24 * 60)) * 60_000;
    const local = new Date(Math.ceil((this.#now() + IST_OFFSET_MS + aheadMs) / 300_000) * 300_000).toISOString();
    return { slotDate: local.slice(0, 10), slotTime: local.slice(11, 16) };
  }

  #earlierBooking(): Booking | null {
    if (this.#bookings.length === 0) return null;
    // Each booking moves on once: a reschedule, a cancellation or a visit, then it is forgotten.
    const index = Math.floor(this.#random() * this.#bookings.length);
    const [booking] = this.#bookings.splice(index, 1);
    return booking!;
  }

  #remember(booking: Booking): void {
    this.#bookings.push(booking);
    if (this.#bookings.length > REMEMBERED_BOOKINGS) this.#bookings.shift();
  }
}
