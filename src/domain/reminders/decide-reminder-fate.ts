import {
  REMINDER_EVENT_TYPES as R,
  type ReminderDropped,
  type ReminderFired,
  type ReminderRef,
  type ReminderSuperseded,
} from './reminder-events.ts';

export interface DueSibling {
  reminderId: string;
  offset: string;
  dueAt: Date;
}

export type ReminderFate =
  | { kind: 'fire' }
  | { kind: 'supersede'; by: DueSibling }
  | { kind: 'drop'; reason: 'slot-passed' };

/**
 * What the scheduler does with a due reminder. `siblings` are the appointment's other reminders
 * due by `now` that are still scheduled or already fired. After downtime several offsets of one
 * appointment can be overdue together: only the latest due fires, the others are superseded by it.
 * A missed reminder still fires while the slot is ahead; once the slot has begun it is dropped.
 */
export function decideReminderFate(reminder: { dueAt: Date; slotAt: Date }, siblings: readonly DueSibling[], now: Date): ReminderFate {
  if (now.getTime() >= reminder.slotAt.getTime()) return { kind: 'drop', reason: 'slot-passed' };
  const later = siblings
    .filter((s) => s.dueAt.getTime() <= now.getTime() && s.dueAt.getTime() > reminder.dueAt.getTime())
    .sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())[0];
  return later ? { kind: 'supersede', by: later } : { kind: 'fire' };
}

export type FateEvent =
  | { type: typeof R.fired; data: ReminderFired }
  | { type: typeof R.superseded; data: ReminderSuperseded }
  | { type: typeof R.dropped; data: ReminderDropped };

export function fateEvent(ref: ReminderRef, fate: ReminderFate, now: Date, worker: string): FateEvent {
  const at = now.toISOString();
  switch (fate.kind) {
    case 'fire':
      return { type: R.fired, data: { ...ref, firedAt: at, lateMs: Math.max(0, now.getTime() - Date.parse(ref.dueAt)), worker } };
    case 'supersede':
      return { type: R.superseded, data: { ...ref, supersededBy: fate.by.reminderId, supersededByOffset: fate.by.offset, at, worker } };
    case 'drop':
      return { type: R.dropped, data: { ...ref, reason: fate.reason, at, worker } };
  }
}
