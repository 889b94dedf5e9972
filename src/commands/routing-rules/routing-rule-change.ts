import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import {
  evolveRoutingRule,
  initialRoutingRuleState,
  type RoutingRule,
  type RoutingRuleRejection,
  type RoutingRuleState,
} from '../../domain/staff-routing/routing-rule.ts';
import { StaffId } from '../../domain/staff-routing/staff-directory.ts';
import { streamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { handleCommand, isConflict, type Decided } from '../handle-command.ts';

export interface CommandDeps {
  store: EventStore;
  clock: Clock;
}

/** What a change to the ledger came to: the rule as it now is, and where the change sits. */
export interface RuleChanged {
  rule: RoutingRule;
  /** When the change was made, as the ledger records it (the Clock's instant, not the answer's). */
  at: string;
  position: LedgerPosition;
}

type RuleDecision = Result<{ rule: RoutingRule; event: { version: number; actor: string; at: string } }, RoutingRuleRejection>;

/** Runs one routing-rule decider through the command handler; a lost race answers `version-conflict`. */
export async function changeRoutingRule(
  deps: CommandDeps,
  ruleId: string,
  type: string,
  decide: (state: RoutingRuleState, now: Date) => RuleDecision,
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  if (!StaffId.safeParse(ruleId).success) return err({ kind: 'not-found', ruleId });
  const result = await handleCommand(
    deps.store,
    streamName.routingRule(ruleId),
    { initialState: initialRoutingRuleState, evolve: evolveRoutingRule },
    (state, _command: null, now): Result<Decided<{ rule: RoutingRule; at: string }>, RoutingRuleRejection> => {
      const decision = decide(state, now);
      if (!decision.ok) return decision;
      const { rule, event } = decision.value;
      return ok({
        answer: { rule, at: event.at },
        events: [{ id: deterministicUuid('routing-rule-event', ruleId, event.version), type, data: event, metadata: { actor: event.actor } }],
      });
    },
    { command: null, clock: deps.clock },
  );
  if (result.ok) return ok({ ...result.value.answer, position: result.value.position! });
  if (!isConflict(result.error)) return err(result.error);
  // A rule's version is its stream's length: revision r holds version r + 1.
  const expectedVersion = result.error.expected === 'no-stream' || result.error.expected === 'any' ? 0 : Number(result.error.expected) + 1;
  return err({ kind: 'version-conflict', ruleId, expectedVersion, actualVersion: Number(result.error.actual) + 1 });
}

/** Which of the staff ids an input names have a record in the ledger. */
export async function existingStaffIds(store: EventStore, input: unknown): Promise<Set<string>> {
  const targets = typeof input === 'object' && input !== null ? (input as { targets?: { staffIds?: unknown } }).targets : undefined;
  const ids = Array.isArray(targets?.staffIds) ? targets.staffIds.filter((id): id is string => typeof id === 'string' && StaffId.safeParse(id).success) : [];
  const known = new Set<string>();
  for (const id of new Set(ids)) {
    for await (const _event of store.readStream(streamName.staffMember(id))) {
      known.add(id);
      break;
    }
  }
  return known;
}
