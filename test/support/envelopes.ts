import { randomUUID } from 'node:crypto';

/** Payload parts shared by the fixtures: one centre, one doctor, one patient with both contacts. */
export const centre = { id: 'centre-blr', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' };
export const doctor = { id: 'doc-1', name: 'Dr. Meera Rao' };
export const patient = { id: 'pat-1', name: 'Asha Verma', phone: '+919876543210', email: 'asha@example.com' };
export const appointment = { id: 'appt-1', bookingReference: 'BK-1001', slotDate: '2026-11-26', slotTime: '09:30', status: 'confirmed' };

export interface RawEnvelope {
  eventId: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export function confirmedEnvelope(overrides: Partial<RawEnvelope> = {}): RawEnvelope {
  return {
    eventId: `his:${randomUUID()}`,
    type: 'appointment.confirmed',
    occurredAt: '2026-11-24T09:30:00Z',
    data: { appointment, patient, doctor, centre, payment: { amount: '1250.00', currency: 'INR', status: 'paid' } },
    ...overrides,
  };
}
