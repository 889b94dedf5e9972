import { sql, type Kysely } from 'kysely';
import type { FateColumns } from './reminders-projection.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

export interface ClaimedReminder {
  reminder_id: string;
  appointment_id: string;
  centre_id: string;
  reminder_offset: string;
  scheduled_by: string;
  due_at: Date;
  slot_at: Date;
}

/**
 * Claims due reminders for one worker: scheduled, due by `now` (our Clock, not the database's),
 * held by nobody or by a worker whose lease ran out, oldest due first; rows another instance is
 * claiming at this moment are skipped, not waited for.
 */
export async function claimDueReminders(
  db: Kysely<ReadModelDatabase>,
  options: { worker: string; now: Date; leaseMs: number; limit: number },
): Promise<ClaimedReminder[]> {
  const { worker, now, leaseMs, limit } = options;
  const rows = await db
    .updateTable('reminders')
    .set({ locked_by: worker, locked_until: new Date(now.getTime() + leaseMs) })
    // By primary key from one array value, as the delivery claim does (see claimDue).
    .where(sql<boolean>`reminder_id = any(array(${db
      .selectFrom('reminders')
      .select('reminder_id')
      .where('status', '=', 'scheduled')
      .where('due_at', '<=', now)
      .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', now)]))
      .orderBy('due_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()}))`)
    .returning(['reminder_id', 'appointment_id', 'centre_id', 'reminder_offset', 'scheduled_by', 'due_at', 'slot_at'])
    .execute();
  return rows.map((r) => ({ ...r, due_at: new Date(r.due_at), slot_at: new Date(r.slot_at) }));
}

/** The other reminders of these appointments due by `now` that are still live or already fired. */
export async function dueSiblings(db: Kysely<ReadModelDatabase>, appointmentIds: readonly string[], now: Date) {
  if (appointmentIds.length === 0) return [];
  const rows = await db
    .selectFrom('reminders')
    .select(['reminder_id', 'appointment_id', 'reminder_offset', 'due_at'])
    .where('appointment_id', 'in', appointmentIds)
    .where('status', 'in', ['scheduled', 'fired', 'superseded'])
    .where('due_at', '<=', now)
    .execute();
  return rows.map((r) => ({ ...r, due_at: new Date(r.due_at) }));
}

/**
 * Records fates on the rows this worker holds, as the projection will from the same ledger events
 * (so a row the projection reached first is left alone): the row stops being claimable at once.
 * One statement for the whole batch: a commit per reminder would cost as much as its fire.
 */
export async function completeReminders(
  db: Kysely<ReadModelDatabase>,
  worker: string,
  fates: readonly ({ reminderId: string } & FateColumns)[],
): Promise<void> {
  if (fates.length === 0) return;
  await sql`
    update reminders r
       set status = v.status, reason = v.reason, fired_at = v.fired_at, locked_by = null, locked_until = null
      from unnest(${fates.map((f) => f.reminderId)}::uuid[], ${fates.map((f) => f.status)}::text[],
                  ${fates.map((f) => f.reason)}::text[], ${fates.map((f) => f.fired_at)}::timestamptz[])
           as v(reminder_id, status, reason, fired_at)
     where r.reminder_id = v.reminder_id and r.locked_by = ${worker} and r.status = 'scheduled'
  `.execute(db);
}

/**
 * When the next unheld reminder falls due, so an idle scheduler sleeps exactly that long (walks the
 * due index from its start). Leases that run out are found by the poll that follows.
 */
export async function nextReminderDueAt(db: Kysely<ReadModelDatabase>, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('reminders')
    .select('due_at')
    .where('status', '=', 'scheduled')
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', now)]))
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  return row ? new Date(row.due_at) : null;
}
