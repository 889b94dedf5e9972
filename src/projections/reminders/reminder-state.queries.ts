import { sql, type Kysely } from 'kysely';
import { DEFAULT_REMINDER_OFFSETS, type ReminderOffset } from '../../domain/reminders/reminder-offsets.ts';
import type { AppointmentReminderState } from '../../domain/reminders/plan-reminders.ts';
import type { ReminderVisit } from '../../domain/reminders/plan-reminder-notifications.ts';
import type { ReminderOffsetsSet } from '../../domain/reminders/reminder-events.ts';
import type { ExpectedRevision, LedgerPosition, NewEvent } from '../../ledger/event-store.ts';
import type { PendingAppend } from '../ledger-reaction.ts';
import { positionColumns } from '../reaction-position.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import type { StreamName } from '../../domain/stream-name.ts';

/** The appends one event decided for one appointment, kept so a repeat of that event re-emits them. */
export interface StoredDecision {
  position: string;
  appends: { stream: string; expected: string; events: NewEvent[] }[];
}

/**
 * The visit a schedule keeps to remind the patient with, as the ledger keeps its payload: the
 * patient sealed but for their id (`{ id, $cell, $shape }`, so `visit->'patient'->>'id'` finds
 * them in SQL), the appointment, doctor and centre as received. Opened with SealedCells, it is
 * the ReminderVisit it was copied from.
 */
export type StoredVisit = Omit<ReminderVisit, 'patient'> & { patient: { id: string } & Record<string, unknown> };

export interface AppointmentStateRow {
  appointmentId: string;
  centreId: string | null;
  state: AppointmentReminderState;
  visit: StoredVisit | null;
  /** The appointment stream's revision after the appends decided so far (-1: none). */
  streamRevision: bigint;
  decisions: StoredDecision[];
  lastCommit: string;
  lastPrepare: string;
}

// A repeat concerns the last few events of an appointment at most (one batch).
const KEPT_DECISIONS = 8;

export const positionKey = (p: LedgerPosition): string => `${p.commit}/${p.prepare}`;

export function storeAppends(appends: readonly PendingAppend[]): StoredDecision['appends'] {
  return appends.map((a) => ({ stream: a.stream, expected: typeof a.expected === 'bigint' ? a.expected.toString() : a.expected, events: a.events }));
}

export function decisionsAt(row: AppointmentStateRow, position: LedgerPosition): PendingAppend[] {
  const key = positionKey(position);
  return row.decisions
    .filter((d) => d.position === key)
    .flatMap((d) => d.appends)
    .map((a) => ({ stream: a.stream as StreamName, events: a.events, expected: toExpected(a.expected) }));
}

export const withDecision = (decisions: readonly StoredDecision[], position: LedgerPosition, appends: readonly PendingAppend[]): StoredDecision[] =>
  appends.length === 0 ? [...decisions] : [...decisions, { position: positionKey(position), appends: storeAppends(appends) }].slice(-KEPT_DECISIONS);

const toExpected = (text: string): ExpectedRevision => (text === 'no-stream' || text === 'any' ? text : BigInt(text));

export async function loadAppointmentStates(db: Kysely<ReadModelDatabase>, appointmentIds: readonly string[]): Promise<Map<string, AppointmentStateRow>> {
  const found = new Map<string, AppointmentStateRow>();
  if (appointmentIds.length === 0) return found;
  const rows = await db.selectFrom('reminder_appointments').selectAll().where('appointment_id', 'in', appointmentIds).execute();
  for (const r of rows) {
    found.set(r.appointment_id, {
      appointmentId: r.appointment_id,
      centreId: r.centre_id,
      state: r.state as AppointmentReminderState,
      visit: (r.visit ?? null) as StoredVisit | null,
      streamRevision: BigInt(r.stream_revision),
      decisions: r.decisions as StoredDecision[],
      lastCommit: r.last_commit,
      lastPrepare: r.last_prepare,
    });
  }
  return found;
}

/**
 * Writes each appointment's new state with the position of the event that left it, unless the row
 * has already seen that position or a later one (another instance got there first, deciding the
 * same from the same ledger).
 */
export async function saveAppointmentStates(
  db: Kysely<ReadModelDatabase>,
  rows: readonly AppointmentStateRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('reminder_appointments')
    .values(rows.map((r) => ({
      appointment_id: r.appointmentId,
      centre_id: r.centreId,
      state: JSON.stringify(r.state),
      visit: r.visit ? JSON.stringify(r.visit) : null,
      stream_revision: r.streamRevision.toString(),
      decisions: JSON.stringify(r.decisions),
      last_commit: r.lastCommit,
      last_prepare: r.lastPrepare,
    })))
    .onConflict((oc) => oc
      .column('appointment_id')
      .doUpdateSet((eb) => ({
        centre_id: eb.ref('excluded.centre_id'),
        state: eb.ref('excluded.state'),
        visit: eb.ref('excluded.visit'),
        stream_revision: eb.ref('excluded.stream_revision'),
        decisions: eb.ref('excluded.decisions'),
        last_commit: eb.ref('excluded.last_commit'),
        last_prepare: eb.ref('excluded.last_prepare'),
      }))
      .where(sql<boolean>`(reminder_appointments.last_commit, reminder_appointments.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Each centre's offsets as of the events applied so far; the seed's 24h, 2h, 30m for the rest. */
export async function loadOffsets(db: Kysely<ReadModelDatabase>, centreIds: readonly string[]): Promise<Map<string, ReminderOffset[]>> {
  const found = new Map<string, ReminderOffset[]>(centreIds.map((id) => [id, [...DEFAULT_REMINDER_OFFSETS]]));
  if (centreIds.length === 0) return found;
  const rows = await db.selectFrom('reminder_offsets').select(['centre_id', 'offsets']).where('centre_id', 'in', centreIds).execute();
  for (const r of rows) found.set(r.centre_id, r.offsets as ReminderOffset[]);
  return found;
}

export async function saveOffsets(db: Kysely<ReadModelDatabase>, set: ReminderOffsetsSet, position: LedgerPosition): Promise<void> {
  const values = { offsets: JSON.stringify(set.offsets), actor: set.actor, set_at: set.at, ...positionColumns(position) };
  await db
    .insertInto('reminder_offsets')
    .values({ centre_id: set.centreId, ...values })
    .onConflict((oc) => oc
      .column('centre_id')
      .doUpdateSet(values)
      .where(sql<boolean>`(reminder_offsets.last_commit, reminder_offsets.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Appointments emergency leaves told their patients about, leaves in ledger order; the first leave to tell one wins. */
export async function recordEmergencyLeaves(
  db: Kysely<ReadModelDatabase>,
  leaves: readonly { leaveEventId: string; doctorId: string; appointmentIds: readonly string[]; at: Date }[],
): Promise<void> {
  const rows = leaves.flatMap((l) => l.appointmentIds.map((id) => ({ appointment_id: id, leave_event_id: l.leaveEventId, doctor_id: l.doctorId, announced_at: l.at })));
  if (rows.length === 0) return;
  await db
    .insertInto('emergency_leave_appointments')
    .values(rows)
    .onConflict((oc) => oc.column('appointment_id').doNothing())
    .execute();
}

/** The emergency leave that told each of these appointments' patients, for those one did. */
export async function loadEmergencyLeaves(db: Kysely<ReadModelDatabase>, appointmentIds: readonly string[]): Promise<Map<string, string>> {
  if (appointmentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('emergency_leave_appointments')
    .select(['appointment_id', 'leave_event_id'])
    .where('appointment_id', 'in', appointmentIds)
    .execute();
  return new Map(rows.map((r) => [r.appointment_id, r.leave_event_id]));
}
