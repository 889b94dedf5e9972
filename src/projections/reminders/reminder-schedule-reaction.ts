import { sql } from 'kysely';
import type { PayloadOf } from '../../domain/event-catalogue.ts';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../domain/erasure/person-erased.ts';
import { CELL_FIELD } from '../../domain/keys/sealed-cell.ts';
import { erasedLike } from '../../domain/keys/personal-data.ts';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { initialAppointmentReminderState, planReminders, type AppointmentChange, type ReminderPlan } from '../../domain/reminders/plan-reminders.ts';
import { REMINDER_EVENT_TYPES as R, reminderEventId, type ReminderCancelReason, type ReminderOffsetsSet } from '../../domain/reminders/reminder-events.ts';
import { slotInstant } from '../../domain/slot-instant.ts';
import { categoryOf, streamName } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { appointmentStates, centreOffsets, emergencyLeaves } from './reminder-batch-state.ts';
import { hasApplied } from '../reaction-position.ts';
import { decisionsAt, saveOffsets, withDecision, type AppointmentStateRow, type StoredVisit } from './reminder-state.queries.ts';

const SLOT_TYPES = new Set(['appointment.confirmed', 'appointment.rescheduled']);
const CLOSING_TYPES = new Set<ReminderCancelReason>([
  'appointment.cancelled',
  'appointment.rejected',
  'appointment.no_show',
  'appointment.completed',
  'doctor.emergency_leave',
]);

interface Change {
  change: AppointmentChange;
  /** The payload to remind the patient with, for a change that sets the slot: the patient as the ledger keeps them. */
  visit: StoredVisit | null;
}

/**
 * Keeps each appointment's reminder schedule: confirmed and rescheduled plan (or move) reminders
 * at the centre's offsets as of this event's position; cancelled, rejected, no-show, completed and
 * emergency leave cancel those not yet sent. Schedules go to `appointment-<id>` at the revision the
 * state knows; cancellations and moves are the fate of each reminder, in `reminder-<id>`.
 * The visit kept to remind with holds the patient sealed, copied from the event (firing opens it).
 */
export const reminderScheduleReaction: LedgerReaction = {
  name: 'reminder-schedule',
  handles: (e) =>
    isPatientErased(e)
    || (e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound' && isAppointmentType((e.data as InboundEventReceived).type))
    || (e.type === R.offsetsSet && categoryOf(e.stream) === 'centre-settings'),
  async prefetch(events, { state }) {
    const changes = events.filter((e) => e.type === INBOUND_RECEIVED).flatMap(changesOf);
    await Promise.all([
      state.of(appointmentStates).load(changes.map((c) => c.change.appointmentId)),
      state.of(emergencyLeaves).load(changes.filter((c) => c.change.kind === 'close' && c.change.reason === 'doctor.emergency_leave').map((c) => c.change.appointmentId)),
      state.of(centreOffsets).get(changes.filter((c) => c.change.kind === 'slot').map((c) => c.change.centreId)),
    ]);
  },
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    if (isPatientErased(event)) return forgetPatient(event, db, state);
    if (event.type === R.offsetsSet) {
      const set = event.data as ReminderOffsetsSet;
      await saveOffsets(db, set, event.position);
      state.of(centreOffsets).changed(set.centreId);
      return [];
    }
    const received = event.data as InboundEventReceived;
    if (received.type === 'doctor.emergency_leave') {
      const leave = received.data as PayloadOf<'doctor.emergency_leave'>;
      const ids = [...new Set(leave.affected.map((a) => a.appointment.id))];
      await state.of(emergencyLeaves).record(received.eventId, leave.doctor.id, ids, new Date(received.receivedAt));
    }
    const changes = changesOf(event);
    const rows = await state.of(appointmentStates).get(changes.map((c) => c.change.appointmentId));
    const centres = [...new Set(changes.filter((c) => c.change.kind === 'slot').map((c) => c.change.centreId))];
    const offsets = await state.of(centreOffsets).get(centres);

    const decided = new Map<string, PendingAppend[]>();
    const writes: Omit<AppointmentStateRow, 'lastCommit' | 'lastPrepare'>[] = [];
    for (const { change, visit } of changes) {
      const row = rows.get(change.appointmentId);
      if (row && hasApplied({ last_commit: row.lastCommit, last_prepare: row.lastPrepare }, event.position)) {
        decided.set(change.appointmentId, decisionsAt(row, event.position));
        continue;
      }
      const revision = row?.streamRevision ?? -1n;
      const plan = planReminders(row?.state ?? initialAppointmentReminderState, change, offsets.get(change.centreId) ?? []);
      const appends = toAppends(plan, change.appointmentId, revision, received.eventId, event.id);
      decided.set(change.appointmentId, appends);
      writes.push({
        appointmentId: change.appointmentId,
        centreId: change.centreId,
        state: plan.state,
        visit: plan.ignored === null && visit ? visit : (row?.visit ?? null),
        streamRevision: revision + BigInt(plan.schedule.length),
        decisions: withDecision(row?.decisions ?? [], event.position, appends),
      });
    }
    state.of(appointmentStates).save(writes, event.position);
    return [...decided.values()].flat();
  },
};

const isPatientErased = (e: RecordedEvent): boolean => e.type === ERASURE_EVENT_TYPES.personErased && (e.data as PersonErased).kind === 'patient';

/**
 * A patient erased: their open appointments close (reminders not yet sent are cancelled as
 * `person-erased`); a visit kept in clear before cells keeps only ids, as an erased read gives it.
 */
async function forgetPatient(event: RecordedEvent, db: ReactionContext['db'], state: ReactionContext['state']): Promise<PendingAppend[]> {
  const erased = event.data as PersonErased;
  const stored = await db.selectFrom('reminder_appointments').select('appointment_id').where(sql<boolean>`visit->'patient'->>'id' = ${erased.id}`).execute();
  const states = state.of(appointmentStates);
  const ids = [...new Set([...stored.map((r) => r.appointment_id), ...states.cachedOf((row) => row.visit?.patient.id === erased.id)])];
  const rows = await states.get(ids);
  const appends: PendingAppend[] = [];
  const writes: Omit<AppointmentStateRow, 'lastCommit' | 'lastPrepare'>[] = [];
  for (const row of rows.values()) {
    if (row.visit?.patient.id !== erased.id) continue;
    const change: AppointmentChange = {
      kind: 'close',
      reason: 'person-erased',
      eventId: event.id,
      occurredAt: row.state.lastOccurredAt ?? erased.erasedAt,
      receivedAt: erased.erasedAt,
      appointmentId: row.appointmentId,
      centreId: row.centreId ?? row.visit.centre.id,
    };
    const plan = planReminders(row.state, change, []);
    const own = toAppends(plan, row.appointmentId, row.streamRevision, event.id, event.id);
    appends.push(...own);
    writes.push({ ...row, state: plan.state, visit: { ...row.visit, patient: erasedPatient(row.visit.patient) }, decisions: withDecision(row.decisions, event.position, own) });
  }
  states.save(writes, event.position);
  return appends;
}

/**
 * The kept patient once their keys are gone: sealed (a cell object), as it is, for it opens to
 * `[erased]` now and a rebuild copies the same; kept in clear before cells, as an erased read gives it.
 */
const erasedPatient = (patient: StoredVisit['patient']): StoredVisit['patient'] =>
  CELL_FIELD in patient ? patient : (erasedLike(patient, ['id']) as StoredVisit['patient']);

function isAppointmentType(type: string): boolean {
  return SLOT_TYPES.has(type) || CLOSING_TYPES.has(type as ReminderCancelReason);
}

function changesOf(event: RecordedEvent): Change[] {
  const received = event.data as InboundEventReceived;
  const base = { eventId: received.eventId, occurredAt: received.occurredAt, receivedAt: received.receivedAt };
  if (received.type === 'doctor.emergency_leave') {
    const leave = received.data as PayloadOf<'doctor.emergency_leave'>;
    const seen = new Set<string>();
    return leave.affected.flatMap((a) => {
      if (seen.has(a.appointment.id)) return [];
      seen.add(a.appointment.id);
      return [{ change: { ...base, kind: 'close', reason: 'doctor.emergency_leave', appointmentId: a.appointment.id, centreId: leave.centre.id }, visit: null }];
    });
  }
  const visit = received.data as PayloadOf<'appointment.confirmed'>;
  const common = { ...base, appointmentId: visit.appointment.id, centreId: visit.centre.id };
  if (SLOT_TYPES.has(received.type)) {
    // Copied as the ledger keeps it (the patient sealed), never sealed anew: a rebuild copies the same bytes.
    const kept = <K extends keyof StoredVisit>(key: K): StoredVisit[K] => sealedAt<StoredVisit[K]>(event, ['data', key]);
    const snapshot: StoredVisit = { appointment: kept('appointment'), patient: kept('patient'), doctor: kept('doctor'), centre: kept('centre') };
    return [{ change: { ...common, kind: 'slot', slotAt: slotInstant(visit.appointment, visit.centre.timeZone) }, visit: snapshot }];
  }
  return [{ change: { ...common, kind: 'close', reason: received.type as ReminderCancelReason }, visit: null }];
}

function toAppends(plan: ReminderPlan, appointmentId: string, revision: bigint, correlationId: string, causationId: string): PendingAppend[] {
  const metadata = { correlationId, causationId, actor: 'system' };
  const appends: PendingAppend[] = [];
  if (plan.schedule.length > 0) {
    appends.push({
      stream: streamName.appointment(appointmentId),
      expected: revision < 0n ? 'no-stream' : revision,
      events: plan.schedule.map((e) => ({ id: reminderEventId(e.data.reminderId, e.type), type: e.type, data: e.data, metadata })),
    });
  }
  for (const fate of plan.fates) {
    appends.push({
      stream: streamName.reminder(fate.data.reminderId),
      expected: 'no-stream',
      events: [{ id: reminderEventId(fate.data.reminderId, fate.type), type: fate.type, data: fate.data, metadata }],
    });
  }
  return appends;
}
