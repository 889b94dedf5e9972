import { z } from 'zod';
import { Bcp47, EmailAddress, E164, IanaTimeZone } from '../contact-schemas.ts';

// Upstream systems may add fields without breaking us: objects are loose and the ledger keeps
// the payload exactly as received.
const Id = z.string().min(1).max(128);
const Name = z.string().trim().min(1).max(200);

export const Patient = z.looseObject({
  id: Id,
  name: Name,
  phone: E164.optional(),
  email: EmailAddress.optional(),
  locale: Bcp47.optional(),
});

export const Centre = z.looseObject({
  id: Id,
  name: Name,
  timeZone: IanaTimeZone,
  locale: Bcp47.optional(),
});

export const Doctor = z.looseObject({ id: Id, name: Name });

export const SlotDate = z.iso.date({ message: 'must be a calendar date such as 2026-11-26' });
export const SlotTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24-hour time such as 09:30' });

export const Slot = z.looseObject({ slotDate: SlotDate, slotTime: SlotTime });

export const AppointmentStatus = z.string().min(1).max(64);

export const Appointment = z.looseObject({
  id: Id,
  bookingReference: z.string().min(1).max(64),
  slotDate: SlotDate,
  slotTime: SlotTime,
  status: AppointmentStatus,
});

export const Amount = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, { message: 'must be a decimal string with at most 2 places, e.g. "1250.00"' });
export const Currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 currency code such as INR' });

export const Money = z.looseObject({ amount: Amount, currency: Currency });

export const PaymentStatus = z.enum(['paid', 'pending', 'not_required', 'refunded', 'partially_refunded']);
export const Payment = z.looseObject({ amount: Amount, currency: Currency, status: PaymentStatus });

export { Id, Name };

export type Patient = z.infer<typeof Patient>;
export type Centre = z.infer<typeof Centre>;
export type Doctor = z.infer<typeof Doctor>;
export type Slot = z.infer<typeof Slot>;
export type Appointment = z.infer<typeof Appointment>;
export type Money = z.infer<typeof Money>;
export type Payment = z.infer<typeof Payment>;
