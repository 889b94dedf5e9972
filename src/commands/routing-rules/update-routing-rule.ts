import type { Result } from '../../domain/result.ts';
import { ROUTING_RULE_EVENT_TYPES as T, decideUpdateRoutingRule, specOf, type RoutingRuleRejection, type RoutingRuleSpec } from '../../domain/staff-routing/routing-rule.ts';
import { changeRoutingRule, existingStaffIds, type CommandDeps, type RuleChanged } from './routing-rule-change.ts';

/**
 * Changes a rule: `changes` holds the fields to change (the rest stay as they are; `targets` by
 * part), and the rule gets the next version. With `expectedVersion`, a rule someone else changed
 * meanwhile is refused.
 */
export async function updateRoutingRule(
  deps: CommandDeps,
  command: { ruleId: string; changes: Record<string, unknown>; expectedVersion?: number | null; actor: string },
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  // Looked up before the read, so the decider stays pure. Staff the rule already names were checked
  // when it was written, and a member's stream is never removed, so they count as known.
  const namedInChanges = await existingStaffIds(deps.store, command.changes);
  return changeRoutingRule(deps, command.ruleId, T.updated, (state, now) => {
    const input = state.rule ? mergeChanges(specOf(state.rule), command.changes) : command.changes;
    const knownStaffIds = new Set([...namedInChanges, ...(state.rule?.targets.staffIds ?? [])]);
    return decideUpdateRoutingRule(state, command.ruleId, input, command.expectedVersion ?? null, { actor: command.actor, now, knownStaffIds });
  });
}

/** Fields given replace the rule's; `targets` merges by part, so changing roles keeps named members. */
function mergeChanges(current: RoutingRuleSpec, changes: Record<string, unknown>): Record<string, unknown> {
  const targets = changes.targets;
  const merged: Record<string, unknown> = { ...current, ...changes };
  if (typeof targets === 'object' && targets !== null && !Array.isArray(targets)) merged.targets = { ...current.targets, ...targets };
  return merged;
}
