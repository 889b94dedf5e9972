import type { EventStore, LedgerPosition, RecordedEvent } from '../../src/ledger/event-store.ts';
import { comparePositions } from '../../src/ledger/event-store.ts';
import { until } from './until.ts';

/**
 * `readAll` once it reaches the head as it stood when asked. A read of the whole ledger stops
 * before any transaction still running anywhere on the server (that is how it never skips an
 * event), and on a machine running other test files beside this one some always are for a moment:
 * a test that appended and reads straight back waits for what it appended to be readable.
 */
export async function readAllVisible(store: Pick<EventStore, 'readAll' | 'headPosition'>, after: LedgerPosition | null, limit: number): Promise<RecordedEvent[]> {
  const head = await store.headPosition();
  if (head === null || (after !== null && comparePositions(after, head) >= 0)) return store.readAll(after, limit);
  return until(async () => {
    const events = await store.readAll(after, limit);
    const last = events.at(-1);
    return events.length === limit || (last !== undefined && comparePositions(last.position, head) >= 0) ? events : null;
  }, { what: 'the ledger readable up to its head' });
}
