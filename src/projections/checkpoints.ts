import { sql, type Kysely } from 'kysely';
import type { LedgerPosition } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

// Several instances share one database and each runs every projection: the one behind must not move
// the stored checkpoint back over what the one ahead applied (a restart would apply it again).
const isAhead = sql<boolean>`(excluded.commit_position::numeric, excluded.prepare_position::numeric)
  > (projection_checkpoints.commit_position::numeric, projection_checkpoints.prepare_position::numeric)`;

export async function loadCheckpoint(db: Kysely<ReadModelDatabase>, projection: string): Promise<LedgerPosition | null> {
  const row = await db
    .selectFrom('projection_checkpoints')
    .select(['commit_position', 'prepare_position'])
    .where('projection', '=', projection)
    .executeTakeFirst();
  return row ? { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) } : null;
}

/** The whole position pair: a position alone would skip and repeat events committed out of order. */
export async function saveCheckpoint(db: Kysely<ReadModelDatabase>, projection: string, position: LedgerPosition, at: Date): Promise<void> {
  const values = { commit_position: position.commit.toString(), prepare_position: position.prepare.toString(), updated_at: at };
  await db
    .insertInto('projection_checkpoints')
    .values({ projection, ...values })
    .onConflict((oc) => oc.column('projection').doUpdateSet(values).where(isAhead))
    .execute();
}

/** Several projections that applied the same batch in one transaction: one statement for all. */
export async function saveCheckpoints(db: Kysely<ReadModelDatabase>, projections: readonly string[], position: LedgerPosition, at: Date): Promise<void> {
  if (projections.length === 0) return;
  const values = { commit_position: position.commit.toString(), prepare_position: position.prepare.toString(), updated_at: at };
  await db
    .insertInto('projection_checkpoints')
    .values(projections.map((projection) => ({ projection, ...values })))
    .onConflict((oc) => oc.column('projection').doUpdateSet((eb) => ({
      commit_position: eb.ref('excluded.commit_position'),
      prepare_position: eb.ref('excluded.prepare_position'),
      updated_at: eb.ref('excluded.updated_at'),
    })).where(isAhead))
    .execute();
}
