import { sql, type Kysely } from 'kysely';
import type { Channel } from '../domain/event-catalogue.ts';
import type { ContactBlock } from '../domain/notifications/preference-events.ts';
import type { ReminderOffset } from '../domain/reminders/reminder-offsets.ts';
import type { LedgerPosition } from '../ledger/event-store.ts';
import { loadMissing } from './load-missing.ts';
import type { ReadModelDatabase } from './read-model-database.ts';
import { StaffRoutingState } from './staff/staff-routing-batch-state.ts';
import { WalkinQueues } from './walk-in/walkin-batch-state.ts';
import {
  loadAppointmentStates,
  loadEmergencyLeaves,
  loadOffsets,
  recordEmergencyLeaves,
  saveAppointmentStates,
  type AppointmentStateRow,
} from './reminders/reminder-state.queries.ts';

type Db = Kysely<ReadModelDatabase>;

/**
 * What the planner's reactions read while they work through one batch, loaded once for the whole
 * batch instead of once per event: the state a reaction writes is written through, so each event
 * still sees exactly what the events before it left. Lives for one batch only: another instance
 * may move the tables on between batches.
 */
export class PlannerBatchState {
  readonly blocks: ContactBlocks;
  readonly appointments: AppointmentStates;
  readonly offsets: CentreOffsets;
  readonly leaves: EmergencyLeaves;

  readonly walkin: WalkinQueues;
  readonly staffRouting: StaffRoutingState;

  constructor(db: Db) {
    this.blocks = new ContactBlocks(db);
    this.appointments = new AppointmentStates(db);
    this.offsets = new CentreOffsets(db);
    this.leaves = new EmergencyLeaves(db);
    this.walkin = new WalkinQueues(db);
    this.staffRouting = new StaffRoutingState(db);
  }

  /** Writes what the batch left to write. Before the checkpoint: a crash repeats the batch, which decides the same again. */
  async flush(): Promise<void> {
    await Promise.all([this.appointments.flush(), this.walkin.flush(), this.staffRouting.flush(), this.leaves.flush()]);
  }
}

const addressKey = (channel: string, address: string) => `a:${channel}:${address}`;
const personKey = (channel: string, personId: string) => `p:${channel}:${personId}`;

/** Opt-outs and bounces by (channel, address) and by (channel, person). */
export class ContactBlocks {
  readonly #db: Db;
  readonly #addresses = new Set<string>();
  readonly #people = new Set<string>();
  readonly #blocks = new Map<string, ContactBlock>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Loads what is not known yet of these addresses and people, in one query. */
  async load(addresses: Iterable<string>, people: Iterable<string>): Promise<void> {
    const newAddresses = [...new Set(addresses)].filter((a) => !this.#addresses.has(a));
    const newPeople = [...new Set(people)].filter((p) => !this.#people.has(p));
    if (newAddresses.length === 0 && newPeople.length === 0) return;
    const rows = await this.#db
      .selectFrom('contact_blocks')
      .select([sql<string>`'a'`.as('kind'), 'channel', 'address as key', 'block'])
      .where('address', '=', sql<string>`any(${newAddresses}::text[])`)
      .unionAll((eb) =>
        eb.selectFrom('person_blocks').select([sql<string>`'p'`.as('kind'), 'channel', 'person_id as key', 'block']).where('person_id', '=', sql<string>`any(${newPeople}::text[])`),
      )
      .execute();
    for (const a of newAddresses) this.#addresses.add(a);
    for (const p of newPeople) this.#people.add(p);
    for (const row of rows) this.#blocks.set(row.kind === 'a' ? addressKey(row.channel, row.key) : personKey(row.channel, row.key), row.block);
  }

  /** The stronger of what is known of the address and the person; call `load` for them first. */
  lookup(channel: Channel, address: string | null, personId: string): ContactBlock {
    return (address !== null ? this.#blocks.get(addressKey(channel, address)) : undefined) ?? this.#blocks.get(personKey(channel, personId)) ?? null;
  }

  /** A preference written to the tables: later events of the batch see it. */
  wrote(channel: Channel, address: string | null, personId: string | null, block: ContactBlock): void {
    const apply = (key: string) => (block === null ? this.#blocks.delete(key) : this.#blocks.set(key, block));
    // Unknown addresses and people stay unknown: their first look-up reads the tables, write included.
    if (address !== null && this.#addresses.has(address)) apply(addressKey(channel, address));
    if (personId !== null && this.#people.has(personId)) apply(personKey(channel, personId));
  }
}

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
