import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/intake/envelope.ts';
import type { Channel, StaffEventType } from '../../src/domain/event-catalogue.ts';
import { STAFF_EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import type { RoutedRecipient } from '../../src/domain/staff-routing/evaluate-staff-routing.ts';
import { planStaffNotifications, staffNotificationIdFor, type StaffPlanningTemplates } from '../../src/domain/staff-routing/plan-staff-notifications.ts';
import type { PlanDecision } from '../../src/domain/notifications/plan-notifications.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import type { ContactBlock } from '../../src/domain/notifications/preference-events.ts';
import type { StaffContacts, StaffMember } from '../../src/domain/staff-routing/staff-directory.ts';
import { shippedTemplates, staffPlanningTemplates, staffPlanningTemplatesFrom } from '../../src/domain/templates/planning-templates.ts';
import { validEnvelope } from '../support/envelopes.ts';

const now = new Date('2026-11-24T09:00:00Z');
const CONTACTS: StaffContacts = { email: 'bina@clinic.example', whatsapp: '+919876500001', sms: '+919876500002', pushTokens: ['token-old', 'token-new'] };

const member = (contacts: StaffContacts = CONTACTS, locale: string | null = null): StaffMember => ({
  id: 'bina-billing',
  name: 'Bina',
  roles: ['billing'],
  centreIds: ['centre-blr'],
  contacts,
  locale,
  active: true,
});

const routed = (channel: Channel, m: StaffMember = member()): RoutedRecipient => ({ member: m, channel, ruleId: 'rule-1', ruleVersion: 3 });
const event = (type: Exclude<StaffEventType, 'system.alert' | 'patient.replied'> = 'billing.bill_generated'): Envelope => validEnvelope(type, { eventId: `evt-${type}` }) as Envelope;

const plan = (
  recipients: RoutedRecipient[],
  options: { type?: Exclude<StaffEventType, 'system.alert' | 'patient.replied'>; blocks?: (channel: Channel, address: string) => ContactBlock; templates?: StaffPlanningTemplates } = {},
): PlanDecision[] =>
  planStaffNotifications({
    envelope: event(options.type),
    recipients,
    now,
    templates: options.templates ?? staffPlanningTemplates,
    blockFor: options.blocks ?? (() => null),
  });

const outcome = (d: PlanDecision): string => `${d.event.channel}: ${d.kind === 'planned' ? `planned to ${d.event.recipient.address}` : d.event.reason}`;

describe('planning the alerts of a staff event', () => {
  it.each(STAFF_EVENT_TYPES.filter((t): t is Exclude<StaffEventType, 'system.alert' | 'patient.replied'> => t !== 'system.alert' && t !== 'patient.replied'))('given a member routed on email, when %s arrives, then an email is planned under the rule that chose them', (type) => {
    const [decision] = plan([routed('email')], { type });
    expect(decision).toMatchObject({
      kind: 'planned',
      event: {
        notificationId: staffNotificationIdFor(`evt-${type}`, 'bina-billing', 'email'),
        eventType: type,
        centreId: 'centre-blr',
        recipient: { kind: 'staff', id: 'bina-billing', address: 'bina@clinic.example', locale: 'en-IN' },
        selection: { kind: 'routing-rule', ruleId: 'rule-1', ruleVersion: 3 },
        dueAt: now.toISOString(),
      },
    });
  });

  it.each([
    ['email', 'email: planned to bina@clinic.example'],
    ['whatsapp', 'whatsapp: planned to +919876500001'],
    ['sms', 'sms: planned to +919876500002'],
    ['push', 'push: planned to token-new'],
    ['in_app', 'in_app: planned to bina-billing'],
  ] as const)('given a member with every contact, when routed on %s, then it is planned as "%s"', (channel, expected) => {
    expect(plan([routed(channel)]).map(outcome)).toEqual([expected]);
  });

  it.each([
    ['email', 'email: no-contact'],
    ['whatsapp', 'whatsapp: no-contact'],
    ['sms', 'sms: no-contact'],
    ['push', 'push: no-contact'],
    ['in_app', 'in_app: planned to bina-billing'],
  ] as const)('given a member with no contacts, when routed on %s, then the decision is "%s"', (channel, expected) => {
    expect(plan([routed(channel, member({}))]).map(outcome)).toEqual([expected]);
  });

  it.each([
    ['email', 'opted-out', 'email: opted-out'],
    ['email', 'bounced-address', 'email: bounced-address'],
    ['whatsapp', 'opted-out', 'whatsapp: opted-out'],
    ['sms', 'opted-out', 'sms: opted-out'],
  ] as const)('given a member whose %s is %s, when routed on it, then the decision is "%s"', (channel, block, expected) => {
    expect(plan([routed(channel)], { blocks: (c) => (c === channel ? block : null) }).map(outcome)).toEqual([expected]);
  });

  it('given an in-app alert, when the member opted out of everything else, then in-app is still planned', () => {
    expect(plan([routed('in_app')], { blocks: () => 'opted-out' }).map(outcome)).toEqual(['in_app: planned to bina-billing']);
  });

  it('given the newest push token was refused, when routed on push, then the newest live token is used', () => {
    const blocks = (_c: Channel, address: string): ContactBlock => (address === 'token-new' ? 'bounced-address' : null);
    expect(plan([routed('push')], { blocks }).map(outcome)).toEqual(['push: planned to token-old']);
  });

  it('given every push token was refused, when routed on push, then it is suppressed on the newest token', () => {
    const [decision] = plan([routed('push')], { blocks: () => 'bounced-address' });
    expect(decision).toMatchObject({ kind: 'suppressed', event: { reason: 'bounced-address', recipient: { address: 'token-new' } } });
  });

  it('given a WhatsApp number that is well-formed but not valid, when routed on WhatsApp, then it is suppressed as invalid', () => {
    expect(plan([routed('whatsapp', member({ whatsapp: '+919999' }))]).map(outcome)).toEqual(['whatsapp: invalid-contact']);
  });

  it('given a member with a locale of their own, when planned, then the alert is in their locale', () => {
    const [decision] = plan([routed('email', member(CONTACTS, 'hi'))]);
    expect(decision?.event.recipient.locale).toBe('hi');
  });

  it('given no template for the event on the channel, when planned, then it is suppressed as a template error', () => {
    const templates: StaffPlanningTemplates = { ...staffPlanningTemplates, select: () => null };
    expect(plan([routed('email')], { templates }).map(outcome)).toEqual(['email: template-error']);
  });

  it('given several routed recipients, when planned, then there is one decision for each, in order, each with its own id', () => {
    const decisions = plan([routed('email'), routed('in_app'), routed('sms', member({}))]);
    expect(decisions.map(outcome)).toEqual(['email: planned to bina@clinic.example', 'in_app: planned to bina-billing', 'sms: no-contact']);
    expect(new Set(decisions.map((d) => d.event.notificationId)).size).toBe(3);
  });

  it('given a member recorded before they were erased, when routed on any channel, then each is suppressed as erased, with no address', () => {
    const erased = { ...member(), name: ERASED, contacts: { email: ERASED, whatsapp: ERASED, sms: ERASED, pushTokens: [] } };
    const decisions = plan((['email', 'whatsapp', 'sms', 'push', 'in_app'] as const).map((channel) => routed(channel, erased)));
    expect(decisions.map(outcome)).toEqual(['email: erased', 'whatsapp: erased', 'sms: erased', 'push: erased', 'in_app: erased']);
    expect(decisions.map((d) => d.event.recipient.address)).toEqual([null, null, null, null, null]);
  });

  it('given nobody was routed, when planned, then nothing is planned', () => {
    expect(plan([])).toEqual([]);
  });
});

describe('an SMS under its DLT registration', () => {
  const dltTemplates = (registeredText: string): StaffPlanningTemplates => staffPlanningTemplatesFrom({
    current: (key) => (key === 'billing.bill_generated:sms:en'
      ? {
          key,
          version: 3,
          locale: 'en',
          centreId: null,
          content: {
            channel: 'sms',
            text: 'Bill {{ billNumber }} of {{ amount }} generated at {{ centreName }}. -Leap',
            dlt: { templateId: '1107160000000000001', registeredText, category: 'service-implicit', variableTypes: ['reference', 'amount', 'text'] },
            provider: { templateId: 'msg91-tpl-1', variables: { bill: '{{ billNumber }}', amount: '{{ amount }}', centre: '{{ centreName }}' } },
          },
        }
      : shippedTemplates.current(key)),
    approval: () => 'unknown',
  });

  it('is planned when the filled registered text is exactly what goes out', () => {
    const [decision] = plan([routed('sms')], { templates: dltTemplates('Bill {#var#} of {#var#} generated at {#var#}. -Leap') });
    expect(decision).toMatchObject({ kind: 'planned', event: { content: { channel: 'sms', dltTemplateId: '1107160000000000001', providerTemplate: { templateId: 'msg91-tpl-1' } } } });
  });

  it('is suppressed as dlt-mismatch, naming the template, when the text differs from its registration', () => {
    const [decision] = plan([routed('sms')], { templates: dltTemplates('Bill {#var#} for {#var#} generated at {#var#}. -Leap') });
    expect(decision).toMatchObject({ kind: 'suppressed', event: { reason: 'dlt-mismatch' } });
    expect(decision!.kind === 'suppressed' && decision!.event.detail).toContain('billing.bill_generated:sms:en v3');
  });
});
