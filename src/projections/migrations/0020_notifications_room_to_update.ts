import { sql, type Kysely } from 'kysely';

// A notification's row is updated three or four times after its insert (claimed, attempt started,
// taken off the queue, sent). Full pages left each update no room beside the old version, so every
// one wrote a new version elsewhere and an entry in each of the table's indexes. With room on the
// page, PostgreSQL updates in place (a HOT update) whatever changes no indexed column: the claim,
// and the read model's updates once the dispatcher has taken the row off the queue. New pages only;
// the rows already there move as they are updated.
//
// The index on provider_message_id served the first provider callbacks; they find notifications
// through provider_messages since 0006, and nothing reads it, while every send updated it.
//
// A claim reads one channel's due rows off its index. Every row that left the queue left an entry
// there behind it, which only a vacuum removes, or a plain index scan that finds its row gone and
// marks it dead for the scans after it. The planner, counting on the few rows that are due, takes
// a bitmap scan instead, which marks nothing and visits the row of every entry, every time: a claim
// read thousands of pages after a busy minute (and for as long as the table is not vacuumed). The
// claim's rows come from this function, which plans its one query with bitmap scans off.
export async function up(db: Kysely<unknown>): Promise<void> {
  const notifications = nameInSchema(db, 'notifications');
  await sql`alter table ${notifications} set (fillfactor = 60)`.execute(db);
  await db.schema.dropIndex('notifications_provider_message').execute();
  await sql`
    create function ${nameInSchema(db, 'notifications_due')}(p_channel text, p_now timestamptz, p_limit int) returns setof uuid
    language sql
    set enable_bitmapscan = off
    as $$
      select notification_id from ${notifications}
       where channel = p_channel and due_at <= p_now and (locked_until is null or locked_until < p_now)
       order by due_at
       limit p_limit
         for update skip locked
    $$`.execute(db);
}

/**
 * A name as the query builder writes it: in the schema a rebuild migrates into (`withSchema`),
 * which raw SQL does not learn of by itself.
 */
function nameInSchema(db: Kysely<unknown>, name: string) {
  const { sql: text } = (db as Kysely<Record<string, object>>).selectFrom(name).selectAll().compile();
  return sql.raw(text.slice('select * from '.length));
}
