import { sql, type Kysely } from 'kysely';
import type { EventStore, LedgerPosition, RecordedEvent } from '../../src/ledger/event-store.ts';
import { comparePositions } from '../../src/ledger/event-store.ts';
import { until } from './until.ts';

/**
 * `readAll` once it reaches `upTo` (a position the test appended, or `lastCommitted`). A read of
 * the whole ledger, and its head position, stop before any transaction still running anywhere on
 * the server (that is how it never skips an event), and on a machine running other test files
 * beside this one some always are for a moment: a test that appended and reads straight back waits
 * for what it appended to be readable.
 */
export async function readAllVisible(store: Pick<EventStore, 'readAll'>, after: LedgerPosition | null, limit: number, upTo: LedgerPosition | null): Promise<RecordedEvent[]> {
  if (upTo === null || (after !== null && comparePositions(after, upTo) >= 0)) return store.readAll(after, limit);
  return until(async () => {
    const events = await store.readAll(after, limit);
    const last = events.at(-1);
    return events.length === limit || (last !== undefined && comparePositions(last.position, upTo) >= 0) ? events : null;
  }, { what: 'the ledger readable up to what was appended' });
}

/** The position of the last event committed to a PostgreSQL or PGlite ledger, readable or not yet. */
export async function lastCommitted<DB>(db: Kysely<DB>): Promise<LedgerPosition | null> {
  const { rows } = await sql<{ transaction_id: string; global_position: string }>`
    select transaction_id::text, global_position::text from ledger_events order by transaction_id desc, global_position desc limit 1`.execute(db);
  const row = rows[0];
  return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : null;
}
