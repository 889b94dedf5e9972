import { sql, type Transaction } from 'kysely';
import { DUPLICATE_IGNORED, INBOUND_RECEIVED, type DuplicateIgnored, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { categoryOf, idOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { applyFolded } from '../fold-rows.ts';
import { jsonRecordset, recordsetColumns, recordsetRows } from '../json-recordset.ts';
import type { Projection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Trx = Transaction<ReadModelDatabase>;

/** An inbound event's row as a batch leaves it; `created` holds what only its first receipt writes. */
interface InboxRow {
  event_id: string;
  created: { event_type: string; occurred_at: string; first_received_at: string; via: string; centre_id: string | null } | null;
  receipts: number;
  last_received_at: string;
  duplicates: number;
  mismatched_duplicates: number;
  applied_revision: bigint;
}

/** Every inbound event as received: when, how, how often repeated. */
export const inboxProjection: Projection = {
  name: 'inbox',
  kind: 'read-model',
  handles: (e) => categoryOf(e.stream) === 'inbound' && (e.type === INBOUND_RECEIVED || e.type === DUPLICATE_IGNORED),
  /** The batch folded per inbound event onto its row (locked), then one insert and one update. */
  applyAll: (trx, events) =>
    applyFolded<InboxRow>(trx, events, {
      rowOf: (e) => idOf(e.stream)!,
      // An inbound stream begins with the event's receipt, which makes its row.
      creates: (e) => e.revision === 0n,
      fold: foldInboxEvent,
      lock: lockInboxRows,
      insert: insertInboxRows,
      update: updateInboxRows,
    }),
};

/** A receipt counts once per revision: an event at or below the row's revision changes nothing. */
function foldInboxEvent(row: InboxRow | null, eventId: string, event: RecordedEvent): InboxRow | null {
  if (row && row.applied_revision >= event.revision) return row;
  if (event.type === INBOUND_RECEIVED) {
    const data = event.data as InboundEventReceived;
    if (row) return { ...row, receipts: row.receipts + 1, last_received_at: data.receivedAt, applied_revision: event.revision };
    const centre = (data.data as { centre?: { id?: unknown } }).centre;
    return {
      event_id: eventId,
      created: {
        event_type: data.type,
        occurred_at: data.occurredAt,
        first_received_at: data.receivedAt,
        via: data.via,
        centre_id: typeof centre?.id === 'string' ? centre.id : null,
      },
      receipts: 1,
      last_received_at: data.receivedAt,
      duplicates: 0,
      mismatched_duplicates: 0,
      applied_revision: event.revision,
    };
  }
  if (!row) return row;
  const data = event.data as DuplicateIgnored;
  return {
    ...row,
    duplicates: row.duplicates + 1,
    mismatched_duplicates: row.mismatched_duplicates + (data.payloadMatches ? 0 : 1),
    applied_revision: event.revision,
  };
}

async function lockInboxRows(trx: Trx, ids: readonly string[]): Promise<Map<string, InboxRow>> {
  const rows = await trx
    .selectFrom('inbound_events')
    .select(['event_id', 'receipts', 'last_received_at', 'duplicates', 'mismatched_duplicates', 'applied_revision'])
    .where('event_id', '=', sql<string>`any(${[...ids]}::text[])`)
    .orderBy('event_id')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.event_id, {
    event_id: r.event_id,
    created: null,
    receipts: r.receipts,
    last_received_at: new Date(r.last_received_at).toISOString(),
    duplicates: r.duplicates,
    mismatched_duplicates: r.mismatched_duplicates,
    applied_revision: BigInt(r.applied_revision),
  }]));
}

const counts = (r: InboxRow) => ({
  event_id: r.event_id,
  receipts: r.receipts,
  last_received_at: r.last_received_at,
  duplicates: r.duplicates,
  mismatched_duplicates: r.mismatched_duplicates,
  applied_revision: r.applied_revision.toString(),
});

const COUNT_COLUMNS = {
  event_id: 'text', receipts: 'integer', last_received_at: 'timestamptz', duplicates: 'integer',
  mismatched_duplicates: 'integer', applied_revision: 'bigint',
} as const;
const NEW_ROW_COLUMNS = {
  ...COUNT_COLUMNS, event_type: 'text', occurred_at: 'timestamptz', first_received_at: 'timestamptz', via: 'text', centre_id: 'text',
} as const;

/** The counts with what the receipt was, assigned in place: see `newRowColumns` for notifications. */
const newRowColumns = (r: InboxRow) => Object.assign(counts(r), r.created!);

async function insertInboxRows(trx: Trx, rows: readonly InboxRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const records = [...rows].sort((a, b) => (a.event_id < b.event_id ? -1 : 1)).map(newRowColumns);
  const inserted = await trx
    .insertInto('inbound_events')
    .columns(recordsetColumns(NEW_ROW_COLUMNS))
    .expression(recordsetRows(records, NEW_ROW_COLUMNS))
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .execute();
  return new Set(inserted.map((r) => r.event_id));
}

async function updateInboxRows(trx: Trx, rows: readonly InboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .updateTable('inbound_events as i')
    .from(jsonRecordset(rows.map(counts), COUNT_COLUMNS, 'v'))
    .set({
      receipts: sql`v.receipts`,
      last_received_at: sql`v.last_received_at`,
      duplicates: sql`v.duplicates`,
      mismatched_duplicates: sql`v.mismatched_duplicates`,
      applied_revision: sql`v.applied_revision`,
    })
    .where(sql<boolean>`i.event_id = v.event_id and i.applied_revision < v.applied_revision`)
    .execute();
}
