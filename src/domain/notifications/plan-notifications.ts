import { ERASED } from '../keys/personal-data.ts';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import type { Envelope } from '../intake/envelope.ts';
import { isPatientEventType, type Channel, type EventType } from '../event-catalogue.ts';
import { deterministicUuid } from '../ids.ts';
import type { FallbackArm, NotificationDeferred, NotificationExpired, NotificationPlanned, NotificationSuppressed, Recipient, Selection, SuppressionReason } from './notification-events.ts';
import type { Patient, Slot } from '../intake/payload-parts.ts';
import { slotInstant } from '../slot-instant.ts';
import { defaultDeadlineRules, sendByFor, type DeadlineRules } from './relevance-deadline.ts';
import { checkDlt } from './dlt-check.ts';
import { PATIENT_POLICY_CHANNELS, defaultChannelPolicies, fallbackChain, type ChannelPolicies, type PolicyInForce } from './channel-policy.ts';
import type { ContactBlock } from './preference-events.ts';
import type { RenderedMessage } from '../templates/rendered-message.ts';
import type { Result } from '../result.ts';
import type { TemplateVersionRef } from '../templates/choose-template.ts';
import { isSendable, type TemplateApprovalState } from '../templates/template-events.ts';
import { deferForQuietHours } from './defer-for-quiet-hours.ts';
import type { QuietHoursLookup } from './quiet-hours.ts';

/**
 * One (person, channel): planned, or suppressed with the reason. A planned one may be deferred by
 * quiet hours, or, when its deadline falls inside them, expired at once; those events follow the
 * NotificationPlanned in the same append.
 */
export type PlanDecision =
  | { kind: 'planned'; event: NotificationPlanned; deferred?: NotificationDeferred; expired?: NotificationExpired }
  | { kind: 'suppressed'; event: NotificationSuppressed };

/** The suppressions that set off a fallback: the patient may still be reached another way. */
export const FALLBACK_SUPPRESSIONS: ReadonlySet<SuppressionReason> = new Set<SuppressionReason>(['invalid-contact', 'opted-out', 'template-not-approved', 'dlt-mismatch']);

/** Which template version a notification was planned with, as NotificationPlanned records it. */
export interface TemplateChoice {
  key: string;
  version: number;
  locale: string;
}

/** The templates as the planner needs them, as they stood before the event planned; wired by the caller. */
export interface PlanningTemplates {
  /** The best template for these locales (the recipient's, then the centre's; `en` last), the centre's own first. */
  select(eventType: EventType, channel: Channel, locales: readonly (string | undefined)[], centreId: string | null): TemplateVersionRef | null;
  /** The version's state at the provider: only `approved` and `unknown` (never synced) are sent. */
  approval(template: TemplateVersionRef): TemplateApprovalState;
  variables(eventType: EventType, data: Record<string, unknown>, target: PlanTarget & { locale: string }, template: TemplateChoice): Record<string, string>;
  render(template: TemplateVersionRef, variables: Record<string, string>): Result<RenderedMessage, { message: string }>;
}

/**
 * The template step shared by patient and staff planning: choose, check it is approved, render once.
 * What it renders is recorded on NotificationPlanned and sent as recorded.
 */
export function chooseAndRender(
  templates: Pick<PlanningTemplates, 'select' | 'approval' | 'render'>,
  input: { eventType: EventType; channel: Channel; locales: readonly (string | undefined)[]; centreId: string | null; address: string },
  variablesFor: (template: TemplateChoice) => Record<string, string>,
): { ok: true; template: TemplateChoice; variables: Record<string, string>; content: RenderedMessage } | { ok: false; reason: SuppressionReason; detail: string } {
  const { eventType, channel } = input;
  const chosen = templates.select(eventType, channel, input.locales, input.centreId);
  if (!chosen) return { ok: false, reason: 'template-error', detail: `no template for ${eventType} on ${channel}` };
  const approval = templates.approval(chosen);
  if (!isSendable(approval) && chosen.content.channel === 'whatsapp') {
    const { name, language } = chosen.content;
    return { ok: false, reason: 'template-not-approved', detail: `template ${chosen.key} v${chosen.version} maps to ${name} (${language}), which is ${approval} at WhatsApp` };
  }
  const template: TemplateChoice = { key: chosen.key, version: chosen.version, locale: chosen.locale };
  const variables = variablesFor(template);
  const rendered = templates.render(chosen, variables);
  if (!rendered.ok) return { ok: false, reason: 'template-error', detail: rendered.error.message };
  // An SMS to an Indian number that does not match its DLT registration is blocked by the operator,
  // and still billed: never send it. DLT binds only +91 numbers.
  if (chosen.content.channel === 'sms' && rendered.value.channel === 'sms' && input.address.startsWith(DLT_PREFIX)) {
    const dlt = checkDlt(chosen.content, rendered.value);
    if (!dlt.ok) return { ok: false, reason: 'dlt-mismatch', detail: `template ${chosen.key} v${chosen.version}, variable ${dlt.error.variable}: ${dlt.error.message}` };
  }
  return { ok: true, template, variables, content: rendered.value };
}

/** India's country code: the numbers the DLT rules bind. */
const DLT_PREFIX = '+91';

/** One person an event concerns, with the part of the payload that is theirs (fan-out events). */
export interface PlanTarget {
  patient: Patient;
  /** For doctor.emergency_leave: the index into `affected`. */
  affectedIndex?: number;
  appointmentId: string | null;
  bookingReference: string | null;
}

export interface PlanningInput {
  envelope: Envelope;
  now: Date;
  templates: PlanningTemplates;
  /** What is known against a (channel, address, person), looked up before planning. */
  blockFor(channel: Channel, address: string, personId: string): ContactBlock;
  /**
   * Messages generated here (reminders, approaching turn) name their notifications their own way;
   * default: (eventId, person, channel) and the catalogue entry.
   */
  identify?(target: PlanTarget, channel: Channel): { notificationId: string; selection: Selection };
  /** The emergency-leave event that already told this appointment's patient, if any. */
  emergencyLeaveFor?(appointmentId: string): string | null;
  /** When we recorded the event that causes these messages (default: now); deadlines count from it. */
  receivedAt?: Date;
  /** For a reminder: when it was due and its offset, so its deadline is half the offset after. */
  reminder?: { dueAt: Date; offsetMs: number };
  /** The deadline rules in force (admins' as of the event's position); default: the product's. */
  deadlineRules?: DeadlineRules;
  /** The channel policies in force (admins' as of the event's position); default: the seed's matrix, WhatsApp -> SMS. */
  channelPolicies?: ChannelPolicies;
  /** Whether an SMS route takes this number; default: every number. */
  smsReachable?(phone: string): boolean;
  /** Planning a fallback: its id, the original's selection and deadline, which it inherits. */
  fallback?: { of: string; notificationId: string; selection: Selection; sendBy: string | null };
  /** Quiet hours in force at each centre (admins' as of the event's position); default: none anywhere. */
  quietHours?: QuietHoursLookup;
}

const DEFAULT_LOCALE = 'en-IN';

/** Who hears about a patient event, on which channels, or why not: one decision per (person, channel). */
export function planPatientNotifications(input: PlanningInput): PlanDecision[] {
  const { envelope } = input;
  if (!isPatientEventType(envelope.type)) return [];
  const centreId = (envelope.data as { centre?: { id: string } }).centre?.id ?? null;
  const inForce = (input.channelPolicies ?? defaultChannelPolicies)(envelope.type, centreId);
  return targetsOf(envelope).flatMap((target, targetIndex) =>
    inForce.policy.primary.map((channel) => armed(input, decide(input, target, channel), inForce, target, targetIndex)));
}

/**
 * The fallback of one of the event's notifications, for the same person: planned like any other
 * (templates, opt-outs, quiet hours as of the trigger), with the original's deadline. Null when the
 * target is gone from the payload (impossible for a recorded event).
 */
export function planFallback(
  input: PlanningInput & { fallback: NonNullable<PlanningInput['fallback']> },
  next: { channel: Channel; original: FallbackArm; inForce: PolicyInForce },
): PlanDecision | null {
  const { original, inForce } = next;
  const target = targetsOf(input.envelope)[original.targetIndex];
  if (!target) return null;
  const tried = [...original.tried, next.channel];
  const reachableNow = PATIENT_POLICY_CHANNELS.filter((c) => reachable(input, target, c));
  const chain = remainingChain(inForce, original.root, tried, reachableNow);
  return withArm(decide(input, target, next.channel), {
    chain, policyVersion: inForce.version, undeliveredAfterMinutes: inForce.policy.undeliveredAfterMinutes, targetIndex: original.targetIndex, root: original.root, tried, reachable: reachableNow,
  });
}

/** What is left of the chain from `root` under a policy: channels not tried yet that the person can be reached on. */
export function remainingChain(inForce: PolicyInForce, root: Channel, tried: readonly Channel[], reachableChannels: readonly Channel[]): Channel[] {
  return fallbackChain(inForce.policy, root).filter((c) => !tried.includes(c) && reachableChannels.includes(c));
}

function armed(input: PlanningInput, decision: PlanDecision, inForce: PolicyInForce, target: PlanTarget, targetIndex: number): PlanDecision {
  const root = decision.event.channel;
  const reachableNow = PATIENT_POLICY_CHANNELS.filter((c) => reachable(input, target, c));
  const chain = remainingChain(inForce, root, [root], reachableNow);
  return withArm(decision, { chain, policyVersion: inForce.version, undeliveredAfterMinutes: inForce.policy.undeliveredAfterMinutes, targetIndex, root, tried: [root], reachable: reachableNow });
}

/** Only a message that may go out, or one suppressed for a reason another channel gets round, may fall back. */
function withArm(decision: PlanDecision, arm: FallbackArm): PlanDecision {
  if (arm.chain.length === 0) return decision;
  const armable = decision.kind === 'planned' ? !decision.expired : FALLBACK_SUPPRESSIONS.has(decision.event.reason);
  if (!armable) return decision;
  return decision.kind === 'planned'
    ? { ...decision, event: { ...decision.event, fallback: arm } }
    : { ...decision, event: { ...decision.event, fallback: arm } };
}

/** A fallback never uses an address the patient lacks: no phone, no WhatsApp and no SMS. */
function reachable(input: PlanningInput, target: PlanTarget, channel: Channel): boolean {
  const address = addressFor(target.patient, channel);
  if (!address) return false;
  return channel !== 'sms' || (input.smsReachable?.(address) ?? true);
}

export function targetsOf(envelope: Envelope): PlanTarget[] {
  const data = envelope.data as Record<string, unknown> & { patient?: Patient; appointment?: { id: string; bookingReference: string } };
  if (envelope.type === 'doctor.emergency_leave') {
    const affected = data.affected as { patient: Patient; appointment: { id: string; bookingReference: string } }[];
    return affected.map((a, affectedIndex) => ({
      patient: a.patient,
      affectedIndex,
      appointmentId: a.appointment.id,
      bookingReference: a.appointment.bookingReference,
    }));
  }
  if (!data.patient) return [];
  return [{ patient: data.patient, appointmentId: data.appointment?.id ?? null, bookingReference: data.appointment?.bookingReference ?? null }];
}

/** Deterministic: the same event, person and channel always name the same notification. */
export function notificationIdFor(eventId: string, personId: string, channel: Channel, appointmentId?: string | null): string {
  return appointmentId == null
    ? deterministicUuid('notification', eventId, personId, channel)
    : deterministicUuid('notification', eventId, personId, channel, appointmentId);
}

function decide(input: PlanningInput, target: PlanTarget, channel: Channel): PlanDecision {
  const { envelope, now, templates } = input;
  const type = envelope.type;
  const data = envelope.data as { centre?: { id: string; locale?: string } };
  const fanOut = target.affectedIndex !== undefined;
  const locale = target.patient.locale ?? data.centre?.locale ?? DEFAULT_LOCALE;
  const { notificationId, selection } = input.fallback ?? input.identify?.(target, channel) ?? {
    notificationId: notificationIdFor(envelope.eventId, target.patient.id, channel, fanOut ? target.appointmentId : null),
    selection: fanOut ? { kind: 'emergency-leave', appointmentId: target.appointmentId! } : { kind: 'catalogue', eventType: type },
  } satisfies { notificationId: string; selection: Selection };
  const base = {
    notificationId,
    eventId: envelope.eventId,
    eventType: type,
    centreId: data.centre?.id ?? null,
    bookingReference: target.bookingReference,
    appointmentId: target.appointmentId,
    channel,
    selection,
    ...(input.fallback ? { fallbackOf: input.fallback.of } : {}),
  };
  const person = { kind: 'patient' as const, id: target.patient.id, name: target.patient.name, locale };
  // A fallback keeps the original's deadline: it is the same message, later.
  const sendBy = input.fallback
    ? (input.fallback.sendBy === null ? null : new Date(input.fallback.sendBy))
    : sendByFor((input.deadlineRules ?? defaultDeadlineRules)(type, data.centre?.id ?? null), {
      receivedAt: input.receivedAt ?? now,
      slotStart: slotStartOf(envelope, target),
      ...(input.reminder ? { reminder: input.reminder } : {}),
    });
  // A suppression another channel may get round keeps the deadline, which its fallback inherits.
  const suppress = (reason: SuppressionReason, detail: string, address: string | null): PlanDecision => ({
    kind: 'suppressed',
    event: {
      ...base,
      recipient: { ...person, address },
      reason,
      detail,
      suppressedAt: now.toISOString(),
      ...(sendBy && FALLBACK_SUPPRESSIONS.has(reason) ? { sendBy: sendBy.toISOString() } : {}),
    },
  });

  // Planned from data recorded before the patient was erased (a reminder, a fallback, a replay of their event): nothing to send.
  if (isErasedPatient(target.patient)) return suppress('erased', 'the patient was erased', null);
  const address = addressFor(target.patient, channel);
  const leave = type === 'appointment.cancelled' && target.appointmentId ? input.emergencyLeaveFor?.(target.appointmentId) : null;
  if (leave) return suppress('covered-by-emergency-leave', `emergency leave ${leave} already told the patient and offered a refund`, address);
  if (!address) return suppress('no-contact', `patient has no ${channel === 'email' ? 'email address' : 'phone number'}`, null);
  if ((channel === 'whatsapp' || channel === 'sms') && !isValidPhoneNumber(address)) {
    return suppress('invalid-contact', 'phone number is well-formed but not a valid number', address);
  }
  const block = input.blockFor(channel, address, target.patient.id);
  if (block) return suppress(block, block === 'opted-out' ? `patient opted out of ${channel}` : 'email address bounced permanently', address);

  const chosen = chooseAndRender(
    templates,
    { eventType: type, channel, locales: [target.patient.locale, data.centre?.locale, DEFAULT_LOCALE], centreId: data.centre?.id ?? null, address },
    (template) => templates.variables(type, envelope.data, { ...target, locale }, template),
  );
  if (!chosen.ok) return suppress(chosen.reason, chosen.detail, address);

  const recipient: Recipient = { ...person, address };
  const { template, variables, content } = chosen;
  const planned: PlanDecision & { kind: 'planned' } = {
    kind: 'planned',
    event: { ...base, recipient, template, variables, content, dueAt: now.toISOString(), ...(sendBy ? { sendBy: sendBy.toISOString() } : {}), plannedAt: now.toISOString() },
  };
  // Quiet hours, last: only a message that would be sent is deferred (or expired) by them.
  return deferForQuietHours(planned, input.quietHours, { envelope, affectedIndex: target.affectedIndex });
}

/** The slot a message to this target is about: the appointment's, or for a fan-out, the affected one's. */
function slotStartOf(envelope: Envelope, target: PlanTarget): Date | null {
  const data = envelope.data as { centre?: { timeZone: string }; appointment?: Slot; affected?: { appointment: Slot }[] };
  const slot = target.affectedIndex !== undefined ? data.affected?.[target.affectedIndex]?.appointment : data.appointment;
  return slot && data.centre ? slotInstant(slot, data.centre.timeZone) : null;
}

const isErasedPatient = (patient: Patient): boolean => patient.name === ERASED || patient.phone === ERASED || patient.email === ERASED;

function addressFor(patient: Patient, channel: Channel): string | null {
  switch (channel) {
    case 'whatsapp':
    case 'sms':
      return patient.phone ?? null;
    case 'email':
      return patient.email ?? null;
    case 'push':
    case 'in_app':
      return null;
  }
}
