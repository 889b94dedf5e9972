import { deterministicUuid } from '../ids.ts';
import type { ReminderOffset } from './reminder-offsets.ts';

/**
 * Reminders in the ledger. The schedule of an appointment is in `appointment-<id>`
 * (ReminderScheduled, ReminderSkipped), written only by the reminder reaction. Each reminder's
 * fate is the first and only event of `reminder-<reminderId>`, appended at 'no-stream':
 *
 *   scheduled -> ReminderFired | ReminderSuperseded | ReminderDropped   (the scheduler, at due time)
 *             -> ReminderCancelled | ReminderMoved                       (the reaction, on a later appointment event)
 *
 * One stream per fate makes "sent or cancelled, never both" a ledger guarantee: a cancellation
 * that loses the race to the scheduler is refused by the expected revision, and vice versa.
 */
export const REMINDER_EVENT_TYPES = {
  scheduled: 'ReminderScheduled',
  skipped: 'ReminderSkipped',
  fired: 'ReminderFired',
  superseded: 'ReminderSuperseded',
  dropped: 'ReminderDropped',
  cancelled: 'ReminderCancelled',
  moved: 'ReminderMoved',
  offsetsSet: 'ReminderOffsetsSet',
} as const;

export type ReminderFateType =
  | typeof REMINDER_EVENT_TYPES.fired
  | typeof REMINDER_EVENT_TYPES.superseded
  | typeof REMINDER_EVENT_TYPES.dropped
  | typeof REMINDER_EVENT_TYPES.cancelled
  | typeof REMINDER_EVENT_TYPES.moved;

export const REMINDER_FATE_TYPES: readonly ReminderFateType[] = [
  REMINDER_EVENT_TYPES.fired,
  REMINDER_EVENT_TYPES.superseded,
  REMINDER_EVENT_TYPES.dropped,
  REMINDER_EVENT_TYPES.cancelled,
  REMINDER_EVENT_TYPES.moved,
];

export const isReminderFateType = (type: string): type is ReminderFateType => (REMINDER_FATE_TYPES as readonly string[]).includes(type);

/** The status a reminder has in the due-time read model after each event. */
export const REMINDER_STATUS_OF = {
  ReminderScheduled: 'scheduled',
  ReminderSkipped: 'skipped',
  ReminderFired: 'fired',
  ReminderSuperseded: 'superseded',
  ReminderDropped: 'dropped',
  ReminderCancelled: 'cancelled',
  ReminderMoved: 'moved',
} as const;
export type ReminderStatus = (typeof REMINDER_STATUS_OF)[keyof typeof REMINDER_STATUS_OF];

/** What every reminder event says about its reminder; people are referred to by id only. */
export interface ReminderRef {
  reminderId: string;
  appointmentId: string;
  centreId: string;
  offset: ReminderOffset;
  /** The appointment event (confirmed or rescheduled) whose slot this reminder is for. */
  scheduledBy: string;
  dueAt: string;
  slotAt: string;
}

export interface ReminderScheduled extends ReminderRef {
  scheduledAt: string;
}

export interface ReminderSkipped extends ReminderRef {
  reason: 'already-past';
  skippedAt: string;
}

export interface ReminderFired extends ReminderRef {
  firedAt: string;
  /** How long after its due time the scheduler fired it. */
  lateMs: number;
  worker: string;
}

export interface ReminderSuperseded extends ReminderRef {
  /** The later reminder of the same appointment that was due at the same time and fired instead. */
  supersededBy: string;
  supersededByOffset: ReminderOffset;
  at: string;
  worker: string;
}

export interface ReminderDropped extends ReminderRef {
  reason: 'slot-passed';
  at: string;
  worker: string;
}

export type ReminderCancelReason =
  | 'appointment.cancelled'
  | 'appointment.rejected'
  | 'appointment.no_show'
  | 'appointment.completed'
  | 'doctor.emergency_leave'
  | 'offset-removed'
  /** The patient was erased: nothing more is sent to them for what was recorded before. */
  | 'person-erased';

export interface ReminderCancelled extends ReminderRef {
  reason: ReminderCancelReason;
  /** The inbound event that cancelled it. */
  causedBy: string;
  at: string;
}

export interface ReminderMoved extends ReminderRef {
  /** The reminder for the new slot (scheduled or skipped in the appointment's stream). */
  toReminderId: string;
  toDueAt: string;
  movedBy: string;
  at: string;
}

/** An admin set a centre's reminder offsets; applies to appointments planned after it in the ledger. */
export interface ReminderOffsetsSet {
  centreId: string;
  offsets: ReminderOffset[];
  actor: string;
  at: string;
}

export const reminderIdFor = (scheduledBy: string, appointmentId: string, offset: ReminderOffset): string =>
  deterministicUuid('reminder', scheduledBy, appointmentId, offset);

/** Each reminder has one scheduling event and at most one fate, so (reminder, type) names an event. */
export const reminderEventId = (reminderId: string, type: string): string => deterministicUuid('reminder-event', reminderId, type);
