import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import type { StreamName } from '../domain/stream-name.ts';
import type { ExpectedRevision, NewEvent, RecordedEvent } from '../ledger/event-store.ts';
import type { BatchState } from './batch-state.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

/** An append a reaction decided on. Its events have deterministic ids, so repeating it is harmless. */
export interface PendingAppend {
  stream: StreamName;
  events: NewEvent[];
  expected: ExpectedRevision;
}

export interface ReactionContext {
  db: Kysely<ReadModelDatabase>;
  clock: Clock;
  /**
   * What the reactions read, loaded once per batch and written through. Each reaction asks for the
   * kinds it declares beside itself (`state.of(contactBlocks)`).
   */
  state: BatchState;
}

/**
 * One part of what the service decides when the ledger grows: plan patient messages, route staff
 * alerts, schedule reminders. Reactions see events strictly in ledger order and keep their own
 * state tables, so each decision is made against exactly what came before it (and a replay
 * decides the same). State updates happen in `react`; the appends it returns are made afterwards.
 */
export interface LedgerReaction {
  readonly name: string;
  handles(event: RecordedEvent): boolean;
  react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]>;
  /** Before a batch: load in one go what `react` will read for these events (those it handles). */
  prefetch?(events: readonly RecordedEvent[], context: ReactionContext): Promise<void>;
}
