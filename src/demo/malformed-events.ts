import { patientPayload, visitPayload, type DemoAppointment } from './demo-payloads.ts';

/**
 * Events an upstream system gets wrong, each refused with the path of the bad field: a phone that
 * is not E.164, a missing slot time, an amount with three decimals, and a type only this service
 * may produce.
 */
export function malformedEvents(runId: string, a: DemoAppointment): { envelope: Record<string, unknown>; problem: string }[] {
  const visit = visitPayload(a, 'confirmed');
  const id = (n: number) => `demo:${runId}:bad-${n}`;
  const { slotTime: _slotTime, ...withoutTime } = visit.appointment;
  return [
    {
      problem: 'phone not in E.164',
      envelope: { eventId: id(1), type: 'appointment.confirmed', data: { ...visit, patient: { ...patientPayload(a.patient), phone: '098450 12345' } } },
    },
    {
      problem: 'slot time missing',
      envelope: { eventId: id(2), type: 'appointment.rescheduled', data: { ...visit, appointment: withoutTime, previousSlot: { slotDate: a.slotDate, slotTime: a.slotTime } } },
    },
    {
      problem: 'amount with three decimals',
      envelope: { eventId: id(3), type: 'billing.bill_generated', data: { centre: visit.centre, bill: { id: `bill-${runId}-bad`, number: 'INV-BAD', amount: '1250.005', currency: 'INR' } } },
    },
    {
      problem: 'a type only this service produces',
      envelope: { eventId: id(4), type: 'appointment.reminder', data: { ...visit, offset: '30m' } },
    },
  ];
}
