import { isValidPhoneNumber } from 'libphonenumber-js/max';
import type { Envelope } from '../intake/envelope.ts';
import type { Channel, EventType } from '../event-catalogue.ts';
import type { RoutedRecipient } from './evaluate-staff-routing.ts';
import { isErasedStaffMember } from '../erasure/erased-suppression.ts';
import { deterministicUuid } from '../ids.ts';
import type { NotificationPlanned, Recipient, Selection, SuppressionReason } from '../notifications/notification-events.ts';
import { chooseAndRender, type PlanDecision, type PlanningTemplates, type TemplateChoice } from '../notifications/plan-notifications.ts';
import type { ContactBlock } from '../notifications/preference-events.ts';
import { staffAddressFor, type StaffMember } from './staff-directory.ts';
import { defaultDeadlineRules, sendByFor, type DeadlineRules } from '../notifications/relevance-deadline.ts';
import { DEFAULT_LOCALE } from '../templates/template-locale.ts';
import { deferForQuietHours } from '../notifications/defer-for-quiet-hours.ts';
import type { QuietHoursLookup } from '../notifications/quiet-hours.ts';

/** The templates as staff planning needs them; wired to the template catalogue by the caller. */
export interface StaffPlanningTemplates extends Pick<PlanningTemplates, 'select' | 'approval' | 'render'> {
  variables(eventType: EventType, data: Record<string, unknown>, recipient: { locale: string; staffName: string }, template: TemplateChoice): Record<string, string>;
}

export interface StaffPlanningInput {
  envelope: Envelope;
  recipients: readonly RoutedRecipient[];
  now: Date;
  templates: StaffPlanningTemplates;
  /** Opt-outs and bounces against a (channel, address, staff id), looked up before planning. */
  blockFor(channel: Channel, address: string, staffId: string): ContactBlock;
  /** When we recorded the staff event (default: now); its deadline counts from it. */
  receivedAt?: Date;
  /** The deadline rules in force; default: the product's. */
  deadlineRules?: DeadlineRules;
  /** Quiet hours in force at each centre; default: none anywhere. */
  quietHours?: QuietHoursLookup;
}

const BOUNCED: Partial<Record<Channel, string>> = {
  email: 'email address bounced permanently',
  push: 'every push token of the staff member was refused by the provider',
};

/** The newest push token the provider has not refused; the newest of all when every one was refused. */
function livePushToken(member: StaffMember, blockFor: (token: string) => ContactBlock): string | null {
  const tokens = member.contacts.pushTokens ?? [];
  return [...tokens].reverse().find((t) => blockFor(t) === null) ?? tokens.at(-1) ?? null;
}

/** Deterministic: the same event, staff member and channel always name the same notification. */
export function staffNotificationIdFor(eventId: string, staffId: string, channel: Channel): string {
  return deterministicUuid('staff-notification', eventId, staffId, channel);
}

/** One NotificationPlanned or NotificationSuppressed per routed (staff member, channel). */
export function planStaffNotifications(input: StaffPlanningInput): PlanDecision[] {
  return input.recipients.map((r) => decide(input, r));
}

function decide(input: StaffPlanningInput, routed: RoutedRecipient): PlanDecision {
  const { envelope, now, templates } = input;
  const { member, channel } = routed;
  const type = envelope.type;
  // A service-wide event (a system alert) names no centre.
  const centre = envelope.data.centre as { id: string; locale?: string } | undefined;
  const locale = member.locale ?? centre?.locale ?? DEFAULT_LOCALE;
  const selection: Selection = { kind: 'routing-rule', ruleId: routed.ruleId, ruleVersion: routed.ruleVersion };
  const base = {
    notificationId: staffNotificationIdFor(envelope.eventId, member.id, channel),
    eventId: envelope.eventId,
    eventType: type,
    centreId: centre?.id ?? null,
    bookingReference: null,
    appointmentId: null,
    channel,
    selection,
  };
  const person = { kind: 'staff' as const, id: member.id, name: member.name, locale };
  const suppress = (reason: SuppressionReason, detail: string, address: string | null): PlanDecision => ({
    kind: 'suppressed',
    event: { ...base, recipient: { ...person, address }, reason, detail, suppressedAt: now.toISOString() },
  });

  // Routed by a record recorded before they were erased: nothing of theirs is left to send to, in-app included.
  if (isErasedStaffMember(member)) return suppress('erased', 'the staff member was erased', null);
  const address = channel === 'push' ? livePushToken(member, (token) => input.blockFor('push', token, member.id)) : staffAddressFor(member, channel);
  if (!address) return suppress('no-contact', `staff member has no ${channel === 'push' ? 'push token' : `${channel} contact`}`, null);
  if ((channel === 'whatsapp' || channel === 'sms') && !isValidPhoneNumber(address)) {
    return suppress('invalid-contact', 'phone number is well-formed but not a valid number', address);
  }
  const block = channel === 'in_app' ? null : input.blockFor(channel, address, member.id);
  if (block) return suppress(block, block === 'opted-out' ? `staff member opted out of ${channel}` : BOUNCED[channel] ?? 'address refused permanently', address);

  const chosen = chooseAndRender(
    templates,
    { eventType: type, channel, locales: [member.locale ?? undefined, centre?.locale, DEFAULT_LOCALE], centreId: centre?.id ?? null, address },
    (template) => templates.variables(type, envelope.data, { locale, staffName: member.name }, template),
  );
  if (!chosen.ok) return suppress(chosen.reason, chosen.detail, address);

  const recipient: Recipient = { ...person, address };
  const { template, variables, content } = chosen;
  const sendBy = sendByFor((input.deadlineRules ?? defaultDeadlineRules)(type, centre?.id ?? null), { receivedAt: input.receivedAt ?? now, slotStart: null });
  const about = aboutOf(envelope.data);
  const planned: NotificationPlanned = {
    ...base, recipient, template, variables, ...(about ? { about } : {}), content, dueAt: now.toISOString(), sendBy: sendBy.toISOString(), plannedAt: now.toISOString(),
  };
  // Quiet hours at the event's centre: a bill alert at 2 a.m. waits for the morning; a stat lab request does not.
  return deferForQuietHours({ kind: 'planned', event: planned }, input.quietHours, { envelope });
}

/**
 * Whose data a staff event's words carry: the number that wrote (a patient's reply, by its
 * conversation), or the patient it names. Null for events about no patient (a system alert).
 */
function aboutOf(data: Record<string, unknown>): NotificationPlanned['about'] | null {
  const reply = data.reply as { conversationId?: unknown } | undefined;
  if (typeof reply?.conversationId === 'string') return { kind: 'contact', id: reply.conversationId };
  const patient = data.patient as { id?: unknown } | undefined;
  return typeof patient?.id === 'string' ? { kind: 'patient', id: patient.id } : null;
}
