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
}

export const batchStateKind = <S extends object>(name: string, create: (db: Kysely<ReadModelDatabase>, services: BatchServices) => S): BatchStateKind<S> => ({ name, create });

/**
 * The state of one planner batch: each kind is created on first use and lives for the batch only,
 * because another instance may move the tables on between batches.
 */
export class BatchState {
  readonly #db: Kysely<ReadModelDatabase>;
  readonly #services: BatchServices;
  readonly #parts = new Map<BatchStateKind<object>, BatchStatePart>();

  constructor(db: Kysely<ReadModelDatabase>, services: BatchServices) {
    this.#db = db;
    this.#services = services;
  }

  of<S extends object>(kind: BatchStateKind<S>): S {
    let part = this.#parts.get(kind);
    if (!part) {
      part = kind.create(this.#db, this.#services);
      this.#parts.set(kind, part);
    }
    return part as S;
  }

  /** Writes what the batch left to write. Before the checkpoint: a crash repeats the batch, which decides the same again. */
  async flush(): Promise<void> {
    await Promise.all([...this.#parts.values()].map((part) => part.flush?.()));
  }
}
