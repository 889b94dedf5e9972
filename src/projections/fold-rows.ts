import type { Transaction } from 'kysely';
import type { RecordedEvent } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

type Trx = Transaction<ReadModelDatabase>;

/** How a read model keeps one row per stream: its events folded onto the row, the row written back. */
export interface RowFold<Row> {
  /** The row an event changes. */
  rowOf(event: RecordedEvent): string;
  /** One event applied; the same row back when it changes nothing (already applied, or not for this model). */
  fold(row: Row | null, id: string, event: RecordedEvent): Row | null;
  /**
   * Whether the event starts its row (its stream's first): a row whose batch begins with one is not
   * read first, as it cannot be there yet but after a crash or beside another instance; the insert
   * then finds it there, and the batch is folded onto it as it stands.
   */
  creates?(event: RecordedEvent): boolean;
  /** The rows as they stand, locked in id order so two instances never wait on each other in a cycle. */
  lock(trx: Trx, ids: readonly string[]): Promise<Map<string, Row>>;
  /** New rows; answers the ids it inserted (another instance may have been first). */
  insert(trx: Trx, rows: readonly Row[]): Promise<Set<string>>;
  /** Rows already there, moved on. */
  update(trx: Trx, rows: readonly Row[]): Promise<void>;
}

/**
 * A batch's events folded per row onto the row as it stands, then written back: new rows in one
 * statement, moved rows in one more, whatever the number of events. Applying a batch again changes
 * nothing, as each fold skips what the row has already seen.
 */
export async function applyFolded<Row>(trx: Trx, events: readonly RecordedEvent[], model: RowFold<Row>): Promise<void> {
  const byRow = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const id = model.rowOf(event);
    const list = byRow.get(id);
    if (list) list.push(event);
    else byRow.set(id, [event]);
  }
  const fold = (id: string, start: Row | null) => byRow.get(id)!.reduce<Row | null>((row, event) => model.fold(row, id, event), start);

  // Rows the batch starts are not read: a batch of new notifications is one statement fewer.
  const existing = [...byRow].filter(([, rowEvents]) => !model.creates?.(rowEvents[0]!)).map(([id]) => id);
  const rows = existing.length > 0 ? await model.lock(trx, existing) : new Map<string, Row>();
  const created = new Map<string, Row>();
  const moved: Row[] = [];
  for (const id of byRow.keys()) {
    const before = rows.get(id) ?? null;
    const after = fold(id, before);
    if (after === null || after === before) continue;
    if (before) moved.push(after);
    else created.set(id, after);
  }
  const inserted = await model.insert(trx, [...created.values()]);
  // Another instance created some of them first, or an earlier run of this batch: fold it onto the rows there.
  const lost = [...created.keys()].filter((id) => !inserted.has(id));
  if (lost.length > 0) {
    const current = await model.lock(trx, lost);
    for (const id of lost) {
      const before = current.get(id) ?? null;
      const after = fold(id, before);
      if (before && after && after !== before) moved.push(after);
    }
  }
  await model.update(trx, moved);
}
