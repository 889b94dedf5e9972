import { sql, type Kysely } from 'kysely';

// The dispatcher claims per channel (a channel held to its rate limit must not hold another back),
// so a claim asks for one channel's oldest due rows. On the due index alone it walks past every row
// of the other channels, or (where statistics are missing) sorts every due row for each claim.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('notifications_due_by_channel')
    .on('notifications')
    .columns(['channel', 'due_at'])
    .where(sql.ref('due_at'), 'is not', null)
    .execute();
}
