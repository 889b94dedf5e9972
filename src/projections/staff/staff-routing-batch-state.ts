import type { Kysely } from 'kysely';
import type { RoutingRule } from '../../domain/staff-routing/routing-rule.ts';
import type { StaffMember } from '../../domain/staff-routing/staff-directory.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import { recordsetColumns, recordsetRows } from '../json-recordset.ts';
import { loadMissing } from '../load-missing.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { positionKey } from '../reminders/reminder-state.queries.ts';
import { routingRulesAsOf } from './routing-rules.queries.ts';
import { staffCandidatesAsOf } from './staff-directory.queries.ts';

type Db = Kysely<ReadModelDatabase>;

export interface StaffEventRouting {
  event_id: string;
  commit_position: string;
  prepare_position: string;
  event_type: string;
  centre_id: string;
  recipients: number;
  decided_at: Date;
}

const ROUTING_COLUMNS = {
  event_id: 'text',
  commit_position: 'numeric(20, 0)',
  prepare_position: 'numeric(20, 0)',
  event_type: 'text',
  centre_id: 'text',
  recipients: 'integer',
  decided_at: 'timestamptz',
} as const satisfies Record<keyof StaffEventRouting, string>;

/** Where a routing row says its event was first routed, as `routedAt` answers it. */
const routedKey = (row: { commit_position: string; prepare_position: string }): string =>
  positionKey({ commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) });

/**
 * The staff routing reaction's reads for one planner batch. Rules and the directory change only
 * through ledger events, and every such event between two staff events of a batch is in the batch
 * itself: so the rules (and candidates) read for one staff event hold for the next until the batch
 * brings a rule (or staff) change, which clears them.
 */
export class StaffRoutingState {
  readonly #db: Db;
  #rules: RoutingRule[] | null = null;
  readonly #candidates = new Map<string, StaffMember[]>();
  /** Where each staff event of the batch was first routed (null: not yet). */
  readonly #routed = new Map<string, string | null>();
  readonly #pending: StaffEventRouting[] = [];

  constructor(db: Db) {
    this.#db = db;
  }

  loadRouted(eventIds: readonly string[]): Promise<void> {
    return loadMissing(this.#routed, eventIds, async (missing) => {
      const rows = await this.#db
        .selectFrom('staff_event_routings')
        .select(['event_id', 'commit_position', 'prepare_position'])
        .where('event_id', 'in', missing)
        .execute();
      return new Map(rows.map((r) => [r.event_id, routedKey(r)]));
    });
  }

  /** Where the first receipt of this event was routed, or null if none was. */
  async routedAt(eventId: string): Promise<string | null> {
    await this.loadRouted([eventId]);
    return this.#routed.get(eventId) ?? null;
  }

  /** This receipt was routed; the row is written at `flush` (a repeat of the batch routes it the same). */
  routed(row: StaffEventRouting): void {
    if (this.#routed.get(row.event_id)) return;
    this.#routed.set(row.event_id, routedKey(row));
    this.#pending.push(row);
  }

  async rulesAsOf(position: LedgerPosition): Promise<RoutingRule[]> {
    this.#rules ??= await routingRulesAsOf(this.#db, position);
    return this.#rules;
  }

  async candidatesAsOf(position: LedgerPosition, centreId: string | null, namedIds: readonly string[]): Promise<StaffMember[]> {
    const key = JSON.stringify([centreId, [...namedIds].sort()]);
    let found = this.#candidates.get(key);
    if (!found) {
      found = await staffCandidatesAsOf(this.#db, position, centreId, namedIds);
      this.#candidates.set(key, found);
    }
    return found;
  }

  rulesChanged(): void {
    this.#rules = null;
  }

  directoryChanged(): void {
    this.#candidates.clear();
  }

  async flush(): Promise<void> {
    const rows = this.#pending.splice(0);
    if (rows.length === 0) return;
    await this.#db
      .insertInto('staff_event_routings')
      .columns(recordsetColumns(ROUTING_COLUMNS))
      .expression(recordsetRows(rows, ROUTING_COLUMNS))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }
}

/** The staff routing reaction's own state. */
export const staffRoutingState = batchStateKind('staff-routing', (db) => new StaffRoutingState(db));
