import type { Kysely } from 'kysely';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

/** What a reaction reads during one batch, loaded once and written through; a `flush`, if it has one, writes what is left. */
interface BatchStatePart {
  flush?(): Promise<void>;
}

/** What batch state may need besides the tables: the keyed hashes that stand in for addresses. */
export interface BatchServices {
  keys: Pick<LedgerKeys, 'contactHash'>;
}

/**
 * A kind of batch state, declared beside the reaction that owns it. Reactions that share state
 * (opt-outs read by planning and written by preferences) name the same kind and get the same
 * instance for the batch.
 */
export interface BatchStateKind<S extends object> {
  readonly name: string;
  create(db: Kysely<ReadModelDatabase>, services: BatchServices): S;
  /**
   * Kept from batch to batch (see BatchState). Only for what changes through ledger events alone,
   * each handled by a planner reaction that updates or clears the part: the clinic's settings.
   */
  readonly acrossBatches: boolean;
}

export const batchStateKind = <S extends object>(
  name: string,
  create: (db: Kysely<ReadModelDatabase>, services: BatchServices) => S,
  options: { acrossBatches?: boolean } = {},
): BatchStateKind<S> => ({ name, create, acrossBatches: options.acrossBatches ?? false });

/** The parts kept from one batch to the next; cleared when a batch fails, whose changes were not all written. */
export type KeptBatchState = Map<BatchStateKind<object>, BatchStatePart>;

/**
 * The state of one planner batch: each kind is created on first use and lives for the batch only,
 * because another instance may move the tables on between batches. Kinds kept across batches
 * (settings: templates, channel policies, deadline rules, quiet hours) live in `kept` instead: they
 * change only through ledger events, which this planner reads in order and applies to the part, so a
 * part loaded once holds until the next such event (and is then as of the planner's own position,
 * not as of another instance further ahead). Reading them once per batch was most of a quiet
 * service's planner statements.
 */
export class BatchState {
  readonly #db: Kysely<ReadModelDatabase>;
  readonly #services: BatchServices;
  readonly #parts = new Map<BatchStateKind<object>, BatchStatePart>();
  readonly #kept: KeptBatchState;

  constructor(db: Kysely<ReadModelDatabase>, services: BatchServices, kept: KeptBatchState = new Map()) {
    this.#db = db;
    this.#services = services;
    this.#kept = kept;
  }

  of<S extends object>(kind: BatchStateKind<S>): S {
    const parts = kind.acrossBatches ? this.#kept : this.#parts;
    let part = parts.get(kind);
    if (!part) {
      part = kind.create(this.#db, this.#services);
      parts.set(kind, part);
    }
    return part as S;
  }

  /** Writes what the batch left to write. Before the checkpoint: a crash repeats the batch, which decides the same again. */
  async flush(): Promise<void> {
    await Promise.all([...this.#parts.values(), ...this.#kept.values()].map((part) => part.flush?.()));
  }
}
