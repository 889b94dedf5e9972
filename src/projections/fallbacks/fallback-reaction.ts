import { deterministicUuid } from '../../domain/ids.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import {
  envelopeOfNotification,
  fallbackNotificationId,
  fallbackPlanned,
  fallbackSourceOf,
  fallbackTrigger,
  inboundEventIdOf,
  isDeliveryReport,
  originalDeliveredSuppression,
  undeliveredDueAt,
} from '../../domain/notifications/fallback.ts';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type FallbackPlanned,
  type NotificationPlanned,
  type NotificationSent,
  type NotificationSuppressed,
} from '../../domain/notifications/notification-events.ts';
import { planFallback, type PlanDecision } from '../../domain/notifications/plan-notifications.ts';
import { categoryOf, streamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type RecordedEvent } from '../../ledger/event-store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { deadlineRules } from '../deadlines/deadline-rules-state.ts';
import { channelPolicies } from '../channel-policies/channel-policies-state.ts';
import type { PatientEventType } from '../../domain/event-catalogue.ts';
import { quietHours } from '../quiet-hours/quiet-hours-state.ts';
import { loadBlocks, toAppend, type PlanningDeps } from '../deliveries/patient-planning-reaction.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { notApprovedAlerts } from '../templates/template-reaction.ts';
import { planningTemplatesAt } from '../templates/templates-at.ts';
import { fallbackState } from './fallback-state.ts';

export interface FallbackDeps extends PlanningDeps {
  /** The ledger, read (never in a rebuild) for the original and the event it was planned from. */
  store: EventStore;
  logger: Logger;
  /** Whether a provider reports receipts: only then does "not delivered in time" arm. */
  reportsReceipts(provider: string): boolean;
  /** A rebuild folds the state only: it decides nothing. */
  rebuild?: boolean;
}

/** The events of a notification's life the fallback follows. */
const FOLLOWED = new Set<string>([T.planned, T.suppressed, T.deferred, T.sent, T.failed, T.statusReported, T.fallbackPlanned]);

/**
 * Fallback, folded in ledger order: notifications planned with a chain become sources; a trigger
 * (suppressed, failed for good, a failed receipt) opens the fallback's stream with FallbackPlanned,
 * at no-stream, so it happens once; a FallbackPlanned is then planned like any message, as of its
 * own position. A delivery of the original ends its watch and suppresses a fallback still waiting.
 */
export function fallbackReaction(deps: FallbackDeps): LedgerReaction {
  return {
    name: 'fallbacks',
    // Every notification from its first event, which says whether it has a fallback: its later events
    // then need no read to find it has none.
    handles: (e) => FOLLOWED.has(e.type) && categoryOf(e.stream) === 'notification',
    async prefetch(events, { state }) {
      const unknown = events.filter((e) => !startsNotification(e));
      await state.of(fallbackState).load(unknown.map((e) => (e.type === T.fallbackPlanned ? (e.data as FallbackPlanned).fallbackOf : (e.data as { notificationId: string }).notificationId)));
    },
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      const fallbacks = context.state.of(fallbackState);
      const at = context.clock.now();
      if (event.type === T.fallbackPlanned) return planned(event, context, deps);
      const id = (event.data as { notificationId: string }).notificationId;
      if (startsNotification(event)) {
        fallbacks.begin(id, fallbackSourceOf(event.data as NotificationPlanned | NotificationSuppressed, 0));
      } else if (event.type === T.planned || (event.type === T.suppressed && (event.data as NotificationSuppressed).fallbackOf)) {
        const created = fallbackSourceOf(event.data as NotificationPlanned | NotificationSuppressed, Number(event.revision));
        if (created && !(await fallbacks.get(id))) fallbacks.put(created);
      }
      const source = await fallbacks.get(id);
      if (!source) return [];
      if (event.type === T.deferred) {
        fallbacks.put({ ...source, revision: Number(event.revision) });
        return [];
      }
      const inForce = (await context.state.of(channelPolicies).policies())(source.eventType, source.centreId);
      if (event.type === T.sent) {
        const sent = event.data as NotificationSent;
        const due = (sent.receiptsExpected ?? deps.reportsReceipts(sent.provider)) ? undeliveredDueAt(source, sent, inForce) : null;
        if (due) {
          fallbacks.watch({ notificationId: id, fallbackId: fallbackNotificationId(id, due.channel), channel: due.channel, policyVersion: inForce.version, minutes: due.minutes, dueAt: due.dueAt });
        }
        return [];
      }
      if (isDeliveryReport(event)) {
        if (source.delivered) return [];
        fallbacks.put({ ...source, delivered: true });
        fallbacks.endWatch(id);
        return source.fallbackId ? suppressWaitingFallback(source.fallbackId, event, context, deps) : [];
      }
      const trigger = fallbackTrigger(source, event);
      if (!trigger) return [];
      fallbacks.endWatch(id);
      const next = fallbackPlanned(source, trigger, inForce, at);
      return next ? [openFallback(next, event)] : [];
    },
  };
}

/** A notification's first event, a plan or a suppression: nothing of it was stored before. */
const startsNotification = (e: Pick<RecordedEvent, 'type' | 'revision'>): boolean => e.revision === 0n && (e.type === T.planned || e.type === T.suppressed);

/** FallbackPlanned at no-stream: a second trigger, another instance or a replay finds the stream taken. */
export function openFallback(next: FallbackPlanned, cause: { id: string } | null): PendingAppend {
  return {
    stream: streamName.notification(next.notificationId),
    expected: 'no-stream',
    events: [{
      id: deterministicUuid('notification-event', next.notificationId, 'fallback-planned'),
      type: T.fallbackPlanned,
      data: next,
      metadata: cause ? { causationId: cause.id } : {},
    }],
  };
}

/** A FallbackPlanned: the original now has its fallback; the fallback is planned as of this position. */
async function planned(event: RecordedEvent, context: ReactionContext, deps: FallbackDeps): Promise<PendingAppend[]> {
  const fallback = event.data as FallbackPlanned;
  const fallbacks = context.state.of(fallbackState);
  const source = await fallbacks.get(fallback.fallbackOf);
  if (source) fallbacks.put({ ...source, fallbackId: fallback.notificationId });
  fallbacks.endWatch(fallback.fallbackOf);
  if (deps.rebuild) return [];

  const original = await plannedEventOf(deps.store, fallback.fallbackOf);
  const inbound = original ? await inboundOf(deps.store, inboundEventIdOf(original)) : null;
  const envelope = original && inbound ? envelopeOfNotification(original, inbound) : null;
  const arm = original?.fallback;
  if (!original || !envelope || !arm) {
    deps.logger.error({ notificationId: fallback.notificationId, fallbackOf: fallback.fallbackOf }, 'fallback planned for a notification whose event cannot be read: not planned');
    return [];
  }
  const templates = await planningTemplatesAt(context, event.position);
  const blockFor = await loadBlocks(context, envelope);
  const sendBy = source?.sendBy ?? ('sendBy' in original ? (original.sendBy ?? null) : null);
  const decision = planFallback(
    {
      envelope,
      now: context.clock.now(),
      templates,
      blockFor,
      deadlineRules: await context.state.of(deadlineRules).rules(),
      quietHours: await context.state.of(quietHours).lookup(),
      ...(deps.smsReachable ? { smsReachable: deps.smsReachable } : {}),
      fallback: { of: fallback.fallbackOf, notificationId: fallback.notificationId, selection: original.selection, sendBy },
    },
    { channel: fallback.channel, original: arm, inForce: (await context.state.of(channelPolicies).policies())(original.eventType as PatientEventType, original.centreId) },
  );
  if (!decision) return [];
  const final: PlanDecision = source?.delivered && decision.kind === 'planned'
    ? { kind: 'suppressed', event: originalDeliveredSuppression(decision.event, context.clock.now()) }
    : decision;
  return [toAppend(final, event, 1), ...(await notApprovedAlerts([final], event, context))];
}

/** The fallback is still as planned (no attempt started): append its suppression where it stands. */
async function suppressWaitingFallback(fallbackId: string, cause: RecordedEvent, context: ReactionContext, deps: FallbackDeps): Promise<PendingAppend[]> {
  const waiting = await context.state.of(fallbackState).get(fallbackId);
  if (deps.rebuild) return [];
  const events = await readStreamToArray(deps.store, streamName.notification(fallbackId));
  const plannedEvent = events.find((e) => e.type === T.planned);
  const last = events.at(-1);
  if (!plannedEvent || !last) return [];
  // Once an attempt started it stays sent (or is retried): the patient may already have it.
  if (events.some((e) => e.type !== T.fallbackPlanned && e.type !== T.planned && e.type !== T.deferred)) return [];
  const revision = waiting ? BigInt(waiting.revision) : last.revision;
  const suppressed = originalDeliveredSuppression(plannedEvent.data as NotificationPlanned, context.clock.now());
  return [{
    stream: streamName.notification(fallbackId),
    expected: revision,
    events: [{
      id: deterministicUuid('notification-event', fallbackId, Number(revision) + 1),
      type: T.suppressed,
      data: suppressed,
      metadata: { correlationId: suppressed.eventId, causationId: cause.id },
    }],
  }];
}

async function plannedEventOf(store: EventStore, notificationId: string): Promise<NotificationPlanned | NotificationSuppressed | null> {
  const events = await readStreamToArray(store, streamName.notification(notificationId));
  const first = events.find((e) => e.type === T.planned || e.type === T.suppressed);
  return first ? (first.data as NotificationPlanned | NotificationSuppressed) : null;
}

async function inboundOf(store: EventStore, eventId: string): Promise<InboundEventReceived | null> {
  const events = await readStreamToArray(store, streamName.inbound(eventId));
  const received = events.find((e) => e.type === INBOUND_RECEIVED);
  return received ? (received.data as InboundEventReceived) : null;
}
