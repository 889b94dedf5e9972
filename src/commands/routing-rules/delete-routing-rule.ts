import type { Result } from '../../domain/result.ts';
import { ROUTING_RULE_EVENT_TYPES as T, decideDeleteRoutingRule, type RoutingRuleRejection } from '../../domain/staff-routing/routing-rule.ts';
import { changeRoutingRule, type CommandDeps, type RuleChanged } from './routing-rule-change.ts';

export async function deleteRoutingRule(
  deps: CommandDeps,
  command: { ruleId: string; expectedVersion?: number | null; actor: string },
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  return changeRoutingRule(deps, command.ruleId, T.deleted, (state, now) =>
    decideDeleteRoutingRule(state, command.ruleId, command.expectedVersion ?? null, { actor: command.actor, now }));
}
