import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from './read-model-database.ts';

/** What a reaction reads during one batch, loaded once and written through; a `flush`, if it has one, writes what is left. */
interface BatchStatePart {
  flush?(): Promise<void>;
}

/**
 * A kind of batch state, declared beside the reaction that owns it. Reactions that share state
 * (opt-outs read by planning and written by preferences) name the same kind and get the same
 * instance for the batch.
 */
export interface BatchStateKind<S extends object> {
  readonly name: string;
  create(db: Kysely<ReadModelDatabase>): S;
}

export const batchStateKind = <S extends object>(name: string, create: (db: Kysely<ReadModelDatabase>) => S): BatchStateKind<S> => ({ name, create });

/**
 * The state of one planner batch: each kind is created on first use and lives for the batch only,
 * because another instance may move the tables on between batches.
 */
export class BatchState {
  readonly #db: Kysely<ReadModelDatabase>;
  readonly #parts = new Map<BatchStateKind<object>, BatchStatePart>();

  constructor(db: Kysely<ReadModelDatabase>) {
    this.#db = db;
  }

  of<S extends object>(kind: BatchStateKind<S>): S {
    let part = this.#parts.get(kind);
    if (!part) {
      part = kind.create(this.#db);
      this.#parts.set(kind, part);
    }
    return part as S;
  }

  /** Writes what the batch left to write. Before the checkpoint: a crash repeats the batch, which decides the same again. */
  async flush(): Promise<void> {
    await Promise.all([...this.#parts.values()].map((part) => part.flush?.()));
  }
}
