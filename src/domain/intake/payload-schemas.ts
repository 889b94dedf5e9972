import { z } from 'zod';
import { HttpUrl, IsoDateTime } from '../contact-schemas.ts';
import { Amount, Appointment, Centre, Currency, Doctor, Id, Money, Name, Patient, Payment, Slot } from './payload-parts.ts';
import { PATIENT_MESSAGE_TYPES } from '../conversations/conversation-events.ts';

const visit = { appointment: Appointment, patient: Patient, doctor: Doctor, centre: Centre };
const Queue = z.looseObject({ id: Id, name: Name });
const TokenNumber = z.string().min(1).max(32);
const Room = z.string().min(1).max(64);

export const AppointmentConfirmed = z.looseObject({ ...visit, payment: Payment.optional() });
export const AppointmentPendingApproval = z.looseObject(visit);
export const AppointmentRejected = z.looseObject({ ...visit, reason: z.string().max(1000).optional() });
export const AppointmentCancelled = z.looseObject({
  ...visit,
  cancelledBy: z.enum(['patient', 'staff', 'system']),
  reason: z.string().max(1000).optional(),
  refund: Money.optional(),
});
export const AppointmentRescheduled = z.looseObject({ ...visit, previousSlot: Slot });
export const AppointmentCompleted = z.looseObject(visit);
export const AppointmentNoShow = z.looseObject(visit);

export const WalkinTokenCalled = z.looseObject({
  centre: Centre,
  queue: Queue,
  token: z.looseObject({ number: TokenNumber, room: Room }),
  patient: Patient,
});

export const WalkinQueueUpdated = z.looseObject({
  centre: Centre,
  queue: Queue,
  tokens: z.array(z.looseObject({
    number: TokenNumber,
    position: z.int().min(1).max(100_000),
    patient: Patient,
    room: Room.optional(),
  })).max(5000),
});

export const ClinicalPrescriptionReady = z.looseObject({
  prescription: z.looseObject({ id: Id, link: HttpUrl.optional() }),
  patient: Patient,
  doctor: Doctor,
  centre: Centre,
  appointment: Appointment.optional(),
});

export const ClinicalReportReady = z.looseObject({
  report: z.looseObject({ id: Id, name: Name, link: HttpUrl.optional() }),
  patient: Patient,
  doctor: Doctor.optional(),
  centre: Centre,
});

export const EMERGENCY_LEAVE_MAX_AFFECTED = 2000;

export const DoctorEmergencyLeave = z.looseObject({
  doctor: Doctor,
  centre: Centre,
  leave: z.looseObject({ from: IsoDateTime, until: IsoDateTime, reason: z.string().max(1000).optional() }),
  affected: z.array(z.looseObject({
    appointment: Appointment,
    patient: Patient,
    refund: Money,
    rescheduleLink: HttpUrl,
  })).min(1).max(EMERGENCY_LEAVE_MAX_AFFECTED),
});

const moneyFields = { amount: Amount, currency: Currency };

export const BillingBillGenerated = z.looseObject({
  centre: Centre,
  bill: z.looseObject({ id: Id, number: z.string().min(1).max(64), ...moneyFields }),
  patient: Patient.optional(),
});

export const BillingRefundProcessed = z.looseObject({
  centre: Centre,
  refund: z.looseObject({ id: Id, ...moneyFields, reason: z.string().max(1000).optional() }),
  bill: z.looseObject({ id: Id, number: z.string().min(1).max(64) }).optional(),
  patient: Patient.optional(),
});

export const BillingDepositReceived = z.looseObject({
  centre: Centre,
  deposit: z.looseObject({ id: Id, ...moneyFields, method: z.string().max(64).optional() }),
  patient: Patient.optional(),
});

export const PackageEvent = z.looseObject({
  centre: Centre,
  package: z.looseObject({
    id: Id,
    name: Name,
    sessionsTotal: z.int().min(0).optional(),
    sessionsUsed: z.int().min(0).optional(),
    validUntil: z.union([IsoDateTime, z.iso.date()]).optional(),
  }),
  patient: Patient,
  amount: Money.optional(),
});

export const LabTestRequested = z.looseObject({
  centre: Centre,
  test: z.looseObject({ id: Id, name: Name, priority: z.enum(['routine', 'urgent', 'stat']) }),
  patient: Patient,
  doctor: Doctor.optional(),
});

// Produced here, never accepted from upstream.
export const AppointmentReminder = z.looseObject({ ...visit, offset: z.enum(['24h', '2h', '30m']) });
export const WalkinApproachingTurn = z.looseObject({
  centre: Centre,
  queue: Queue,
  token: z.looseObject({ number: TokenNumber, room: Room.optional() }),
  patient: Patient,
  position: z.int().min(1),
  threshold: z.int().min(1),
});

/**
 * Generated here (refused from upstream): something an admin must act on, such as a WhatsApp
 * template Meta no longer accepts. `centre` is set when it concerns one centre only.
 */
/**
 * A patient wrote to the clinic (generated from a recorded PatientMessageReceived). The centre is
 * the one of the last notification sent to the number, absent when none was: then it is unrouted.
 */
export const PatientReplied = z.looseObject({
  reply: z.looseObject({
    conversationId: z.string().regex(/^[0-9a-f]{64}$/),
    channel: z.enum(['whatsapp', 'sms']),
    messageType: z.enum(PATIENT_MESSAGE_TYPES),
    text: z.string().max(4096).optional(),
    sentAt: IsoDateTime,
    windowClosesAt: IsoDateTime.optional(),
  }),
  patients: z.array(z.looseObject({ id: Id, name: Name.optional() })).max(50),
  centre: Centre.optional(),
});

export const SystemAlert = z.looseObject({
  alert: z.looseObject({
    /** What kind of problem, e.g. `template-not-approved`; rules may route on it. */
    kind: z.string().min(1).max(64),
    subject: z.string().min(1).max(200),
    message: z.string().min(1).max(2000),
  }),
  centre: Centre.optional(),
});

