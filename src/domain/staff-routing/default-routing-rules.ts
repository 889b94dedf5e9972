import type { RoutingRuleSpec } from './routing-rule.ts';
import { DEFAULT_RULE_PRIORITY } from './routing-rule-validation.ts';
import type { StaffRole } from './staff-directory.ts';

const atTheCentre = (name: string, eventTypes: string[], role: StaffRole): RoutingRuleSpec => ({
  name,
  eventTypes,
  centreIds: [],
  conditions: [],
  targets: { roles: [role], staffIds: [] },
  channels: ['email', 'in_app'],
  priority: DEFAULT_RULE_PRIORITY,
  stopAfterMatch: false,
  enabled: true,
});

/**
 * The seed document's staff routing, installed once on first start as made by `system` and
 * changeable like any other rule. The ids are fixed, so several instances starting at once (each
 * appending at 'no-stream') install each rule once, and a rule an admin deleted stays deleted.
 */
export const DEFAULT_ROUTING_RULES: readonly { id: string; rule: RoutingRuleSpec }[] = [
  { id: 'default-bill-generated', rule: atTheCentre('Bills generated go to billing', ['billing.bill_generated'], 'billing') },
  { id: 'default-refund-processed', rule: atTheCentre('Refunds processed go to finance', ['billing.refund_processed'], 'finance') },
  { id: 'default-deposit-received', rule: atTheCentre('Deposits received go to accounts', ['billing.deposit_received'], 'accounts') },
  { id: 'default-package-events', rule: atTheCentre('Package events go to the front desk', ['package.*'], 'front_desk') },
  { id: 'default-test-requested', rule: atTheCentre('Lab tests requested go to the lab', ['lab.test_requested'], 'lab') },
  // A template Meta no longer accepts, and the like: admins, in-app and by email, wherever they work.
  { id: 'default-system-alert', rule: atTheCentre('System alerts go to admins', ['system.alert'], 'admin') },
  // A patient's reply is for whoever answers the centre's messages, on their screen.
  { id: 'default-patient-replied', rule: { ...atTheCentre('Patient replies go to the front desk', ['patient.replied'], 'front_desk'), channels: ['in_app'] } },
];

export const SYSTEM_ACTOR = 'system';
