import { STAFF_EVENT_TYPES } from '../../domain/event-catalogue.ts';
import type { RoutingRuleRejection, RuleCondition } from '../../domain/staff-routing/routing-rule.ts';
import { CONDITION_OPERATORS } from '../../domain/staff-routing/routing-rule-validation.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { createRoutingRule } from '../../commands/routing-rules/create-routing-rule.ts';
import { deleteRoutingRule } from '../../commands/routing-rules/delete-routing-rule.ts';
import type { RuleChanged } from '../../commands/routing-rules/routing-rule-change.ts';
import { updateRoutingRule } from '../../commands/routing-rules/update-routing-rule.ts';
import { listRoutingRules, routingRuleHistory, type RoutingRuleView } from '../../projections/staff/routing-rules.queries.ts';
import { listUnroutedStaffEvents, MAX_PAGE, type UnroutedStaffEvent } from '../../projections/staff/staff-alerts.queries.ts';
import { admins, readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf, type GraphqlContext } from '../context.ts';
import { ChannelEnum } from './enums.ts';
import { NotFoundError, StateConflictError } from './errors.ts';
import { InputRejected } from './input-rejected.ts';

const ConditionOperatorEnum = builder.enumType('ConditionOperator', {
  values: CONDITION_OPERATORS,
  description: 'equals and in compare text (numbers numerically); gte and lte need a numeric field such as `bill.amount`.',
});

const Condition = builder.objectRef<RuleCondition>('RuleCondition').implement({
  fields: (t) => ({
    field: t.exposeString('field', { description: 'A dotted payload path, e.g. `bill.amount`, `test.priority`.' }),
    op: t.field({ type: ConditionOperatorEnum, resolve: (c) => c.op }),
    values: t.stringList({ description: 'One value, or the list for `in`; numbers as decimal strings.', resolve: (c) => (Array.isArray(c.value) ? c.value : [c.value]) }),
  }),
});

type RuleSource = RoutingRuleView & { position?: string };
export const RoutingRuleRef = builder.objectRef<RuleSource>('RoutingRule');

RoutingRuleRef.implement({
  description: 'Who hears about which staff events, and how. Roles are looked up at the event\'s centre; named members wherever they work.',
  fields: (t) => ({
    id: t.exposeString('id'),
    version: t.exposeInt('version', { description: '1 on creation, +1 on every change; notifications record the version that chose them.' }),
    name: t.exposeString('name'),
    eventTypes: t.exposeStringList('eventTypes', { description: 'Exact types or globs such as `package.*`.' }),
    centreIds: t.exposeStringList('centreIds', { description: 'Empty: every centre.' }),
    conditions: t.field({ type: [Condition], resolve: (r) => r.conditions }),
    targetRoles: t.stringList({ resolve: (r) => r.targets.roles }),
    targetStaffIds: t.stringList({ resolve: (r) => r.targets.staffIds }),
    channels: t.field({ type: [ChannelEnum], resolve: (r) => r.channels }),
    priority: t.exposeInt('priority', { description: 'Higher runs first; ties by id.' }),
    stopAfterMatch: t.exposeBoolean('stopAfterMatch'),
    enabled: t.exposeBoolean('enabled'),
    deleted: t.exposeBoolean('deleted'),
    changedBy: t.exposeString('changedBy', { description: 'Who made this version: an admin token name, or `system` for the defaults.' }),
    changedAt: t.field({ type: 'DateTime', resolve: (r) => r.changedAt }),
    position: t.string({ nullable: true, description: 'The ledger position of the change, on a mutation\'s answer.', resolve: (r) => r.position ?? null }),
    history: t.field({ type: [RoutingRuleRef], description: 'Every version, oldest first.', resolve: (r, _args, ctx) => routingRuleHistory(ctx.services.db, r.id) }),
  }),
});

const UnroutedEventRef = builder.objectRef<UnroutedStaffEvent>('UnroutedStaffEvent').implement({
  description: 'A staff event that reached nobody: no rule matched it, or its rules found no active staff member.',
  fields: (t) => ({
    eventId: t.exposeString('eventId'),
    eventType: t.exposeString('eventType'),
    centreId: t.exposeString('centreId'),
    reason: t.exposeString('reason', { description: '`no-matching-rule` or `no-recipients`.' }),
    matchedRuleIds: t.stringList({ resolve: (u) => u.matchedRules.map((r) => `${r.ruleId}@${r.version}`), description: '`ruleId@version` of the rules that matched and found nobody.' }),
    recordedAt: t.field({ type: 'DateTime', resolve: (u) => u.recordedAt }),
  }),
});

const ConditionInput = builder.inputType('RuleConditionInput', {
  fields: (t) => ({
    field: t.string({ required: true }),
    op: t.field({ type: ConditionOperatorEnum, required: true }),
    value: t.field({ type: 'JSON', required: true, description: 'A string or number; a list of them for `in`.' }),
  }),
});

const ruleFields = (required: boolean) => (t: PothosInputFields) => ({
  name: t.string({ required }),
  eventTypes: t.stringList({ required, description: `Exact types or globs; staff events: ${STAFF_EVENT_TYPES.join(', ')}.` }),
  centreIds: t.stringList({ description: 'Only events at these centres; empty or absent: every centre.' }),
  conditions: t.field({ type: [ConditionInput] }),
  targetRoles: t.stringList({ description: 'Roles, looked up at the event\'s centre.' }),
  targetStaffIds: t.stringList({ description: 'Staff members notified wherever they work.' }),
  channels: t.stringList({ required, description: 'email, whatsapp, sms, push, in_app.' }),
  priority: t.int(),
  stopAfterMatch: t.boolean(),
  enabled: t.boolean(),
});
type PothosInputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const RoutingRuleInput = builder.inputType('RoutingRuleInput', { fields: ruleFields(true) });
const RoutingRuleChanges = builder.inputType('RoutingRuleChanges', { description: 'Only the fields given change.', fields: ruleFields(false) });

type RuleArgs = { [K in keyof ReturnType<ReturnType<typeof ruleFields>>]?: unknown };

/** GraphQL's flat fields -> the domain's rule input; absent fields stay absent (defaults, or unchanged). */
function toRuleInput(input: RuleArgs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['name', 'eventTypes', 'centreIds', 'channels', 'priority', 'stopAfterMatch', 'enabled'] as const) {
    if (input[key] !== undefined && input[key] !== null) out[key] = input[key];
  }
  if (input.conditions) out.conditions = input.conditions;
  const targets: Record<string, unknown> = {};
  if (input.targetRoles) targets.roles = input.targetRoles;
  if (input.targetStaffIds) targets.staffIds = input.targetStaffIds;
  if (Object.keys(targets).length > 0) out.targets = targets;
  return out;
}

const deps = (ctx: GraphqlContext) => ({ store: ctx.services.store, clock: ctx.services.clock });

function answer(result: { ok: true; value: RuleChanged } | { ok: false; error: RoutingRuleRejection }, actor: string, deleted = false): RuleSource {
  if (!result.ok) throw toGraphqlError(result.error);
  const { rule, at, position } = result.value;
  return { ...rule, deleted, changedBy: actor, changedAt: new Date(at), position: formatPosition(position) };
}

function toGraphqlError(e: RoutingRuleRejection): Error {
  switch (e.kind) {
    case 'invalid-input':
      return new InputRejected(e.issues);
    case 'not-found':
      return new NotFoundError('routing rule', e.ruleId);
    case 'already-exists':
      return new StateConflictError('already-exists', `a routing rule with id ${e.ruleId} exists (or existed); pick another id`);
    case 'version-conflict':
      return new StateConflictError('version-conflict', `routing rule ${e.ruleId} is at version ${e.actualVersion}, not ${e.expectedVersion}; read it again`);
  }
}

const ruleErrors = { types: [InputRejected, NotFoundError, StateConflictError] };

builder.queryFields((t) => ({
  routingRules: t.field({
    type: [RoutingRuleRef],
    description: 'The rules as the planner has applied them, highest priority first.',
    authScopes: readers,
    args: { includeDeleted: t.arg.boolean() },
    resolve: (_root, args, ctx) => listRoutingRules(ctx.services.db, { includeDeleted: args.includeDeleted ?? false }),
  }),
  unroutedEvents: t.field({
    type: [UnroutedEventRef],
    description: 'Staff events that reached nobody, newest first.',
    authScopes: readers,
    args: { eventType: t.arg.string(), centreId: t.arg.string(), limit: t.arg.int({ description: `At most ${MAX_PAGE}.` }) },
    resolve: (_root, args, ctx) => listUnroutedStaffEvents(ctx.services.db, { eventType: args.eventType, centreId: args.centreId, limit: args.limit ?? 100 }),
  }),
}));

builder.mutationFields((t) => ({
  createRoutingRule: t.field({
    type: RoutingRuleRef,
    authScopes: admins,
    errors: ruleErrors,
    args: { id: t.arg.string({ description: 'Optional; a UUID is made when absent.' }), input: t.arg({ type: RoutingRuleInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const result = await createRoutingRule(deps(ctx), { input: toRuleInput(args.input), actor, ...(args.id ? { ruleId: args.id } : {}) });
      return answer(result, actor);
    },
  }),
  updateRoutingRule: t.field({
    type: RoutingRuleRef,
    authScopes: admins,
    errors: ruleErrors,
    args: {
      id: t.arg.string({ required: true }),
      changes: t.arg({ type: RoutingRuleChanges, required: true }),
      expectedVersion: t.arg.int({ description: 'Refuse if someone changed the rule since you read this version.' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const result = await updateRoutingRule(deps(ctx), { ruleId: args.id, changes: toRuleInput(args.changes), expectedVersion: args.expectedVersion, actor });
      return answer(result, actor);
    },
  }),
  deleteRoutingRule: t.field({
    type: RoutingRuleRef,
    authScopes: admins,
    errors: ruleErrors,
    args: { id: t.arg.string({ required: true }), expectedVersion: t.arg.int() },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      return answer(await deleteRoutingRule(deps(ctx), { ruleId: args.id, expectedVersion: args.expectedVersion, actor }), actor, true);
    },
  }),
}));
