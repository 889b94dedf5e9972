import { offsetMs } from './reminder-offsets.ts';
import type { Envelope } from '../intake/envelope.ts';
import type { Channel } from '../event-catalogue.ts';
import { deterministicUuid } from '../ids.ts';
import type { Appointment, Centre, Doctor, Patient } from '../intake/payload-parts.ts';
import { planPatientNotifications, type PlanDecision, type PlanningInput } from '../notifications/plan-notifications.ts';
import type { ReminderFired } from './reminder-events.ts';

/** The appointment as of the reminder's firing: the latest confirmed or rescheduled payload. */
export interface ReminderVisit {
  appointment: Appointment;
  patient: Patient;
  doctor: Doctor;
  centre: Centre;
}

/** (scheduling eventId, offset, channel): the reminders of one booking never collide with each other or with a new slot's. */
export const reminderNotificationId = (scheduledBy: string, offset: string, channel: Channel): string =>
  deterministicUuid('notification', 'appointment.reminder', scheduledBy, offset, channel);

/**
 * A fired reminder -> one appointment.reminder notification per channel (or the reason it is not
 * sent), through the same contact, preference and template checks as every patient event. It is
 * due at once: the scheduler fired it at its time.
 */
export function planReminderNotifications(
  input: { fired: ReminderFired; visit: ReminderVisit } & Pick<PlanningInput, 'templates' | 'blockFor' | 'deadlineRules' | 'channelPolicies' | 'smsReachable'>,
): PlanDecision[] {
  const { fired, visit } = input;
  const envelope: Envelope = {
    eventId: fired.scheduledBy,
    type: 'appointment.reminder',
    occurredAt: fired.firedAt,
    data: { ...visit, offset: fired.offset },
  };
  return planPatientNotifications({
    envelope,
    now: new Date(fired.firedAt),
    // Its deadline counts from when it was due, not from when it fired (after downtime, later).
    receivedAt: new Date(fired.dueAt),
    reminder: { dueAt: new Date(fired.dueAt), offsetMs: offsetMs(fired.offset) },
    templates: input.templates,
    blockFor: input.blockFor,
    ...(input.deadlineRules ? { deadlineRules: input.deadlineRules } : {}),
    ...(input.channelPolicies ? { channelPolicies: input.channelPolicies } : {}),
    ...(input.smsReachable ? { smsReachable: input.smsReachable } : {}),
    identify: (_target, channel) => ({
      notificationId: reminderNotificationId(fired.scheduledBy, fired.offset, channel),
      selection: { kind: 'reminder', offset: fired.offset, scheduledBy: fired.scheduledBy },
    }),
  });
}
