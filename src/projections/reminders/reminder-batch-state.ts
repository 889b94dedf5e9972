import type { Kysely } from 'kysely';
import type { ReminderOffset } from '../../domain/reminders/reminder-offsets.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import { batchStateKind } from '../batch-state.ts';
import { loadMissing } from '../load-missing.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import {
  loadAppointmentStates,
  loadEmergencyLeaves,
  loadOffsets,
  recordEmergencyLeaves,
  saveAppointmentStates,
  type AppointmentStateRow,
} from './reminder-state.queries.ts';

type Db = Kysely<ReadModelDatabase>;

/**
 * The reminder schedule reaction's per-appointment state, written once at the end of the batch.
 * Its decisions follow from the ledger alone, so an instance that wrote an appointment first (or a
 * crash before the write) only means the same appends are made twice, which the ledger refuses.
 */
export class AppointmentStates {
  readonly #db: Db;
  readonly #rows = new Map<string, AppointmentStateRow | null>();
  /** Appointments the batch changed: their rows are written at `flush`. */
  readonly #changed = new Set<string>();

  constructor(db: Db) {
    this.#db = db;
  }

  load(appointmentIds: Iterable<string>): Promise<void> {
    return loadMissing(this.#rows, appointmentIds, (ids) => loadAppointmentStates(this.#db, ids));
  }

  /** Loaded rows of these appointments (absent: none yet). */
  async get(appointmentIds: readonly string[]): Promise<Map<string, AppointmentStateRow>> {
    await this.load(appointmentIds);
    const rows = new Map<string, AppointmentStateRow>();
    for (const id of appointmentIds) {
      const row = this.#rows.get(id);
      if (row) rows.set(id, row);
    }
    return rows;
  }

  /** The ids of the appointments this batch holds whose row matches: what a query of the table would not see yet. */
  cachedOf(matches: (row: AppointmentStateRow) => boolean): string[] {
    return [...this.#rows.values()].flatMap((row) => (row && matches(row) ? [row.appointmentId] : []));
  }

  /** The state these appointments are in after the event at `position`; written at `flush`. */
  save(rows: readonly Omit<AppointmentStateRow, 'lastCommit' | 'lastPrepare'>[], position: LedgerPosition): void {
    for (const row of rows) {
      this.#rows.set(row.appointmentId, { ...row, lastCommit: position.commit.toString(), lastPrepare: position.prepare.toString() });
      this.#changed.add(row.appointmentId);
    }
  }

  async flush(): Promise<void> {
    const rows = [...this.#changed].map((id) => this.#rows.get(id)!);
    this.#changed.clear();
    await saveAppointmentStates(this.#db, rows);
  }
}

/** Each centre's reminder offsets. */
export class CentreOffsets {
  readonly #db: Db;
  readonly #offsets = new Map<string, ReminderOffset[]>();

  constructor(db: Db) {
    this.#db = db;
  }

  async get(centreIds: readonly string[]): Promise<Map<string, ReminderOffset[]>> {
    const missing = [...new Set(centreIds)].filter((id) => !this.#offsets.has(id));
    if (missing.length > 0) for (const [id, offsets] of await loadOffsets(this.#db, missing)) this.#offsets.set(id, offsets);
    return new Map(centreIds.map((id) => [id, this.#offsets.get(id)!]));
  }

  /** The centre's offsets were written: read them again when next asked. */
  changed(centreId: string): void {
    this.#offsets.delete(centreId);
  }
}

/** Which emergency leave, if any, already told the patient of an appointment; new ones written at `flush`. */
export class EmergencyLeaves {
  readonly #db: Db;
  readonly #leaves = new Map<string, string | null>();
  readonly #pending: { leaveEventId: string; doctorId: string; appointmentIds: string[]; at: Date }[] = [];

  constructor(db: Db) {
    this.#db = db;
  }

  load(appointmentIds: Iterable<string>): Promise<void> {
    return loadMissing(this.#leaves, appointmentIds, (ids) => loadEmergencyLeaves(this.#db, ids));
  }

  async of(appointmentId: string): Promise<string | null> {
    await this.load([appointmentId]);
    return this.#leaves.get(appointmentId) ?? null;
  }

  /** A leave told the patients of these appointments; the first leave to tell one wins. */
  async record(leaveEventId: string, doctorId: string, appointmentIds: readonly string[], at: Date): Promise<void> {
    await this.load(appointmentIds);
    for (const id of appointmentIds) if (this.#leaves.get(id) === null) this.#leaves.set(id, leaveEventId);
    this.#pending.push({ leaveEventId, doctorId, appointmentIds: [...appointmentIds], at });
  }

  /** In one statement, in ledger order, so the first leave still wins. */
  async flush(): Promise<void> {
    await recordEmergencyLeaves(this.#db, this.#pending.splice(0));
  }
}

/** Written by the reminder schedule, read by reminder firing. */
export const appointmentStates = batchStateKind('appointment-states', (db) => new AppointmentStates(db));
export const centreOffsets = batchStateKind('centre-offsets', (db) => new CentreOffsets(db));
/** Recorded by the reminder schedule, read by patient planning (a cancellation a leave already announced). */
export const emergencyLeaves = batchStateKind('emergency-leaves', (db) => new EmergencyLeaves(db));
