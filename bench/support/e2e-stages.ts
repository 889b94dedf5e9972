import { sql, type QueryExecutorProvider } from 'kysely';
import { streamName } from '../../src/domain/stream-name.ts';

export interface StageLatencies {
  /** Inbound event recorded -> its notifications planned. */
  recordedToPlanned: { p50: number; p99: number };
  /** Notification planned -> its first attempt started (read model, claim, attempt append). */
  plannedToAttempt: { p50: number; p99: number };
}

/**
 * Where an event's time goes between the ledger's stages, read from the ledger itself: each
 * event's `recorded_at` is its transaction's start on the database's clock, so the stages compare
 * with each other (not with the publisher's clock). Milliseconds.
 */
export async function stageLatencies(db: QueryExecutorProvider, eventIds: readonly string[]): Promise<StageLatencies> {
  const { rows } = await sql<{ a50: number; a99: number; b50: number; b99: number }>`
    with inbound as (
      select e.data->>'eventId' as event_id, e.recorded_at
        from ledger_events e
       where e.event_type = 'InboundEventReceived' and e.stream_name = any(${eventIds.map((id) => streamName.inbound(id))}::text[])
    ), planned as (
      select e.data->>'eventId' as event_id, e.stream_name, e.recorded_at
        from ledger_events e
       where e.event_type = 'NotificationPlanned' and e.data->>'eventId' = any(${[...eventIds]}::text[])
    ), started as (
      select e.stream_name, min(e.recorded_at) as recorded_at
        from ledger_events e
       where e.event_type = 'AttemptStarted' and e.stream_name in (select stream_name from planned)
       group by e.stream_name
    ), stages as (
      select extract(epoch from p.recorded_at - i.recorded_at) * 1000 as a,
             extract(epoch from s.recorded_at - p.recorded_at) * 1000 as b
        from inbound i join planned p using (event_id) join started s using (stream_name)
    )
    select percentile_cont(0.5) within group (order by a) as a50, percentile_cont(0.99) within group (order by a) as a99,
           percentile_cont(0.5) within group (order by b) as b50, percentile_cont(0.99) within group (order by b) as b99
      from stages
  `.execute(db);
  const row = rows[0]!;
  const ms = (value: number) => Number(Number(value).toFixed(1));
  return { recordedToPlanned: { p50: ms(row.a50), p99: ms(row.a99) }, plannedToAttempt: { p50: ms(row.b50), p99: ms(row.b99) } };
}
