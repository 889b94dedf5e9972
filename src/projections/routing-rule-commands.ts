import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.ts';
import { DEFAULT_ROUTING_RULES, SYSTEM_ACTOR } from '../domain/default-routing-rules.ts';
import { deterministicUuid } from '../domain/ids.ts';
import { err, ok, type Result } from '../domain/result.ts';
import {
  ROUTING_RULE_EVENT_TYPES as T,
  decideCreateRoutingRule,
  decideDeleteRoutingRule,
  decideUpdateRoutingRule,
  evolveRoutingRule,
  initialRoutingRuleState,
  specOf,
  type RoutingRule,
  type RoutingRuleRejection,
  type RoutingRuleSpec,
  type RoutingRuleState,
} from '../domain/routing-rule.ts';
import { StaffId } from '../domain/staff-directory.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type LedgerPosition } from '../ledger/event-store.ts';

export interface CommandDeps {
  store: EventStore;
  clock: Clock;
}

/** What a change to the ledger came to: the rule as it now is, and where the change sits. */
export interface RuleChanged {
  rule: RoutingRule;
  position: LedgerPosition;
}

const ATTEMPTS = 3;

type RuleDecision = Result<{ rule: RoutingRule; event: { version: number; actor: string } }, RoutingRuleRejection>;

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
  return change(deps, ruleId, T.created, (state) =>
    decideCreateRoutingRule(state, ruleId, command.input, { actor: command.actor, now: deps.clock.now(), knownStaffIds }));
}

/**
 * Changes a rule: `changes` holds the fields to change (the rest stay as they are; `targets` by
 * part), and the rule gets the next version. With `expectedVersion`, a rule someone else changed
 * meanwhile is refused.
 */
export async function updateRoutingRule(
  deps: CommandDeps,
  command: { ruleId: string; changes: Record<string, unknown>; expectedVersion?: number | null; actor: string },
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  return change(deps, command.ruleId, T.updated, async (state) => {
    const input = state.rule ? mergeChanges(specOf(state.rule), command.changes) : command.changes;
    const knownStaffIds = await existingStaffIds(deps.store, input);
    return decideUpdateRoutingRule(state, command.ruleId, input, command.expectedVersion ?? null, { actor: command.actor, now: deps.clock.now(), knownStaffIds });
  });
}

export async function deleteRoutingRule(
  deps: CommandDeps,
  command: { ruleId: string; expectedVersion?: number | null; actor: string },
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  return change(deps, command.ruleId, T.deleted, (state) =>
    decideDeleteRoutingRule(state, command.ruleId, command.expectedVersion ?? null, { actor: command.actor, now: deps.clock.now() }));
}

/**
 * Installs the default rules once, as made by `system`. Each goes in at 'no-stream', so several
 * instances starting together install each once, and a default an admin deleted stays deleted.
 */
export async function installDefaultRoutingRules(deps: CommandDeps): Promise<string[]> {
  const installed: string[] = [];
  for (const { id, rule } of DEFAULT_ROUTING_RULES) {
    const data = { ruleId: id, version: 1, rule, at: deps.clock.now().toISOString(), actor: SYSTEM_ACTOR };
    const event = { id: deterministicUuid('routing-rule-event', id, 1), type: T.created, data, metadata: { actor: SYSTEM_ACTOR } };
    const result = await deps.store.append(streamName.routingRule(id), [event], 'no-stream');
    if (result.ok) installed.push(id);
  }
  return installed;
}

/** Read the rule's stream, fold it, decide, append at the revision read; on a lost race, again. */
async function change(
  deps: CommandDeps,
  ruleId: string,
  type: string,
  decide: (state: RoutingRuleState) => RuleDecision | Promise<RuleDecision>,
): Promise<Result<RuleChanged, RoutingRuleRejection>> {
  if (!StaffId.safeParse(ruleId).success) return err({ kind: 'not-found', ruleId });
  const stream = streamName.routingRule(ruleId);
  for (let attempt = 1; ; attempt++) {
    const history = await readStreamToArray(deps.store, stream);
    const state = history.reduce(evolveRoutingRule, initialRoutingRuleState);
    const decision = await decide(state);
    if (!decision.ok) return decision;
    const { rule, event } = decision.value;
    const expected = history.length === 0 ? 'no-stream' : BigInt(history.length - 1);
    const appended = await deps.store.append(stream, [{
      id: deterministicUuid('routing-rule-event', ruleId, event.version),
      type,
      data: event,
      metadata: { actor: event.actor },
    }], expected);
    if (appended.ok) return ok({ rule, position: appended.position });
    if (attempt >= ATTEMPTS) {
      return err({ kind: 'version-conflict', ruleId, expectedVersion: state.version, actualVersion: Number(appended.error.actual) + 1 });
    }
  }
}

/** Fields given replace the rule's; `targets` merges by part, so changing roles keeps named members. */
function mergeChanges(current: RoutingRuleSpec, changes: Record<string, unknown>): Record<string, unknown> {
  const targets = changes.targets;
  const merged: Record<string, unknown> = { ...current, ...changes };
  if (typeof targets === 'object' && targets !== null && !Array.isArray(targets)) merged.targets = { ...current.targets, ...targets };
  return merged;
}

/** Which of the staff ids an input names have a record in the ledger. */
async function existingStaffIds(store: EventStore, input: unknown): Promise<Set<string>> {
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
