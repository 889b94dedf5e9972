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
  input: {
    fired: ReminderFired;
    visit: ReminderVisit;
    /** The appointment's other reminders for the same slot, still scheduled: a later one may overtake this one. */
    siblings?: readonly DueReminder[];
  } & Pick<PlanningInput, 'templates' | 'blockFor' | 'deadlineRules' | 'channelPolicies' | 'smsReachable' | 'quietHours'>,
): PlanDecision[] {
  const { fired, visit } = input;
  const envelope: Envelope = {
    eventId: fired.scheduledBy,
    type: 'appointment.reminder',
    occurredAt: fired.firedAt,
    data: { ...visit, offset: fired.offset },
  };
  const decisions = planPatientNotifications({
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
    quietHours: input.quietHours,
    identify: (_target, channel) => ({
      notificationId: reminderNotificationId(fired.scheduledBy, fired.offset, channel),
      selection: { kind: 'reminder', offset: fired.offset, scheduledBy: fired.scheduledBy },
    }),
  });
  return decisions.map((d) => overtaken(d, fired, input.siblings ?? []));
}

/** Another reminder of the appointment, as the schedule has it. */
export interface DueReminder {
  reminderId: string;
  offset: string;
  dueAt: Date;
}

/**
 * A reminder that quiet hours defer is superseded when a later offset of the same appointment is
 * due by the time the window ends, as after downtime: an 08:30 slot with quiet hours to 08:00 gets
 * the 30-minute reminder at 08:00, not the 2-hour one deferred to 08:00 beside it. The latest such
 * reminder is named, as it is the one that goes out.
 */
function overtaken(decision: PlanDecision, fired: ReminderFired, siblings: readonly DueReminder[]): PlanDecision {
  if (decision.kind !== 'planned' || !decision.deferred) return decision;
  const until = Date.parse(decision.deferred.until);
  const slotAt = Date.parse(fired.slotAt);
  const dueAt = Date.parse(fired.dueAt);
  const later = siblings
    .filter((s) => s.reminderId !== fired.reminderId && s.dueAt.getTime() > dueAt && s.dueAt.getTime() <= until && s.dueAt.getTime() < slotAt)
    .sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())[0];
  if (!later) return decision;
  const p = decision.event;
  return {
    kind: 'suppressed',
    event: {
      notificationId: p.notificationId,
      eventId: p.eventId,
      eventType: p.eventType,
      centreId: p.centreId,
      bookingReference: p.bookingReference,
      appointmentId: p.appointmentId,
      channel: p.channel,
      recipient: p.recipient,
      selection: p.selection,
      reason: 'superseded',
      detail: `deferred by quiet hours (${decision.deferred.window}) to ${decision.deferred.until}, when the ${later.offset} reminder ${later.reminderId} is due: it goes instead`,
      suppressedAt: p.plannedAt,
    },
  };
}
