import { isPatientEventType, type Channel, type PatientEventType } from '../event-catalogue.ts';
import type { PolicyInForce } from './channel-policy.ts';
import { deterministicUuid } from '../ids.ts';
import type { Envelope } from '../intake/envelope.ts';
import type { InboundEventReceived } from '../intake/inbound-receipt.ts';
import { approachingTurnEnvelope } from '../walk-in/plan-approaching-turn.ts';
import type { PayloadOf } from '../event-catalogue.ts';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type FallbackArm,
  type FallbackPlanned,
  type FallbackReason,
  type NotificationFailed,
  type NotificationPlanned,
  type NotificationSent,
  type NotificationSuppressed,
  type StatusReported,
} from './notification-events.ts';
import { FALLBACK_SUPPRESSIONS, remainingChain } from './plan-notifications.ts';

/*
 * Fallback: a patient message that cannot reach the patient on its channel goes on to the next
 * channel of its chain, once. The fallback is a notification of its own whose id derives from the
 * original's and the channel; its stream opens with FallbackPlanned, appended only where no stream
 * is, so a trigger seen three times, or replayed, makes one.
 */

/** The fallback of `originalId` on `channel`: the same id however often, or wherever, the trigger is seen. */
export const fallbackNotificationId = (originalId: string, channel: Channel): string => deterministicUuid('notification', 'fallback', originalId, channel);

/** What the service keeps of a notification that has somewhere to fall back to: no contact, no content. */
export interface FallbackSource {
  notificationId: string;
  /** Set when it is itself a fallback. */
  fallbackOf: string | null;
  /** Whose policy decides where it goes next: the event type's, at this centre. */
  eventType: PatientEventType;
  centreId: string | null;
  arm: FallbackArm;
  /** The original's deadline, which every fallback inherits; null where it had none. */
  sendBy: string | null;
  /** The last revision the planner appended to its stream (a later suppression expects it). */
  revision: number;
  /** `delivered` or `read` was reported: nothing falls back any more, and a waiting fallback is suppressed. */
  delivered: boolean;
  /** The fallback planned for it, once there is one. */
  fallbackId: string | null;
}

/** A FallbackSource from the event that planned (or suppressed) the notification; null when nothing follows it. */
export function fallbackSourceOf(event: NotificationPlanned | NotificationSuppressed, revision: number): FallbackSource | null {
  if (!event.fallback || event.fallback.chain.length === 0 || !isPatientEventType(event.eventType)) return null;
  return {
    notificationId: event.notificationId,
    fallbackOf: event.fallbackOf ?? null,
    eventType: event.eventType,
    centreId: event.centreId,
    arm: event.fallback,
    sendBy: 'sendBy' in event ? (event.sendBy ?? null) : null,
    revision,
    delivered: false,
    fallbackId: null,
  };
}

/** Why one of a notification's own events sets off its fallback, or null when it does not. */
export function fallbackTrigger(source: FallbackSource, event: { type: string; data: unknown }): { reason: FallbackReason; detail: string } | null {
  if (source.delivered || source.fallbackId !== null) return null;
  switch (event.type) {
    case T.suppressed: {
      const s = event.data as NotificationSuppressed;
      return FALLBACK_SUPPRESSIONS.has(s.reason) ? { reason: 'suppressed', detail: s.reason } : null;
    }
    case T.failed: {
      const f = event.data as NotificationFailed;
      return { reason: 'failed', detail: `failed after ${f.attempts} attempt(s): ${f.code}` };
    }
    case T.statusReported: {
      const r = event.data as StatusReported;
      return r.status === 'failed' || r.status === 'bounced' ? { reason: 'failed', detail: `${r.provider} reported ${r.status}${r.code ? ` (${r.code})` : ''}` } : null;
    }
    default:
      return null;
  }
}

/** A provider report that the message reached the patient: `read` counts as delivered. */
export const isDeliveryReport = (event: { type: string; data: unknown }): boolean =>
  event.type === T.statusReported && ['delivered', 'read'].includes((event.data as StatusReported).status);

/**
 * Where it goes next under the policy in force now (at the trigger): the first channel of the chain
 * from its root not tried yet that the person can be reached on; null when the policy has none left.
 */
export const nextFallbackChannel = (source: FallbackSource, inForce: PolicyInForce): Channel | null =>
  remainingChain(inForce, source.arm.root, source.arm.tried, source.arm.reachable)[0] ?? null;

/** The FallbackPlanned that opens the fallback's stream, under the policy in force at the trigger. */
export function fallbackPlanned(source: FallbackSource, trigger: { reason: FallbackReason; detail: string }, inForce: PolicyInForce, at: Date): FallbackPlanned | null {
  const channel = nextFallbackChannel(source, inForce);
  if (!channel) return null;
  return {
    notificationId: fallbackNotificationId(source.notificationId, channel),
    fallbackOf: source.notificationId,
    channel,
    reason: trigger.reason,
    detail: trigger.detail,
    policyVersion: inForce.version,
    plannedAt: at.toISOString(),
  };
}

/** When a sent notification without a receipt falls back, by the policy in force at the send; null when it never does. */
export function undeliveredDueAt(source: FallbackSource, sent: NotificationSent, inForce: PolicyInForce): { dueAt: Date; channel: Channel; minutes: number } | null {
  if (source.delivered || source.fallbackId !== null) return null;
  const channel = nextFallbackChannel(source, inForce);
  if (!channel) return null;
  const minutes = inForce.policy.undeliveredAfterMinutes;
  return { dueAt: new Date(new Date(sent.sentAt).getTime() + minutes * 60_000), channel, minutes };
}

/**
 * The event a notification was planned from, rebuilt from the inbound event that caused it: the
 * same payload the planner saw, so the fallback says what the original said, on its own channel.
 */
export function envelopeOfNotification(original: NotificationPlanned | NotificationSuppressed, inbound: InboundEventReceived): Envelope | null {
  const selection = original.selection;
  switch (selection.kind) {
    case 'catalogue':
    case 'emergency-leave':
      return { eventId: inbound.eventId, type: inbound.type, occurredAt: inbound.occurredAt, data: inbound.data } as Envelope;
    case 'reminder':
      return { eventId: selection.scheduledBy, type: 'appointment.reminder', occurredAt: inbound.occurredAt, data: { ...(inbound.data as object), offset: selection.offset } } as Envelope;
    case 'walkin-threshold': {
      const update = inbound.data as PayloadOf<'walkin.queue_updated'>;
      const token = update.tokens.find((t) => t.patient.id === original.recipient.id);
      if (!token) return null;
      return approachingTurnEnvelope({
        eventId: inbound.eventId,
        occurredAt: inbound.occurredAt,
        centre: update.centre,
        queue: { id: update.queue.id, name: update.queue.name },
        token,
        threshold: selection.threshold,
      });
    }
    // Staff alerts and front-desk replies never fall back.
    case 'routing-rule':
    case 'reply':
      return null;
  }
}

/** The inbound event a notification's payload is in: the reminder's scheduling event for a reminder. */
export const inboundEventIdOf = (original: NotificationPlanned | NotificationSuppressed): string =>
  original.selection.kind === 'reminder' ? original.selection.scheduledBy : original.eventId;

/** A waiting fallback whose original reached the patient first: it is not sent. */
export function originalDeliveredSuppression(planned: NotificationPlanned, at: Date): NotificationSuppressed {
  const { notificationId, eventId, eventType, centreId, bookingReference, appointmentId, channel, recipient, selection } = planned;
  return {
    notificationId,
    eventId,
    eventType,
    centreId,
    bookingReference,
    appointmentId,
    channel,
    recipient,
    selection,
    reason: 'original-delivered',
    detail: `the original ${planned.fallbackOf ?? ''} was delivered before this fallback went out`.replace('  ', ' '),
    suppressedAt: at.toISOString(),
    ...(planned.fallbackOf ? { fallbackOf: planned.fallbackOf } : {}),
  };
}
