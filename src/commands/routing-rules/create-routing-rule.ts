import { randomUUID } from 'node:crypto';
import { err, type Result } from '../../domain/result.ts';
import { ROUTING_RULE_EVENT_TYPES as T, decideCreateRoutingRule, type RoutingRuleRejection } from '../../domain/staff-routing/routing-rule.ts';
import { StaffId } from '../../domain/staff-routing/staff-directory.ts';
import { changeRoutingRule, existingStaffIds, type CommandDeps, type RuleChanged } from './routing-rule-change.ts';

/** Creates a rule at version 1. Refused with every problem in the input, nothing appended. */
export async function createRoutingRule(
  deps: CommandDeps,
  command: { input: unknown; actor: string; ruleId?: string },
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  const ruleId = command.ruleId ?? randomUUID();
  if (!StaffId.safeParse(ruleId).success) {
    return err({ kind: 'invalid-input', issues: [{ field: 'id', code: 'invalid', message: 'must be 1-128 letters, digits or . _ : @ -' }] });
  }
  const knownStaffIds = await existingStaffIds(deps.store, command.input);
  return changeRoutingRule(deps, ruleId, T.created, (state, now) =>
    decideCreateRoutingRule(state, ruleId, command.input, { actor: command.actor, now, knownStaffIds }));
}
