import type { Transaction } from 'kysely';
import {
  REMINDER_EVENT_TYPES as R,
  REMINDER_STATUS_OF,
  isReminderFateType,
  type ReminderCancelled,
  type ReminderDropped,
  type ReminderFateType,
  type ReminderFired,
  type ReminderMoved,
  type ReminderRef,
  type ReminderStatus,
  type ReminderSuperseded,
} from '../../domain/reminders/reminder-events.ts';
import { assertNever } from '../../domain/result.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { Projection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** What a fate writes on its reminder's row; the scheduler writes the same when it records one. */
export interface FateColumns {
  status: ReminderStatus;
  /** The fate's detail: why cancelled or dropped, which reminder superseded it or took its place. */
  reason: string | null;
  fired_at: string | null;
}

export function fateColumns(type: ReminderFateType, data: unknown): FateColumns {
  const status = REMINDER_STATUS_OF[type];
  switch (type) {
    case R.fired:
      return { status, reason: null, fired_at: (data as ReminderFired).firedAt };
    case R.superseded:
      return { status, reason: `superseded-by:${(data as ReminderSuperseded).supersededBy}`, fired_at: null };
    case R.dropped:
      return { status, reason: (data as ReminderDropped).reason, fired_at: null };
    case R.cancelled:
      return { status, reason: (data as ReminderCancelled).reason, fired_at: null };
    case R.moved:
      return { status, reason: `moved-to:${(data as ReminderMoved).toReminderId}`, fired_at: null };
    default:
      return assertNever(type, 'reminder fate');
  }
}

/**
 * The due-time read model the scheduler claims from: one row per reminder, its due time and its
 * status. Built from the ledger alone (schedules and fates), so it can be dropped and replayed.
 */
export function remindersProjection(options: { onChanged?: () => void } = {}): Projection {
  return {
    name: 'reminders',
    kind: 'read-model',
    handles: (e) =>
      (categoryOf(e.stream) === 'appointment' && (e.type === R.scheduled || e.type === R.skipped))
      || (categoryOf(e.stream) === 'reminder' && isReminderFateType(e.type)),
    apply: applyReminder,
    afterCommit: () => options.onChanged?.(),
  };
}

async function applyReminder(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<void> {
  const ref = event.data as ReminderRef;
  const base = {
    reminder_id: ref.reminderId,
    appointment_id: ref.appointmentId,
    centre_id: ref.centreId,
    reminder_offset: ref.offset,
    scheduled_by: ref.scheduledBy,
    due_at: ref.dueAt,
    slot_at: ref.slotAt,
    created_at: event.recordedAt,
    updated_at: event.recordedAt,
  };
  if (event.type === R.scheduled || event.type === R.skipped) {
    // A fate recorded first (its cancellation won the append race) has made the row already.
    await trx
      .insertInto('reminders')
      .values({ ...base, status: REMINDER_STATUS_OF[event.type], reason: event.type === R.skipped ? 'already-past' : null })
      .onConflict((oc) => oc.column('reminder_id').doNothing())
      .execute();
    return;
  }
  if (!isReminderFateType(event.type)) return;
  const fate = fateColumns(event.type, event.data);
  await trx
    .insertInto('reminders')
    .values({ ...base, ...fate })
    .onConflict((oc) => oc.column('reminder_id').doUpdateSet({ ...fate, locked_by: null, locked_until: null, updated_at: event.recordedAt }))
    .execute();
}
