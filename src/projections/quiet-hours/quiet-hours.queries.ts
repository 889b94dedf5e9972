import { sql, type Kysely } from 'kysely';
import type { QuietHours } from '../../domain/notifications/quiet-hours.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

export interface QuietHoursChange {
  centreId: string;
  /** Null: cleared. */
  quietHours: QuietHours | null;
  actor: string;
  at: string;
}

/** The latest setting per centre; a repeated batch writes the same row again, an older one changes nothing. */
export async function saveQuietHours(db: Db, change: QuietHoursChange, position: LedgerPosition): Promise<void> {
  const values = {
    quiet_hours: change.quietHours === null ? null : JSON.stringify(change.quietHours),
    actor: change.actor,
    set_at: change.at,
    last_commit: position.commit.toString(),
    last_prepare: position.prepare.toString(),
  };
  await db
    .insertInto('quiet_hours')
    .values({ centre_id: change.centreId, ...values })
    .onConflict((oc) => oc
      .column('centre_id')
      .doUpdateSet(values)
      .where(sql<boolean>`(quiet_hours.last_commit, quiet_hours.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Every centre's quiet hours in force: a handful of rows, read once per planner batch. */
export async function loadQuietHours(db: Db): Promise<Map<string, QuietHours>> {
  const rows = await db.selectFrom('quiet_hours').select(['centre_id', 'quiet_hours']).where('quiet_hours', 'is not', null).execute();
  return new Map(rows.map((r) => [r.centre_id, r.quiet_hours as QuietHours]));
}

/** One centre's quiet hours as last set or cleared, with who did it; null if never. */
export async function quietHoursOf(db: Db, centreId: string): Promise<{ quietHours: QuietHours | null; actor: string; setAt: Date } | null> {
  const row = await db.selectFrom('quiet_hours').select(['quiet_hours', 'actor', 'set_at']).where('centre_id', '=', centreId).executeTakeFirst();
  return row ? { quietHours: (row.quiet_hours as QuietHours | null) ?? null, actor: row.actor, setAt: new Date(row.set_at) } : null;
}
