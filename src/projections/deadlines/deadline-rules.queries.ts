import { sql, type Kysely } from 'kysely';
import type { DeadlineRule, RelevanceDeadlineSet } from '../../domain/notifications/relevance-deadline.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

const EVERY_CENTRE = '';

/** The latest rule per (event type, centre); a repeated batch writes the same row again. */
export async function saveDeadlineRule(db: Db, set: RelevanceDeadlineSet, position: LedgerPosition): Promise<void> {
  const values = { rule: JSON.stringify(set.rule), actor: set.actor, set_at: set.at, last_commit: position.commit.toString(), last_prepare: position.prepare.toString() };
  await db
    .insertInto('deadline_rules')
    .values({ event_type: set.eventType, centre_id: set.centreId ?? EVERY_CENTRE, ...values })
    .onConflict((oc) => oc
      .columns(['event_type', 'centre_id'])
      .doUpdateSet(values)
      .where(sql<boolean>`(deadline_rules.last_commit, deadline_rules.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Every rule admins set, by `eventType|centreId` ('' for every centre): a handful of rows. */
export async function loadDeadlineRules(db: Db): Promise<Map<string, DeadlineRule>> {
  const rows = await db.selectFrom('deadline_rules').select(['event_type', 'centre_id', 'rule']).execute();
  return new Map(rows.map((r) => [deadlineRuleKey(r.event_type, r.centre_id), r.rule as DeadlineRule]));
}

export const deadlineRuleKey = (eventType: string, centreId: string | null): string => `${eventType}|${centreId ?? EVERY_CENTRE}`;
