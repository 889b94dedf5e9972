import {
  REMINDER_EVENT_TYPES as R,
  reminderIdFor,
  type ReminderCancelReason,
  type ReminderCancelled,
  type ReminderMoved,
  type ReminderRef,
  type ReminderScheduled,
  type ReminderSkipped,
} from './reminder-events.ts';
import { offsetMs, type ReminderOffset } from './reminder-offsets.ts';

/** A reminder as the schedule knows it. Whether it fired is the scheduler's business (its fate stream). */
export interface TrackedReminder {
  reminderId: string;
  offset: ReminderOffset;
  dueAt: string;
  slotAt: string;
  scheduledBy: string;
  status: 'scheduled' | 'skipped' | 'cancelled' | 'moved';
}

/**
 * One appointment's reminder schedule. Changes apply by `occurredAt`: one older than the latest
 * applied changes nothing, so a cancellation recorded before its confirmation still wins. Closing
 * (cancelled, rejected, no-show, completed, emergency leave) is final.
 */
export interface AppointmentReminderState {
  phase: 'new' | 'active' | 'closed';
  closedBy: ReminderCancelReason | null;
  lastOccurredAt: string | null;
  reminders: TrackedReminder[];
}

export const initialAppointmentReminderState: AppointmentReminderState = { phase: 'new', closedBy: null, lastOccurredAt: null, reminders: [] };

interface ChangeBase {
  /** The inbound event. */
  eventId: string;
  occurredAt: string;
  /** When we received it (from the ledger, so a replay decides the same): "already past" is judged against it. */
  receivedAt: string;
  appointmentId: string;
  centreId: string;
}

export type AppointmentChange =
  | (ChangeBase & { kind: 'slot'; slotAt: Date })
  | (ChangeBase & { kind: 'close'; reason: ReminderCancelReason });

export type ScheduleEvent =
  | { type: typeof R.scheduled; data: ReminderScheduled }
  | { type: typeof R.skipped; data: ReminderSkipped };

export type ScheduleFate =
  | { type: typeof R.cancelled; data: ReminderCancelled }
  | { type: typeof R.moved; data: ReminderMoved };

export interface ReminderPlan {
  state: AppointmentReminderState;
  /** For the appointment's stream, in order. */
  schedule: ScheduleEvent[];
  /** Each the fate of one earlier reminder, for that reminder's own stream. */
  fates: ScheduleFate[];
  ignored: 'older' | 'closed' | null;
}

/** What one appointment event does to the schedule: the decider of the reminder reaction. */
export function planReminders(state: AppointmentReminderState, change: AppointmentChange, offsets: readonly ReminderOffset[]): ReminderPlan {
  if (state.phase === 'closed') return { state, schedule: [], fates: [], ignored: 'closed' };
  if (state.lastOccurredAt !== null && Date.parse(change.occurredAt) < Date.parse(state.lastOccurredAt)) {
    return { state, schedule: [], fates: [], ignored: 'older' };
  }
  return change.kind === 'close' ? close(state, change) : reslot(state, change, offsets);
}

const refOf = (r: TrackedReminder, change: ChangeBase): ReminderRef => ({
  reminderId: r.reminderId,
  appointmentId: change.appointmentId,
  centreId: change.centreId,
  offset: r.offset,
  scheduledBy: r.scheduledBy,
  dueAt: r.dueAt,
  slotAt: r.slotAt,
});

function close(state: AppointmentReminderState, change: ChangeBase & { kind: 'close'; reason: ReminderCancelReason }): ReminderPlan {
  const fates: ScheduleFate[] = [];
  const reminders = state.reminders.map((r): TrackedReminder => {
    if (r.status !== 'scheduled') return r;
    fates.push({ type: R.cancelled, data: { ...refOf(r, change), reason: change.reason, causedBy: change.eventId, at: change.receivedAt } });
    return { ...r, status: 'cancelled' };
  });
  return {
    state: { phase: 'closed', closedBy: change.reason, lastOccurredAt: change.occurredAt, reminders },
    schedule: [],
    fates,
    ignored: null,
  };
}

function reslot(state: AppointmentReminderState, change: ChangeBase & { kind: 'slot'; slotAt: Date }, offsets: readonly ReminderOffset[]): ReminderPlan {
  const slotAt = change.slotAt.toISOString();
  const now = Date.parse(change.receivedAt);
  const schedule: ScheduleEvent[] = [];
  const fates: ScheduleFate[] = [];
  const reminders = [...state.reminders];
  const wanted = new Set(offsets);

  for (const offset of offsets) {
    const dueAt = new Date(change.slotAt.getTime() - offsetMs(offset)).toISOString();
    const pendingIndex = reminders.findIndex((r) => r.status === 'scheduled' && r.offset === offset);
    const pending = pendingIndex >= 0 ? reminders[pendingIndex]! : null;
    if (pending && pending.dueAt === dueAt && pending.slotAt === slotAt) continue;
    const reminderId = reminderIdFor(change.eventId, change.appointmentId, offset);
    // The same event again (received anew after the dedup window): it planned this one already.
    if (reminders.some((r) => r.reminderId === reminderId)) continue;

    const next: TrackedReminder = { reminderId, offset, dueAt, slotAt, scheduledBy: change.eventId, status: Date.parse(dueAt) > now ? 'scheduled' : 'skipped' };
    reminders.push(next);
    const ref = refOf(next, change);
    schedule.push(next.status === 'scheduled'
      ? { type: R.scheduled, data: { ...ref, scheduledAt: change.receivedAt } }
      : { type: R.skipped, data: { ...ref, reason: 'already-past', skippedAt: change.receivedAt } });
    if (pending) {
      reminders[pendingIndex] = { ...pending, status: 'moved' };
      fates.push({ type: R.moved, data: { ...refOf(pending, change), toReminderId: reminderId, toDueAt: dueAt, movedBy: change.eventId, at: change.receivedAt } });
    }
  }
  // An offset the centre no longer uses (changed since the last plan) is not carried to the new slot.
  for (const [i, r] of reminders.entries()) {
    if (r.status !== 'scheduled' || wanted.has(r.offset)) continue;
    reminders[i] = { ...r, status: 'cancelled' };
    fates.push({ type: R.cancelled, data: { ...refOf(r, change), reason: 'offset-removed', causedBy: change.eventId, at: change.receivedAt } });
  }
  return { state: { phase: 'active', closedBy: null, lastOccurredAt: change.occurredAt, reminders }, schedule, fates, ignored: null };
}
