import { sql, type Kysely } from 'kysely';

// The ledger: one row per event, one row per stream holding its current revision.
// Readers order by (transaction_id, global_position) and read only below the oldest
// running transaction, so an event committed late is never skipped by a reader that passed it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_streams (
      stream_name text primary key,
      revision bigint not null
    )
  `.execute(db);
  await sql`
    create table ledger_events (
      global_position bigint generated always as identity primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      stream_name text not null,
      stream_revision bigint not null,
      event_id uuid not null,
      event_type text not null,
      data jsonb not null,
      metadata jsonb not null,
      recorded_at timestamptz not null default now(),
      unique (stream_name, stream_revision)
    )
  `.execute(db);
  await sql`create index ledger_events_order on ledger_events (transaction_id, global_position)`.execute(db);

  // One round trip and one commit per append. p_expected: -1 = no stream, >= 0 = exact revision,
  // null = any. Answers ok = false with the actual revision (-1 = no stream) on a lost race.
  await sql`
    create function ledger_append(p_stream text, p_expected bigint, p_any boolean, p_events jsonb)
    returns table (ok boolean, revision bigint, transaction_id text, global_position text)
    language plpgsql as $$
    declare
      v_count int := jsonb_array_length(p_events);
      v_before bigint;
      v_actual bigint;
      v_last bigint;
    begin
      if p_any then
        insert into ledger_streams as s (stream_name, revision) values (p_stream, v_count - 1)
          on conflict (stream_name) do update set revision = s.revision + v_count
          returning s.revision - v_count into v_before;
      elsif p_expected = -1 then
        insert into ledger_streams (stream_name, revision) values (p_stream, v_count - 1)
          on conflict do nothing;
        if not found then
          select s.revision into v_actual from ledger_streams s where s.stream_name = p_stream;
          return query select false, v_actual, null::text, null::text;
          return;
        end if;
        v_before := -1;
      else
        update ledger_streams s set revision = s.revision + v_count
          where s.stream_name = p_stream and s.revision = p_expected;
        if not found then
          select s.revision into v_actual from ledger_streams s where s.stream_name = p_stream;
          return query select false, coalesce(v_actual, -1), null::text, null::text;
          return;
        end if;
        v_before := p_expected;
      end if;

      insert into ledger_events (stream_name, stream_revision, event_id, event_type, data, metadata)
        select p_stream, v_before + e.ordinality, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
        from jsonb_array_elements(p_events) with ordinality as e;
      select max(le.global_position) into v_last from ledger_events le
        where le.stream_name = p_stream and le.stream_revision = v_before + v_count;
      return query select true, v_before + v_count, pg_current_xact_id()::text, v_last::text;
    end
    $$
  `.execute(db);
}
