import { z } from 'zod';
import { decimalText } from '../decimal-compare.ts';
import { CHANNELS, type Channel, type StaffEventType } from '../event-catalogue.ts';
import { eventTypePatternProblem, staffTypesMatching } from './event-type-pattern.ts';
import type { InputIssue } from '../input-issue.ts';
import { err, ok, type Result } from '../result.ts';
import type { RoutingRuleSpec, RuleCondition } from './routing-rule.ts';
import { STAFF_ROLES, isStaffRole, type StaffRole } from './staff-directory.ts';
import { STAFF_EVENT_FIELDS, isNumericKind, type FieldKind } from './staff-event-fields.ts';

export const DEFAULT_RULE_PRIORITY = 100;

export const CONDITION_OPERATORS = ['equals', 'in', 'gte', 'lte'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const Scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

const RuleShape = z.strictObject({
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  eventTypes: z.array(z.string().max(200)).max(50),
  centreIds: z.array(z.string().min(1).max(128)).max(500).default([]),
  conditions: z
    .array(z.strictObject({ field: z.string().min(1).max(200), op: z.string(), value: z.union([Scalar, z.array(Scalar).max(500)]) }))
    .max(20)
    .default([]),
  targets: z.strictObject({
    roles: z.array(z.string()).max(20).default([]),
    staffIds: z.array(z.string().min(1).max(128)).max(500).default([]),
  }),
  channels: z.array(z.string()).max(10),
  priority: z.int().min(-1_000_000).max(1_000_000).default(DEFAULT_RULE_PRIORITY),
  stopAfterMatch: z.boolean().default(false),
  enabled: z.boolean().default(true),
});

type Shape = z.infer<typeof RuleShape>;

/**
 * Checks an admin's rule and returns it normalised (defaults filled, duplicates dropped, condition
 * values as strings), or every problem with it, each naming its field. Pure: `knownStaffIds` is
 * the directory as the caller read it.
 */
export function validateRoutingRule(input: unknown, knownStaffIds: ReadonlySet<string>): Result<RoutingRuleSpec, InputIssue[]> {
  const parsed = RuleShape.safeParse(input);
  if (!parsed.success) {
    return err(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', code: 'invalid', message: i.message })));
  }
  const shape = parsed.data;
  const issues: InputIssue[] = [];
  const issue = (field: string, code: string, message: string) => issues.push({ field, code, message });

  if (shape.eventTypes.length === 0) issue('eventTypes', 'empty-event-types', 'a rule must name at least one event type or pattern');
  const types = new Set<StaffEventType>();
  shape.eventTypes.forEach((pattern, i) => {
    const problem = eventTypePatternProblem(pattern);
    if (problem) issue(`eventTypes.${i}`, problem.code, problem.message);
    else for (const t of staffTypesMatching(pattern)) types.add(t);
  });

  if (shape.channels.length === 0) issue('channels', 'empty-channels', `a rule must choose at least one channel: ${CHANNELS.join(', ')}`);
  shape.channels.forEach((channel, i) => {
    if (!(CHANNELS as readonly string[]).includes(channel)) issue(`channels.${i}`, 'unknown-channel', `unknown channel "${channel}"; channels are ${CHANNELS.join(', ')}`);
  });

  shape.targets.roles.forEach((role, i) => {
    if (!isStaffRole(role)) issue(`targets.roles.${i}`, 'unknown-role', `unknown role "${role}"; roles are ${STAFF_ROLES.join(', ')}`);
  });
  shape.targets.staffIds.forEach((id, i) => {
    if (!knownStaffIds.has(id)) issue(`targets.staffIds.${i}`, 'unknown-staff-member', `no staff member has the id "${id}"`);
  });
  if (shape.targets.roles.length === 0 && shape.targets.staffIds.length === 0) {
    issue('targets', 'no-targets', 'a rule must target at least one role or staff member');
  }

  const conditions: RuleCondition[] = [];
  shape.conditions.forEach((c, i) => {
    const checked = checkCondition(c, `conditions.${i}`, [...types]);
    if (checked.ok) conditions.push(checked.value);
    else issues.push(...checked.error);
  });

  if (issues.length > 0) return err(issues);
  return ok(normalise(shape, conditions));
}

function checkCondition(c: Shape['conditions'][number], at: string, types: StaffEventType[]): Result<RuleCondition, InputIssue[]> {
  if (!(CONDITION_OPERATORS as readonly string[]).includes(c.op)) {
    return err([{ field: `${at}.op`, code: 'unknown-operator', message: `unknown operator "${c.op}"; operators are ${CONDITION_OPERATORS.join(', ')}` }]);
  }
  const op = c.op as ConditionOperator;
  // Patterns already refused: their own issues say so; the field cannot be judged against nothing.
  if (types.length === 0) return err([]);
  const kinds = types.flatMap((t) => (STAFF_EVENT_FIELDS[t][c.field] ? [STAFF_EVENT_FIELDS[t][c.field]!] : []));
  if (kinds.length === 0) {
    const known = [...new Set(types.flatMap((t) => Object.keys(STAFF_EVENT_FIELDS[t])))].sort();
    return err([{ field: `${at}.field`, code: 'unknown-field', message: `"${c.field}" is not a field of ${types.join(', ')}; fields are ${known.join(', ')}` }]);
  }
  const numeric = kinds.every(isNumericKind);
  if ((op === 'gte' || op === 'lte') && !numeric) {
    return err([{ field: `${at}.field`, code: 'non-numeric-field', message: `"${c.field}" is not numeric, so it cannot be compared with ${op}` }]);
  }

  const values = Array.isArray(c.value) ? c.value : [c.value];
  if (op === 'in' ? !Array.isArray(c.value) || values.length === 0 : Array.isArray(c.value)) {
    const message = op === 'in' ? 'must be a non-empty list of values' : 'must be a single value';
    return err([{ field: `${at}.value`, code: 'bad-value', message }]);
  }
  const texts: string[] = [];
  for (const value of values) {
    const text = valueText(value, numeric, kinds);
    if (text === null) return err([{ field: `${at}.value`, code: 'bad-value', message: badValueMessage(c.field, numeric, kinds) }]);
    texts.push(text);
  }
  if (op === 'in') return ok({ field: c.field, op, value: [...new Set(texts)] });
  return ok({ field: c.field, op, value: texts[0]! });
}

function valueText(value: string | number | boolean, numeric: boolean, kinds: FieldKind[]): string | null {
  if (numeric) return decimalText(value);
  const text = String(value);
  const enums = kinds.filter((k): k is Extract<FieldKind, { kind: 'enum' }> => k.kind === 'enum');
  if (enums.length > 0 && !enums.some((k) => k.values.includes(text))) return null;
  return text;
}

function badValueMessage(field: string, numeric: boolean, kinds: FieldKind[]): string {
  if (numeric) return `"${field}" is numeric: compare it with a number or a decimal string such as "5000.00"`;
  const enumKind = kinds.find((k): k is Extract<FieldKind, { kind: 'enum' }> => k.kind === 'enum');
  return enumKind ? `"${field}" is one of ${enumKind.values.join(', ')}` : `not a value "${field}" can hold`;
}

function normalise(shape: Shape, conditions: RuleCondition[]): RoutingRuleSpec {
  return {
    name: shape.name,
    eventTypes: [...new Set(shape.eventTypes)],
    centreIds: [...new Set(shape.centreIds)],
    conditions,
    targets: { roles: [...new Set(shape.targets.roles as StaffRole[])], staffIds: [...new Set(shape.targets.staffIds)] },
    // In the catalogue's order, so two rules with the same channels read the same.
    channels: CHANNELS.filter((c) => (shape.channels as string[]).includes(c)) as Channel[],
    priority: shape.priority,
    stopAfterMatch: shape.stopAfterMatch,
    enabled: shape.enabled,
  };
}
