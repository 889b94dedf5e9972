import type { Kysely } from 'kysely';
import { QUIET_HOURS_EVENT_TYPES, type QuietHoursCleared, type QuietHoursLookup, type QuietHoursSet } from '../../domain/notifications/quiet-hours.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { batchStateKind } from '../batch-state.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { loadQuietHours, saveQuietHours } from './quiet-hours.queries.ts';

/**
 * Every centre's quiet hours for one planner batch, read once. They change only through ledger
 * events, and each such event between two planned events of a batch is in the batch: the reaction
 * below writes it and clears what was read, so each event is planned with the quiet hours recorded
 * before it.
 */
export class QuietHoursState {
  readonly #db: Kysely<ReadModelDatabase>;
  #lookup: Promise<QuietHoursLookup> | null = null;

  constructor(db: Kysely<ReadModelDatabase>) {
    this.#db = db;
  }

  lookup(): Promise<QuietHoursLookup> {
    this.#lookup ??= loadQuietHours(this.#db).then((byCentre) => (centreId) => byCentre.get(centreId) ?? null);
    return this.#lookup;
  }

  changed(): void {
    this.#lookup = null;
  }
}

export const quietHours = batchStateKind('quiet-hours', (db) => new QuietHoursState(db), { acrossBatches: true });

/** Admins' quiet hours, folded in ledger order for planning. */
export const quietHoursReaction: LedgerReaction = {
  name: 'quiet-hours',
  handles: (e) => (e.type === QUIET_HOURS_EVENT_TYPES.set || e.type === QUIET_HOURS_EVENT_TYPES.cleared) && categoryOf(e.stream) === 'quiet-hours',
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    if (event.type === QUIET_HOURS_EVENT_TYPES.set) {
      const { centreId, from, until, urgent, actor, at } = event.data as QuietHoursSet;
      await saveQuietHours(db, { centreId, quietHours: { from, until, urgent }, actor, at }, event.position);
    } else {
      const { centreId, actor, at } = event.data as QuietHoursCleared;
      await saveQuietHours(db, { centreId, quietHours: null, actor, at }, event.position);
    }
    state.of(quietHours).changed();
    return [];
  },
};
