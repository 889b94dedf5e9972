import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_RULES } from '../../src/domain/staff-routing/default-routing-rules.ts';
import {
  decideCreateRoutingRule,
  decideDeleteRoutingRule,
  decideUpdateRoutingRule,
  evolveRoutingRule,
  initialRoutingRuleState,
  ROUTING_RULE_EVENT_TYPES,
} from '../../src/domain/staff-routing/routing-rule.ts';
import { validateRoutingRule } from '../../src/domain/staff-routing/routing-rule-validation.ts';

const known = new Set(['cfo-hq']);
const valid = {
  name: 'Big bills to the CFO',
  eventTypes: ['billing.bill_generated'],
  conditions: [{ field: 'bill.amount', op: 'gte', value: '5000' }],
  targets: { roles: ['finance'], staffIds: ['cfo-hq'] },
  channels: ['email', 'in_app'],
};

describe('validating a routing rule', () => {
  it('accepts a valid rule and fills its defaults', () => {
    expect(validateRoutingRule(valid, known)).toEqual({
      ok: true,
      value: { ...valid, centreIds: [], priority: 100, stopAfterMatch: false, enabled: true, targets: { roles: ['finance'], staffIds: ['cfo-hq'] } },
    });
  });

  it.each([
    ['an unknown role', { targets: { roles: ['janitor'] } }, 'targets.roles.0', 'unknown-role'],
    ['an empty channel list', { channels: [] }, 'channels', 'empty-channels'],
    ['an unknown channel', { channels: ['fax'] }, 'channels.0', 'unknown-channel'],
    ['a bad glob', { eventTypes: ['package.['] }, 'eventTypes.0', 'bad-glob'],
    ['a double star', { eventTypes: ['package.**'] }, 'eventTypes.0', 'bad-glob'],
    ['an upper-case type', { eventTypes: ['Package.*'] }, 'eventTypes.0', 'bad-glob'],
    ['a type that is not a staff event', { eventTypes: ['appointment.confirmed'] }, 'eventTypes.0', 'unknown-event-type'],
    ['a misspelt type', { eventTypes: ['billing.bil_generated'] }, 'eventTypes.0', 'unknown-event-type'],
    ['no event types', { eventTypes: [] }, 'eventTypes', 'empty-event-types'],
    ['>= on a text field', { conditions: [{ field: 'bill.number', op: 'gte', value: '10' }] }, 'conditions.0.field', 'non-numeric-field'],
    ['<= on an enum field', { eventTypes: ['lab.test_requested'], conditions: [{ field: 'test.priority', op: 'lte', value: '1' }] }, 'conditions.0.field', 'non-numeric-field'],
    ['a field the event does not have', { conditions: [{ field: 'bil.amount', op: 'gte', value: '10' }] }, 'conditions.0.field', 'unknown-field'],
    ['a number that is not a number', { conditions: [{ field: 'bill.amount', op: 'gte', value: '5,000' }] }, 'conditions.0.value', 'bad-value'],
    ['an enum value it cannot hold', { eventTypes: ['lab.test_requested'], targets: { roles: ['lab'] }, conditions: [{ field: 'test.priority', op: 'equals', value: 'asap' }] }, 'conditions.0.value', 'bad-value'],
    ['in with no values', { conditions: [{ field: 'bill.number', op: 'in', value: [] }] }, 'conditions.0.value', 'bad-value'],
    ['an unknown operator', { conditions: [{ field: 'bill.amount', op: '>', value: '1' }] }, 'conditions.0.op', 'unknown-operator'],
    ['no targets', { targets: { roles: [], staffIds: [] } }, 'targets', 'no-targets'],
    ['a staff member who does not exist', { targets: { staffIds: ['nobody'] } }, 'targets.staffIds.0', 'unknown-staff-member'],
    ['an empty name', { name: ' ' }, 'name', 'invalid'],
    ['a fractional priority', { priority: 1.5 }, 'priority', 'invalid'],
    ['an unexpected field', { colour: 'red' }, '(input)', 'invalid'],
  ])('refuses %s, naming the field', (_what, change, field, code) => {
    const result = validateRoutingRule({ ...valid, ...change }, known);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContainEqual(expect.objectContaining({ field, code, message: expect.any(String) }));
  });

  it('accepts >= on a numeric field of every type a glob matches', () => {
    const rule = { ...valid, eventTypes: ['package.*'], targets: { roles: ['front_desk'] }, conditions: [{ field: 'package.sessionsUsed', op: 'gte', value: 8 }] };
    expect(validateRoutingRule(rule, known)).toMatchObject({ ok: true, value: { conditions: [{ field: 'package.sessionsUsed', op: 'gte', value: '8' }] } });
  });

  it('accepts every default rule', () => {
    for (const { rule } of DEFAULT_ROUTING_RULES) expect(validateRoutingRule(rule, new Set())).toEqual({ ok: true, value: rule });
  });
});

describe('a routing rule\'s versions', () => {
  const ctx = { actor: 'alice-admin', now: new Date('2026-11-24T09:00:00Z'), knownStaffIds: known };

  it('is created at version 1, updated to 2, deleted at 3, with the actor on each change', () => {
    const created = decideCreateRoutingRule(initialRoutingRuleState, 'r1', valid, ctx);
    if (!created.ok) throw new Error('create refused');
    let state = evolveRoutingRule(initialRoutingRuleState, { type: ROUTING_RULE_EVENT_TYPES.created, data: created.value.event });
    expect(state.rule).toMatchObject({ id: 'r1', version: 1 });
    const updated = decideUpdateRoutingRule(state, 'r1', { ...valid, channels: ['sms'] }, 1, { ...ctx, actor: 'bob-admin' });
    if (!updated.ok) throw new Error('update refused');
    expect(updated.value.event).toMatchObject({ version: 2, actor: 'bob-admin', rule: { channels: ['sms'] } });
    state = evolveRoutingRule(state, { type: ROUTING_RULE_EVENT_TYPES.updated, data: updated.value.event });
    const deleted = decideDeleteRoutingRule(state, 'r1', null, ctx);
    expect(deleted).toMatchObject({ ok: true, value: { event: { version: 3, actor: 'alice-admin' } } });
  });

  it('refuses an update at a stale version', () => {
    const created = decideCreateRoutingRule(initialRoutingRuleState, 'r1', valid, ctx);
    if (!created.ok) throw new Error('create refused');
    const state = evolveRoutingRule(initialRoutingRuleState, { type: ROUTING_RULE_EVENT_TYPES.created, data: created.value.event });
    expect(decideUpdateRoutingRule(state, 'r1', valid, 3, ctx)).toEqual({
      ok: false,
      error: { kind: 'version-conflict', ruleId: 'r1', expectedVersion: 3, actualVersion: 1 },
    });
  });

  it('refuses to update or delete a rule that does not exist', () => {
    expect(decideUpdateRoutingRule(initialRoutingRuleState, 'nope', valid, null, ctx)).toEqual({ ok: false, error: { kind: 'not-found', ruleId: 'nope' } });
    expect(decideDeleteRoutingRule(initialRoutingRuleState, 'nope', null, ctx)).toEqual({ ok: false, error: { kind: 'not-found', ruleId: 'nope' } });
  });
});
