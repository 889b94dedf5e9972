import type { z } from 'zod';
import * as P from './intake/payload-schemas.ts';

export const CHANNELS = ['whatsapp', 'email', 'sms', 'push', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The seed document's patient table, exactly: event type -> the channels it is sent on. */
export const PATIENT_CHANNELS = {
  'appointment.confirmed': ['whatsapp', 'email'],
  'appointment.pending_approval': ['whatsapp'],
  'appointment.rejected': ['whatsapp', 'email'],
  'appointment.cancelled': ['whatsapp'],
  'appointment.rescheduled': ['whatsapp', 'email'],
  'appointment.completed': ['whatsapp'],
  'appointment.no_show': ['whatsapp'],
  'appointment.reminder': ['whatsapp', 'email'],
  'walkin.token_called': ['whatsapp'],
  'walkin.approaching_turn': ['whatsapp'],
  'clinical.prescription_ready': ['whatsapp', 'email'],
  'clinical.report_ready': ['whatsapp', 'email'],
  'doctor.emergency_leave': ['whatsapp', 'email'],
} as const satisfies Record<string, readonly Channel[]>;

export type PatientEventType = keyof typeof PATIENT_CHANNELS;

export const STAFF_EVENT_TYPES = [
  'billing.bill_generated',
  'billing.refund_processed',
  'billing.deposit_received',
  'package.purchased',
  'package.redeemed',
  'package.expired',
  'package.exhausted',
  'lab.test_requested',
  'system.alert',
  'patient.replied',
] as const;
export type StaffEventType = (typeof STAFF_EVENT_TYPES)[number];

/** Produced by this service (the reminder scheduler, the walk-in projection, admin alerts, patients' replies); refused from upstream. */
export const GENERATED_EVENT_TYPES = ['appointment.reminder', 'walkin.approaching_turn', 'system.alert', 'patient.replied'] as const;
export type GeneratedEventType = (typeof GENERATED_EVENT_TYPES)[number];

export const PAYLOAD_SCHEMAS = {
  'appointment.confirmed': P.AppointmentConfirmed,
  'appointment.pending_approval': P.AppointmentPendingApproval,
  'appointment.rejected': P.AppointmentRejected,
  'appointment.cancelled': P.AppointmentCancelled,
  'appointment.rescheduled': P.AppointmentRescheduled,
  'appointment.completed': P.AppointmentCompleted,
  'appointment.no_show': P.AppointmentNoShow,
  'appointment.reminder': P.AppointmentReminder,
  'walkin.token_called': P.WalkinTokenCalled,
  'walkin.approaching_turn': P.WalkinApproachingTurn,
  'walkin.queue_updated': P.WalkinQueueUpdated,
  'clinical.prescription_ready': P.ClinicalPrescriptionReady,
  'clinical.report_ready': P.ClinicalReportReady,
  'doctor.emergency_leave': P.DoctorEmergencyLeave,
  'billing.bill_generated': P.BillingBillGenerated,
  'billing.refund_processed': P.BillingRefundProcessed,
  'billing.deposit_received': P.BillingDepositReceived,
  'package.purchased': P.PackageEvent,
  'package.redeemed': P.PackageEvent,
  'package.expired': P.PackageEvent,
  'package.exhausted': P.PackageEvent,
  'lab.test_requested': P.LabTestRequested,
  'system.alert': P.SystemAlert,
  'patient.replied': P.PatientReplied,
} as const;

export type EventType = keyof typeof PAYLOAD_SCHEMAS;
export type PayloadOf<T extends EventType> = z.infer<(typeof PAYLOAD_SCHEMAS)[T]>;

export const EVENT_TYPES = Object.keys(PAYLOAD_SCHEMAS) as EventType[];

/** The 20 types upstream systems may publish: every catalogue type but those generated here. */
export const UPSTREAM_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter(
  (t) => !(GENERATED_EVENT_TYPES as readonly string[]).includes(t),
);

export const isEventType = (type: string): type is EventType => Object.hasOwn(PAYLOAD_SCHEMAS, type);
export const isUpstreamEventType = (type: string): type is EventType => UPSTREAM_EVENT_TYPES.includes(type as EventType);
export const isPatientEventType = (type: string): type is PatientEventType => Object.hasOwn(PATIENT_CHANNELS, type);
export const isStaffEventType = (type: string): type is StaffEventType => (STAFF_EVENT_TYPES as readonly string[]).includes(type);
