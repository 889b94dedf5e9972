import type { Channel } from '../event-catalogue.ts';
import type { InputIssue } from '../input-issue.ts';
import { err, ok, type Result } from '../result.ts';
import { validateRoutingRule } from './routing-rule-validation.ts';
import type { StaffRole } from './staff-directory.ts';

/** A test on one payload field: `bill.amount gte "5000"`, `test.priority in ["urgent", "stat"]`. */
export type RuleCondition =
  | { field: string; op: 'equals'; value: string }
  | { field: string; op: 'in'; value: string[] }
  | { field: string; op: 'gte' | 'lte'; value: string };

/**
 * Who hears about which staff events, and how. Roles are looked up at the event's centre; staff
 * members named here hear about it wherever they work. Rules run highest priority first (ties by
 * id); a matching rule with `stopAfterMatch` ends the evaluation.
 */
export interface RoutingRuleSpec {
  name: string;
  /** Exact types or globs (`package.*`); the rule matches an event of any of them. */
  eventTypes: string[];
  /** Only events at these centres; empty means every centre. */
  centreIds: string[];
  /** All must hold. */
  conditions: RuleCondition[];
  targets: { roles: StaffRole[]; staffIds: string[] };
  channels: Channel[];
  priority: number;
  stopAfterMatch: boolean;
  enabled: boolean;
}

export interface RoutingRule extends RoutingRuleSpec {
  id: string;
  /** 1 on creation, +1 on each update; NotificationPlanned records the version that chose it. */
  version: number;
}

/**
 * A rule's history in `routing-rule-<id>`: Created, Updated (the whole rule as it now is), Deleted.
 * The stream revision is `version - 1`, so an update at a stale version is a conflict.
 */
export const ROUTING_RULE_EVENT_TYPES = {
  created: 'RoutingRuleCreated',
  updated: 'RoutingRuleUpdated',
  deleted: 'RoutingRuleDeleted',
} as const;

export interface RoutingRuleCreated {
  ruleId: string;
  version: number;
  rule: RoutingRuleSpec;
  at: string;
  actor: string;
}
export type RoutingRuleUpdated = RoutingRuleCreated;

export interface RoutingRuleDeleted {
  ruleId: string;
  version: number;
  at: string;
  actor: string;
}

export type RoutingRuleEvent =
  | { type: typeof ROUTING_RULE_EVENT_TYPES.created; data: RoutingRuleCreated }
  | { type: typeof ROUTING_RULE_EVENT_TYPES.updated; data: RoutingRuleUpdated }
  | { type: typeof ROUTING_RULE_EVENT_TYPES.deleted; data: RoutingRuleDeleted };

/** A rule folded from its stream: absent before creation, kept (marked deleted) after deletion. */
export interface RoutingRuleState {
  rule: RoutingRule | null;
  version: number;
  deleted: boolean;
}

export const initialRoutingRuleState: RoutingRuleState = { rule: null, version: 0, deleted: false };

export function evolveRoutingRule(state: RoutingRuleState, event: { type: string; data: unknown }): RoutingRuleState {
  switch (event.type) {
    case ROUTING_RULE_EVENT_TYPES.created:
    case ROUTING_RULE_EVENT_TYPES.updated: {
      const e = event.data as RoutingRuleCreated;
      return { rule: { ...e.rule, id: e.ruleId, version: e.version }, version: e.version, deleted: false };
    }
    case ROUTING_RULE_EVENT_TYPES.deleted: {
      const e = event.data as RoutingRuleDeleted;
      return { rule: state.rule && { ...state.rule, version: e.version }, version: e.version, deleted: true };
    }
    default:
      return state;
  }
}

export type RoutingRuleRejection =
  | { kind: 'invalid-input'; issues: InputIssue[] }
  | { kind: 'not-found'; ruleId: string }
  | { kind: 'already-exists'; ruleId: string }
  | { kind: 'version-conflict'; ruleId: string; expectedVersion: number; actualVersion: number };

export interface RuleCommandContext {
  actor: string;
  now: Date;
  /** Staff members that exist, for rules that name people: a typo is refused, not silently unmatched. */
  knownStaffIds: ReadonlySet<string>;
}

type Decision<E> = Result<{ rule: RoutingRule; event: E }, RoutingRuleRejection>;

export function decideCreateRoutingRule(state: RoutingRuleState, ruleId: string, input: unknown, context: RuleCommandContext): Decision<RoutingRuleCreated> {
  if (state.version > 0) return err({ kind: 'already-exists', ruleId });
  const valid = validateRoutingRule(input, context.knownStaffIds);
  if (!valid.ok) return err({ kind: 'invalid-input', issues: valid.error });
  const event: RoutingRuleCreated = { ruleId, version: 1, rule: valid.value, at: context.now.toISOString(), actor: context.actor };
  return ok({ rule: { ...valid.value, id: ruleId, version: 1 }, event });
}

/** An update replaces the whole rule (a partial one is merged by the caller) and bumps the version. */
export function decideUpdateRoutingRule(
  state: RoutingRuleState,
  ruleId: string,
  input: unknown,
  expectedVersion: number | null,
  context: RuleCommandContext,
): Decision<RoutingRuleUpdated> {
  const live = liveRule(state, ruleId, expectedVersion);
  if (!live.ok) return live;
  const valid = validateRoutingRule(input, context.knownStaffIds);
  if (!valid.ok) return err({ kind: 'invalid-input', issues: valid.error });
  const version = state.version + 1;
  const event: RoutingRuleUpdated = { ruleId, version, rule: valid.value, at: context.now.toISOString(), actor: context.actor };
  return ok({ rule: { ...valid.value, id: ruleId, version }, event });
}

export function decideDeleteRoutingRule(
  state: RoutingRuleState,
  ruleId: string,
  expectedVersion: number | null,
  context: Pick<RuleCommandContext, 'actor' | 'now'>,
): Decision<RoutingRuleDeleted> {
  const live = liveRule(state, ruleId, expectedVersion);
  if (!live.ok) return live;
  const version = state.version + 1;
  return ok({ rule: { ...live.value, version }, event: { ruleId, version, at: context.now.toISOString(), actor: context.actor } });
}

function liveRule(state: RoutingRuleState, ruleId: string, expectedVersion: number | null): Result<RoutingRule, RoutingRuleRejection> {
  if (!state.rule || state.deleted) return err({ kind: 'not-found', ruleId });
  if (expectedVersion !== null && expectedVersion !== state.version) {
    return err({ kind: 'version-conflict', ruleId, expectedVersion, actualVersion: state.version });
  }
  return ok(state.rule);
}

/** The rule as an admin would send it again: the base of a partial update. */
export function specOf(rule: RoutingRule): RoutingRuleSpec {
  const { id: _id, version: _version, ...spec } = rule;
  return spec;
}
