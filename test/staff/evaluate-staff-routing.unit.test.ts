import { describe, expect, it } from 'vitest';
import type { StaffEventType } from '../../src/domain/event-catalogue.ts';
import { evaluateStaffRouting, type StaffEventFacts } from '../../src/domain/staff-routing/evaluate-staff-routing.ts';
import type { RoutingRule, RoutingRuleSpec } from '../../src/domain/staff-routing/routing-rule.ts';
import type { StaffMember } from '../../src/domain/staff-routing/staff-directory.ts';

const member = (id: string, roles: StaffMember['roles'], centreIds: string[], active = true): StaffMember => ({
  id,
  name: id,
  roles,
  centreIds,
  contacts: { email: `${id}@clinic.example` },
  locale: null,
  active,
});

const STAFF: StaffMember[] = [
  member('bina-billing-blr', ['billing'], ['blr']),
  member('bala-billing-mys', ['billing'], ['mys']),
  member('fara-finance-blr', ['finance'], ['blr']),
  member('manu-manager-both', ['manager', 'billing'], ['blr', 'mys']),
  member('lata-lab-blr', ['lab'], ['blr']),
  member('olga-old-billing-blr', ['billing'], ['blr'], false),
  member('cfo-hq', ['finance'], ['hq']),
];

let nextId = 0;
const rule = (over: Partial<RoutingRuleSpec> & { id?: string; version?: number } = {}): RoutingRule => ({
  id: over.id ?? `rule-${++nextId}`,
  version: over.version ?? 1,
  name: 'test rule',
  eventTypes: ['billing.bill_generated'],
  centreIds: [],
  conditions: [],
  targets: { roles: ['billing'], staffIds: [] },
  channels: ['email'],
  priority: 100,
  stopAfterMatch: false,
  enabled: true,
  ...over,
});

const event = (type: StaffEventType, data: Record<string, unknown> = {}, centreId = 'blr'): StaffEventFacts => ({
  type,
  centreId,
  data: { centre: { id: centreId, name: 'C', timeZone: 'Asia/Kolkata' }, ...data },
});
const bill = (amount: string, centreId = 'blr') => event('billing.bill_generated', { bill: { id: 'b', number: 'N', amount, currency: 'INR' } }, centreId);

/** `staff channel rule` per recipient, in the order evaluation produced them. */
const route = (e: StaffEventFacts, rules: RoutingRule[], staff = STAFF) =>
  evaluateStaffRouting(e, rules, staff).recipients.map((r) => `${r.member.id} ${r.channel} ${r.ruleId}`);

describe('evaluating staff routing rules', () => {
  it.each([
    ['an exact type', 'billing.bill_generated', 'billing.bill_generated', true],
    ['a glob over one part', 'package.*', 'package.expired', true],
    ['a glob over one part, another family', 'package.*', 'billing.bill_generated', false],
    ['a glob inside a part', 'billing.*_received', 'billing.deposit_received', true],
    ['a glob inside a part that does not fit', 'billing.*_received', 'billing.refund_processed', false],
    ['a glob never crossing a dot', '*', 'package.expired', false],
    ['a glob over both parts', '*.*', 'lab.test_requested', true],
  ] as const)('matches %s: %s against %s is %s', (_what, pattern, type, matches) => {
    const r = rule({ id: 'r', eventTypes: [pattern], targets: { roles: ['billing', 'front_desk', 'lab', 'accounts', 'finance'], staffIds: [] } });
    const outcome = evaluateStaffRouting(event(type as StaffEventType, {}, 'blr'), [r], STAFF);
    expect(outcome.matchedRules.length > 0).toBe(matches);
  });

  it.each([
    ['role targets only the event\'s centre', bill('100.00', 'blr'), [rule({ id: 'r' })], ['bina-billing-blr email r', 'manu-manager-both email r']],
    ['the same role at another centre', bill('100.00', 'mys'), [rule({ id: 'r' })], ['bala-billing-mys email r', 'manu-manager-both email r']],
    ['a centre nobody with the role works at', bill('100.00', 'hq'), [rule({ id: 'r' })], []],
    ['a named member wherever they work', bill('100.00', 'blr'), [rule({ id: 'r', targets: { roles: [], staffIds: ['cfo-hq'] } })], ['cfo-hq email r']],
    ['a rule limited to other centres', bill('100.00', 'blr'), [rule({ id: 'r', centreIds: ['mys'] })], []],
    ['a rule limited to the event\'s centre', bill('100.00', 'mys'), [rule({ id: 'r', centreIds: ['mys'] })], ['bala-billing-mys email r', 'manu-manager-both email r']],
  ] as const)('centre scoping: %s', (_what, e, rules, expected) => {
    expect(route(e, [...rules])).toEqual(expected);
  });

  const bigBills = (op: 'gte' | 'lte' | 'equals', value: string) =>
    rule({ id: 'r', targets: { roles: [], staffIds: ['cfo-hq'] }, conditions: [{ field: 'bill.amount', op, value }] });
  it.each([
    ['gte', '5000', '5000.00', true],
    ['gte', '5000', '4999.99', false],
    ['gte', '5000', '12000.5', true],
    ['gte', '999', '1000.00', true],
    ['lte', '100.5', '100.50', true],
    ['lte', '100.5', '100.51', false],
    ['equals', '1250', '1250.00', true],
    ['equals', '1250', '1250.01', false],
  ] as const)('numeric conditions compare amounts as decimals: bill.amount %s %s with %s is %s', (op, value, amount, matches) => {
    expect(route(bill(amount), [bigBills(op, value)])).toEqual(matches ? ['cfo-hq email r'] : []);
  });

  it.each([
    ['in on a text field', { field: 'test.priority', op: 'in', value: ['urgent', 'stat'] }, 'urgent', true],
    ['in that does not hold', { field: 'test.priority', op: 'in', value: ['urgent', 'stat'] }, 'routine', false],
    ['equals on a text field', { field: 'test.priority', op: 'equals', value: 'stat' }, 'stat', true],
  ] as const)('%s', (_what, condition, priority, matches) => {
    const r = rule({ id: 'r', eventTypes: ['lab.test_requested'], targets: { roles: ['lab'], staffIds: [] }, conditions: [{ ...condition, value: condition.value as never }] });
    const e = event('lab.test_requested', { test: { id: 't', name: 'T', priority } });
    expect(route(e, [r])).toEqual(matches ? ['lata-lab-blr email r'] : []);
  });

  it('a condition on a field the event lacks does not hold', () => {
    const r = rule({ id: 'r', eventTypes: ['package.*'], targets: { roles: [], staffIds: ['cfo-hq'] }, conditions: [{ field: 'amount.amount', op: 'gte', value: '1' }] });
    expect(route(event('package.redeemed', { package: { id: 'p', name: 'P' } }), [r])).toEqual([]);
    expect(route(event('package.purchased', { package: { id: 'p', name: 'P' }, amount: { amount: '9000.00', currency: 'INR' } }), [r])).toEqual(['cfo-hq email r']);
  });

  it('runs rules highest priority first and credits a person matched twice to the first rule, once per channel', () => {
    const low = rule({ id: 'a-low', priority: 10, channels: ['email', 'in_app'] });
    const high = rule({ id: 'z-high', priority: 200, channels: ['email'] });
    expect(route(bill('10.00'), [low, high])).toEqual([
      'bina-billing-blr email z-high',
      'manu-manager-both email z-high',
      'bina-billing-blr in_app a-low',
      'manu-manager-both in_app a-low',
    ]);
  });

  it('breaks priority ties by rule id, so the order never depends on storage', () => {
    const b = rule({ id: 'b', channels: ['email'] });
    const a = rule({ id: 'a', channels: ['email'] });
    expect(route(bill('10.00'), [b, a])).toEqual(['bina-billing-blr email a', 'manu-manager-both email a']);
  });

  it('stops after a matching rule with stopAfterMatch, even one that finds nobody', () => {
    const stopper = rule({ id: 'stop', priority: 500, stopAfterMatch: true, targets: { roles: ['pharmacy'], staffIds: [] } });
    const normal = rule({ id: 'normal' });
    const outcome = evaluateStaffRouting(bill('10.00'), [normal, stopper], STAFF);
    expect(outcome.matchedRules).toEqual([{ ruleId: 'stop', version: 1 }]);
    expect(outcome.recipients).toEqual([]);
  });

  it('does not stop at a stopAfterMatch rule that does not match', () => {
    const stopper = rule({ id: 'stop', priority: 500, stopAfterMatch: true, conditions: [{ field: 'bill.amount', op: 'gte', value: '1000000' }] });
    const normal = rule({ id: 'normal' });
    expect(route(bill('10.00'), [normal, stopper])).toEqual(['bina-billing-blr email normal', 'manu-manager-both email normal']);
  });

  it('skips inactive members, whether targeted by role or by name', () => {
    const r = rule({ id: 'r', targets: { roles: ['billing'], staffIds: ['olga-old-billing-blr'] } });
    expect(route(bill('10.00'), [r])).not.toContainEqual(expect.stringContaining('olga'));
  });

  it('skips disabled rules', () => {
    expect(evaluateStaffRouting(bill('10.00'), [rule({ id: 'r', enabled: false })], STAFF)).toEqual({ matchedRules: [], recipients: [] });
  });

  it('matches nothing when no rule covers the event type', () => {
    const outcome = evaluateStaffRouting(event('billing.deposit_received', { deposit: { id: 'd', amount: '1.00', currency: 'INR' } }), [rule({ id: 'r' })], STAFF);
    expect(outcome).toEqual({ matchedRules: [], recipients: [] });
  });

  it('records the version of the rule that chose each recipient', () => {
    const [first] = evaluateStaffRouting(bill('10.00'), [rule({ id: 'r', version: 7 })], STAFF).recipients;
    expect(first).toMatchObject({ ruleId: 'r', ruleVersion: 7 });
  });
});
