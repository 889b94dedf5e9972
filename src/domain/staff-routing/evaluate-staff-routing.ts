import { compareDecimals, decimalText } from '../decimal-compare.ts';
import type { Channel, StaffEventType } from '../event-catalogue.ts';
import { matchesEventType } from './event-type-pattern.ts';
import type { RoutingRule, RuleCondition } from './routing-rule.ts';
import type { StaffMember } from './staff-directory.ts';
import { STAFF_EVENT_FIELDS, fieldValue, isNumericKind } from './staff-event-fields.ts';

/** What routing needs to know about a staff event. */
export interface StaffEventFacts {
  type: StaffEventType;
  /** Null for an event about the whole service (a `system.alert` naming no centre), or a reply from an unknown number. */
  centreId: string | null;
  data: Record<string, unknown>;
}

/** One (staff member, channel) to notify, and the rule (and its version) that chose it. */
export interface RoutedRecipient {
  member: StaffMember;
  channel: Channel;
  ruleId: string;
  ruleVersion: number;
}

export interface RoutingOutcome {
  /** Every rule that matched the event, in the order they ran. */
  matchedRules: { ruleId: string; version: number }[];
  recipients: RoutedRecipient[];
}

/**
 * Who hears about a staff event, on which channels:
 * - enabled rules run highest priority first, ties by rule id, so the order never depends on storage;
 * - a rule matches when the type matches one of its patterns, the event's centre is one of its
 *   centres (or it names none) and every condition holds;
 * - role targets are the active members holding the role AT THE EVENT'S CENTRE; members named in
 *   the rule are notified wherever they work (if active);
 * - each (member, channel) is notified once, credited to the first rule that chose it;
 * - a matching rule with stopAfterMatch ends the evaluation, whether or not it found anyone.
 */
export function evaluateStaffRouting(event: StaffEventFacts, rules: readonly RoutingRule[], staff: readonly StaffMember[]): RoutingOutcome {
  const ordered = rules.filter((r) => r.enabled).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const active = staff.filter((m) => m.active).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const matchedRules: RoutingOutcome['matchedRules'] = [];
  const recipients: RoutedRecipient[] = [];
  const seen = new Set<string>();

  for (const rule of ordered) {
    if (!ruleMatches(rule, event)) continue;
    matchedRules.push({ ruleId: rule.id, version: rule.version });
    for (const member of active.filter((m) => isTargeted(rule, m, event))) {
      for (const channel of rule.channels) {
        const key = `${member.id}\u0000${channel}`;
        if (seen.has(key)) continue;
        seen.add(key);
        recipients.push({ member, channel, ruleId: rule.id, ruleVersion: rule.version });
      }
    }
    if (rule.stopAfterMatch) break;
  }
  return { matchedRules, recipients };
}

export function ruleMatches(rule: RoutingRule, event: StaffEventFacts): boolean {
  if (!rule.eventTypes.some((p) => matchesEventType(p, event.type))) return false;
  // A rule scoped to centres hears only of events at them; a service-wide event reaches unscoped rules.
  if (rule.centreIds.length > 0 && (event.centreId === null || !rule.centreIds.includes(event.centreId))) return false;
  return rule.conditions.every((c) => conditionHolds(c, event));
}

function isTargeted(rule: RoutingRule, member: StaffMember, event: StaffEventFacts): boolean {
  if (rule.targets.staffIds.includes(member.id)) return true;
  // Role targets are scoped to the event's centre; a service-wide event (a system alert) reaches the
  // role wherever it works. A reply from a number we never wrote to has no centre and no desk of its own.
  const atTheCentre = event.centreId === null ? event.type === 'system.alert' : member.centreIds.includes(event.centreId);
  return atTheCentre && member.roles.some((r) => rule.targets.roles.includes(r));
}

/** A field the event lacks, or holds in a form the condition cannot compare, does not match. */
export function conditionHolds(condition: RuleCondition, event: StaffEventFacts): boolean {
  const raw = fieldValue(event.data, condition.field);
  if (raw === undefined || raw === null || typeof raw === 'object') return false;
  const kind = STAFF_EVENT_FIELDS[event.type][condition.field];
  const numeric = kind !== undefined && isNumericKind(kind);
  const actual = numeric ? decimalText(raw) : String(raw);
  if (actual === null) return false;
  const same = (expected: string) => {
    if (!numeric) return actual === expected;
    const e = decimalText(expected);
    return e !== null && compareDecimals(actual, e) === 0;
  };
  switch (condition.op) {
    case 'equals':
      return same(condition.value);
    case 'in':
      return condition.value.some(same);
    case 'gte':
    case 'lte': {
      const bound = decimalText(condition.value);
      if (!numeric || bound === null) return false;
      const order = compareDecimals(actual, bound);
      return condition.op === 'gte' ? order >= 0 : order <= 0;
    }
  }
}
