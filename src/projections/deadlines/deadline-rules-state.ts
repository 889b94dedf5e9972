import type { Kysely } from 'kysely';
import { DEFAULT_DEADLINE_RULES, DEADLINE_EVENT_TYPES, type DeadlineRules, type RelevanceDeadlineSet } from '../../domain/notifications/relevance-deadline.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { batchStateKind } from '../batch-state.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { deadlineRuleKey, loadDeadlineRules, saveDeadlineRule } from './deadline-rules.queries.ts';

/**
 * The deadline rules for one planner batch, read once. They change only through ledger events, and
 * each such event between two planned events of a batch is in the batch: the reaction below writes
 * it and clears what was read, so each event is planned with the rules recorded before it.
 */
export class DeadlineRulesState {
  readonly #db: Kysely<ReadModelDatabase>;
  #rules: Promise<DeadlineRules> | null = null;

  constructor(db: Kysely<ReadModelDatabase>) {
    this.#db = db;
  }

  rules(): Promise<DeadlineRules> {
    this.#rules ??= loadDeadlineRules(this.#db).then((set) => (eventType, centreId) =>
      (centreId !== null ? set.get(deadlineRuleKey(eventType, centreId)) : undefined)
      ?? set.get(deadlineRuleKey(eventType, null))
      ?? DEFAULT_DEADLINE_RULES[eventType]);
    return this.#rules;
  }

  changed(): void {
    this.#rules = null;
  }
}

export const deadlineRules = batchStateKind('deadline-rules', (db) => new DeadlineRulesState(db), { acrossBatches: true });

/** Admins' deadline rules, folded in ledger order for planning. */
export const deadlineRuleReaction: LedgerReaction = {
  name: 'deadline-rules',
  handles: (e) => e.type === DEADLINE_EVENT_TYPES.set && categoryOf(e.stream) === 'deadline-rules',
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    await saveDeadlineRule(db, event.data as RelevanceDeadlineSet, event.position);
    state.of(deadlineRules).changed();
    return [];
  },
};
