import type { Envelope } from '../../domain/intake/envelope.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { NOTIFICATION_EVENT_TYPES } from '../../domain/notifications/notification-events.ts';
import { planPatientNotifications, targetsOf, type PlanDecision } from '../../domain/notifications/plan-notifications.ts';
import type { ContactBlock } from '../../domain/notifications/preference-events.ts';
import { categoryOf, streamName } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import type { BatchState } from '../batch-state.ts';
import { emergencyLeaves } from '../reminders/reminder-batch-state.ts';
import { contactBlocks } from './contact-blocks.ts';
import { deadlineRules } from '../deadlines/deadline-rules-state.ts';
import { channelPolicies } from '../channel-policies/channel-policies-state.ts';
import { quietHours } from '../quiet-hours/quiet-hours-state.ts';
import { templateCatalogue } from '../templates/template-catalogue-state.ts';
import { notApprovedAlerts } from '../templates/template-reaction.ts';
import { planningTemplatesAt } from '../templates/templates-at.ts';

/** What planning needs of the deployment: whether an SMS route takes a number (`SMS_ROUTES`). */
export interface PlanningDeps {
  smsReachable?(phone: string): boolean;
}

/** Patient events -> one NotificationPlanned or NotificationSuppressed per (person, channel). */
export function patientPlanningReaction(deps: PlanningDeps = {}): LedgerReaction {
  return {
    name: 'patient-planning',
    handles: (e) => e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound',
    async prefetch(events, { state }) {
      const envelopes = events.map(envelopeOf);
      const targets = envelopes.flatMap(targetsOf);
      await Promise.all([
        state.of(templateCatalogue).asOf(events[0]!.position),
        loadPatientBlocks(state, targets.map((t) => t.patient)),
        state.of(emergencyLeaves).load(envelopes.flatMap((e) => cancelledAppointmentOf(e) ?? [])),
      ]);
    },
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      const envelope = envelopeOf(event);
      const blockFor = await loadBlocks(context, envelope);
      const cancelled = cancelledAppointmentOf(envelope);
      const leave = cancelled ? await context.state.of(emergencyLeaves).of(cancelled) : null;
      const templates = await planningTemplatesAt(context, event.position);
      const decisions = planPatientNotifications({
        envelope,
        now: context.clock.now(),
        receivedAt: new Date((event.data as InboundEventReceived).receivedAt),
        deadlineRules: await context.state.of(deadlineRules).rules(),
        channelPolicies: await context.state.of(channelPolicies).policies(),
        ...(deps.smsReachable ? { smsReachable: deps.smsReachable } : {}),
        quietHours: await context.state.of(quietHours).lookup(),
        templates,
        blockFor,
        emergencyLeaveFor: (appointmentId) => (appointmentId === cancelled ? leave : null),
      });
      return [...decisions.map((d) => toAppend(d, event)), ...(await notApprovedAlerts(decisions, event, context))];
    },
  };
}

/**
 * A decision as the append that opens its notification's stream (at `first`, 0 unless a
 * FallbackPlanned opened it): NotificationPlanned or NotificationSuppressed, then any deferral or expiry.
 */
export function toAppend(decision: PlanDecision, cause: RecordedEvent, first = 0): PendingAppend {
  const id = decision.event.notificationId;
  const metadata = { correlationId: decision.event.eventId, causationId: cause.id };
  const T = NOTIFICATION_EVENT_TYPES;
  const events: { type: string; data: unknown }[] = decision.kind === 'planned'
    ? [
      { type: T.planned, data: decision.event },
      ...(decision.deferred ? [{ type: T.deferred, data: decision.deferred }] : []),
      ...(decision.expired ? [{ type: T.expired, data: decision.expired }] : []),
    ]
    : [{ type: T.suppressed, data: decision.event }];
  return {
    stream: streamName.notification(id),
    expected: first === 0 ? 'no-stream' : BigInt(first - 1),
    events: events.map((e, i) => ({ id: deterministicUuid('notification-event', id, first + i), ...e, metadata })),
  };
}

/** Who a block look-up is for: the planners ask by channel, address and person. */
export type BlockLookup = (channel: Channel, address: string, personId: string) => ContactBlock;

const envelopeOf = (event: RecordedEvent): Envelope => {
  const received = event.data as InboundEventReceived;
  return { eventId: received.eventId, type: received.type, occurredAt: received.occurredAt, data: received.data } as Envelope;
};

const cancelledAppointmentOf = (envelope: Envelope): string | null =>
  envelope.type === 'appointment.cancelled' ? (envelope.data as { appointment: { id: string } }).appointment.id : null;

/** Opt-outs and bounces of these patients, by their phone and email and by their id, into the batch's state. */
export const loadPatientBlocks = (state: BatchState, patients: readonly { id: string; phone?: string; email?: string }[]): Promise<void> =>
  state.of(contactBlocks).load(patients.flatMap((p) => [p.phone, p.email].filter((a): a is string => !!a)), patients.map((p) => p.id));

/** Opt-outs and bounces of everyone the event concerns, as of this event in the batch. */
export async function loadBlocks(context: ReactionContext, envelope: Envelope): Promise<BlockLookup> {
  await loadPatientBlocks(context.state, targetsOf(envelope).map((t) => t.patient));
  return (channel, address, personId) => context.state.of(contactBlocks).lookup(channel, address, personId);
}
