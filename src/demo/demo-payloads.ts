import { centreOf, type DemoDoctor, type DemoPatient } from './clinic-cast.ts';

/** An appointment of the demo, with its slot as wall-clock time at the centre. */
export interface DemoAppointment {
  id: string;
  bookingReference: string;
  patient: DemoPatient;
  doctor: DemoDoctor;
  slotDate: string;
  slotTime: string;
  fee: string;
}

const MINUTE_MS = 60_000;

/** The slot (date and time at the centre) of an instant, in the centre's time zone. */
export function slotAt(instant: Date, timeZone: string): { slotDate: string; slotTime: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { slotDate: `${parts.year}-${parts.month}-${parts.day}`, slotTime: `${parts.hour}:${parts.minute}` };
}

/** `now` rounded up to a whole quarter hour, plus `minutes`. */
export function quarterHourAfter(now: Date, minutes: number): Date {
  const quarter = 15 * MINUTE_MS;
  return new Date(Math.ceil((now.getTime() + minutes * MINUTE_MS) / quarter) * quarter);
}

/**
 * The earliest whole minute whose 30-minute reminder falls due at least `leadMs` from now: a slot
 * booked for then has its 30-minute reminder fire while the demo still runs.
 */
export function slotWithReminderSoon(now: Date, leadMs: number): Date {
  return new Date(Math.ceil((now.getTime() + 30 * MINUTE_MS + leadMs) / MINUTE_MS) * MINUTE_MS);
}

export const patientPayload = (p: DemoPatient) => ({
  id: p.id,
  name: p.name,
  phone: p.phone,
  ...(p.email ? { email: p.email } : {}),
  ...(p.locale ? { locale: p.locale } : {}),
});

export const centrePayload = (doctor: DemoDoctor) => {
  const c = centreOf(doctor);
  return { id: c.id, name: c.name, timeZone: c.timeZone, locale: c.locale };
};

export const doctorPayload = (d: DemoDoctor) => ({ id: d.id, name: d.name, speciality: d.speciality });

export function visitPayload(a: DemoAppointment, status: string, slot: { slotDate: string; slotTime: string } = a) {
  return {
    appointment: { id: a.id, bookingReference: a.bookingReference, slotDate: slot.slotDate, slotTime: slot.slotTime, status },
    patient: patientPayload(a.patient),
    doctor: doctorPayload(a.doctor),
    centre: centrePayload(a.doctor),
  };
}

export const inr = (amount: string) => ({ amount, currency: 'INR' });
