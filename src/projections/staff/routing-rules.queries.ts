import type { Kysely } from 'kysely';
import type { RoutingRule, RoutingRuleSpec } from '../../domain/staff-routing/routing-rule.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { recordedBefore } from './staff-directory.queries.ts';

type Db = Kysely<ReadModelDatabase>;

export interface RoutingRuleView extends RoutingRule {
  deleted: boolean;
  changedBy: string;
  changedAt: Date;
}

export async function recordRoutingRuleVersion(
  db: Db,
  v: { ruleId: string; version: number; rule: RoutingRuleSpec; deleted: boolean; position: LedgerPosition; actor: string; at: string },
): Promise<void> {
  await db
    .insertInto('routing_rule_versions')
    .values({
      rule_id: v.ruleId,
      version: v.version,
      commit_position: v.position.commit.toString(),
      prepare_position: v.position.prepare.toString(),
      rule: JSON.stringify(v.rule),
      deleted: v.deleted,
      actor: v.actor,
      changed_at: v.at,
    })
    .onConflict((oc) => oc.columns(['rule_id', 'version']).doNothing())
    .execute();
}

/** The rule as it was at a version (for a deletion: as it was when deleted). */
export async function routingRuleVersion(db: Db, ruleId: string, version: number): Promise<RoutingRuleSpec | null> {
  const row = await db.selectFrom('routing_rule_versions').select('rule').where('rule_id', '=', ruleId).where('version', '=', version).executeTakeFirst();
  return row ? (row.rule as RoutingRuleSpec) : null;
}

/** The live rules (disabled ones included) as they stood just before `position`. */
export async function routingRulesAsOf(db: Db, position: LedgerPosition): Promise<RoutingRule[]> {
  const rows = await db
    .selectFrom('routing_rule_versions')
    .distinctOn('rule_id')
    .select(['rule_id', 'version', 'rule', 'deleted'])
    .where(recordedBefore(position))
    .orderBy('rule_id')
    .orderBy('version', 'desc')
    .execute();
  return rows.filter((r) => !r.deleted).map((r) => ({ ...(r.rule as RoutingRuleSpec), id: r.rule_id, version: r.version }));
}

/** The rules as the planner has applied them so far, highest priority first: the API's view. */
export async function listRoutingRules(db: Db, options: { includeDeleted?: boolean } = {}): Promise<RoutingRuleView[]> {
  const rows = await db
    .selectFrom('routing_rule_versions')
    .distinctOn('rule_id')
    .select(['rule_id', 'version', 'rule', 'deleted', 'actor', 'changed_at'])
    .orderBy('rule_id')
    .orderBy('version', 'desc')
    .execute();
  return rows
    .filter((r) => options.includeDeleted || !r.deleted)
    .map(toView)
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
}

/** Every version of one rule, oldest first: who changed what, when. */
export async function routingRuleHistory(db: Db, ruleId: string): Promise<RoutingRuleView[]> {
  const rows = await db
    .selectFrom('routing_rule_versions')
    .select(['rule_id', 'version', 'rule', 'deleted', 'actor', 'changed_at'])
    .where('rule_id', '=', ruleId)
    .orderBy('version')
    .execute();
  return rows.map(toView);
}

function toView(r: { rule_id: string; version: number; rule: unknown; deleted: boolean; actor: string; changed_at: Date }): RoutingRuleView {
  return { ...(r.rule as RoutingRuleSpec), id: r.rule_id, version: r.version, deleted: r.deleted, changedBy: r.actor, changedAt: new Date(r.changed_at) };
}
