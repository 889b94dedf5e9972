import { DEFAULT_ROUTING_RULES, SYSTEM_ACTOR } from '../../domain/staff-routing/default-routing-rules.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { ok } from '../../domain/result.ts';
import { ROUTING_RULE_EVENT_TYPES as T, evolveRoutingRule, initialRoutingRuleState } from '../../domain/staff-routing/routing-rule.ts';
import { streamName } from '../../domain/stream-name.ts';
import { handleCommand } from '../handle-command.ts';
import type { CommandDeps } from './routing-rule-change.ts';

/**
 * Installs the default rules once, as made by `system`. Each goes in only where its stream does not
 * exist, so several instances starting together install each once, and a default an admin deleted
 * stays deleted.
 */
export async function installDefaultRoutingRules(deps: CommandDeps): Promise<string[]> {
  const installed: string[] = [];
  for (const { id, rule } of DEFAULT_ROUTING_RULES) {
    const result = await handleCommand(
      deps.store,
      streamName.routingRule(id),
      { initialState: initialRoutingRuleState, evolve: evolveRoutingRule },
      (state, _command: null, now) => {
        if (state.version > 0) return ok({ answer: false, events: [] });
        const data = { ruleId: id, version: 1, rule, at: now.toISOString(), actor: SYSTEM_ACTOR };
        return ok({ answer: true, events: [{ id: deterministicUuid('routing-rule-event', id, 1), type: T.created, data, metadata: { actor: SYSTEM_ACTOR } }] });
      },
      { command: null, clock: deps.clock, start: 'assume-new' },
    );
    if (result.ok && result.value.answer) installed.push(id);
  }
  return installed;
}
