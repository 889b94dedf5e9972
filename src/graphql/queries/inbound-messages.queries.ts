import { sql, type Kysely, type Selectable } from 'kysely';
import type { InboundMessageTable } from '../../projections/provider-callbacks/provider-callback.tables.ts';
import type { ReadModelDatabase } from '../../projections/read-model-database.ts';

export type InboundMessagePageRow = Selectable<InboundMessageTable> & { received_at_micros: string };

export interface InboundMessageCursor {
  receivedAtMicros: string;
  messageId: string;
}

export interface InboundMessageFilter {
  channel?: string | null;
  /** Received at or after. */
  from?: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One page of inbound messages, newest first, after `cursor` (keyset on received_at, message_id;
 * the index inbound_messages_received serves it). Asks for one row more than `limit` to know
 * whether another page follows.
 */
export async function listInboundMessages(
  db: Kysely<ReadModelDatabase>,
  filter: InboundMessageFilter,
  page: { limit: number; after: InboundMessageCursor | null },
): Promise<{ rows: InboundMessagePageRow[]; hasNextPage: boolean }> {
  let query = db
    .selectFrom('inbound_messages')
    .selectAll()
    .select(sql<string>`(extract(epoch from received_at) * 1000000)::bigint::text`.as('received_at_micros'));
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.from) query = query.where('received_at', '>=', filter.from);
  if (page.after) {
    const at = sql<Date>`timestamptz 'epoch' + ${page.after.receivedAtMicros}::bigint * interval '1 microsecond'`;
    query = query.where(sql<boolean>`(received_at, message_id) < (${at}, ${page.after.messageId}::uuid)`);
  }
  const rows = await query.orderBy('received_at', 'desc').orderBy('message_id', 'desc').limit(page.limit + 1).execute();
  return { rows: rows.slice(0, page.limit), hasNextPage: rows.length > page.limit };
}

export function encodeInboundCursor(row: InboundMessagePageRow): string {
  return Buffer.from(`${row.received_at_micros}:${row.message_id}`).toString('base64url');
}

export function decodeInboundCursor(cursor: string): InboundMessageCursor | null {
  const match = /^(\d{1,19}):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !UUID.test(match[2]!)) return null;
  return { receivedAtMicros: match[1]!, messageId: match[2]! };
}
