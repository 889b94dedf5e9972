import type { Kysely, Selectable } from 'kysely';
import type { InboundEventTable, ReadModelDatabase } from '../../projections/read-model-database.ts';

export type InboundEventRow = Selectable<InboundEventTable>;

export async function findInboundEvent(db: Kysely<ReadModelDatabase>, eventId: string): Promise<InboundEventRow | null> {
  const row = await db.selectFrom('inbound_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  return row ?? null;
}
