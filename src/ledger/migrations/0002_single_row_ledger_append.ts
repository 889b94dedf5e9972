import { sql, type Kysely } from 'kysely';

// ledger_append again, same arguments and same answer columns, made cheaper for the common case
// of one event per append: it returns one row instead of a set (no tuplestore), inserts a single
// event without unnesting the array, and takes the new global position from RETURNING instead of
// looking it up again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ledger_append(text, bigint, boolean, jsonb)`.execute(db);
  await sql`
    create function ledger_append(p_stream text, p_expected bigint, p_any boolean, p_events jsonb,
      out ok boolean, out revision bigint, out transaction_id text, out global_position text)
    language plpgsql as $$
    declare
      v_count int := jsonb_array_length(p_events);
      v_before bigint;
      v_last bigint;
    begin
      ok := false;
      if p_any then
        insert into ledger_streams as s (stream_name, revision) values (p_stream, v_count - 1)
          on conflict (stream_name) do update set revision = s.revision + v_count
          returning s.revision - v_count into v_before;
      elsif p_expected = -1 then
        insert into ledger_streams (stream_name, revision) values (p_stream, v_count - 1)
          on conflict do nothing;
        if not found then
          select s.revision into revision from ledger_streams s where s.stream_name = p_stream;
          return;
        end if;
        v_before := -1;
      else
        update ledger_streams s set revision = s.revision + v_count
          where s.stream_name = p_stream and s.revision = p_expected;
        if not found then
          select s.revision into revision from ledger_streams s where s.stream_name = p_stream;
          revision := coalesce(revision, -1);
          return;
        end if;
        v_before := p_expected;
      end if;

      if v_count = 1 then
        insert into ledger_events (stream_name, stream_revision, event_id, event_type, data, metadata)
          values (p_stream, v_before + 1, (p_events->0->>'id')::uuid, p_events->0->>'type', p_events->0->'data', p_events->0->'metadata')
          returning ledger_events.global_position into v_last;
      else
        with inserted as (
          insert into ledger_events (stream_name, stream_revision, event_id, event_type, data, metadata)
            select p_stream, v_before + e.ordinality, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
              from jsonb_array_elements(p_events) with ordinality as e
            returning ledger_events.global_position
        )
        select max(i.global_position) into v_last from inserted i;
      end if;
      ok := true;
      revision := v_before + v_count;
      transaction_id := pg_current_xact_id()::text;
      global_position := v_last::text;
    end
    $$
  `.execute(db);
}
