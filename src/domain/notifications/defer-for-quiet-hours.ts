import type { Envelope } from '../intake/envelope.ts';
import type { NotificationDeferred, NotificationExpired, NotificationPlanned } from './notification-events.ts';
import type { PlanDecision } from './plan-notifications.ts';
import { decideQuietHours, type QuietHoursLookup } from './quiet-hours.ts';

type Planned = Extract<PlanDecision, { kind: 'planned' }>;

interface SlotLike {
  slotDate?: string;
}

/** The dates of the slots a message is about, for `sameDay`: a reschedule's old and new, emergency leave's affected one. */
export function slotDatesOf(envelope: Envelope, affectedIndex?: number): string[] {
  const data = envelope.data as { appointment?: SlotLike; previousSlot?: SlotLike; affected?: { appointment?: SlotLike }[] };
  const slots = envelope.type === 'doctor.emergency_leave'
    ? (affectedIndex === undefined ? data.affected ?? [] : [data.affected?.[affectedIndex]]).map((a) => a?.appointment)
    : [data.appointment, data.previousSlot];
  return slots.flatMap((s) => (typeof s?.slotDate === 'string' ? [s.slotDate] : []));
}

/**
 * The planning step of quiet hours, after the deadline and the rendering: a planned message that
 * is not urgent and falls due inside its centre's window is planned due at the window's end with
 * NotificationDeferred, or, when its deadline falls first, expired at once with the reason. In-app
 * alerts never wait: they ring nobody, and whoever is on duty at night reads them.
 */
export function deferForQuietHours(
  decision: Planned,
  quietHours: QuietHoursLookup | undefined,
  facts: { envelope: Envelope; affectedIndex?: number },
): PlanDecision {
  const planned = decision.event;
  const centre = facts.envelope.data.centre as { id: string; timeZone?: string } | undefined;
  const quiet = centre?.timeZone && planned.channel !== 'in_app' ? quietHours?.(centre.id) ?? null : null;
  if (!quiet || !centre?.timeZone) return decision;
  const test = facts.envelope.data.test as { priority?: string } | undefined;
  const verdict = decideQuietHours(quiet, {
    eventType: facts.envelope.type,
    timeZone: centre.timeZone,
    slotDates: slotDatesOf(facts.envelope, facts.affectedIndex),
    priority: test?.priority ?? null,
    dueAt: new Date(planned.dueAt),
    sendBy: planned.sendBy ? new Date(planned.sendBy) : null,
  });
  if (verdict.kind === 'send-now') return decision;
  const until = verdict.until.toISOString();
  const event: NotificationPlanned = { ...planned, dueAt: until };
  const deferred: NotificationDeferred = { notificationId: planned.notificationId, until, window: verdict.window, deferredAt: planned.plannedAt };
  if (verdict.kind === 'defer') return { kind: 'planned', event, deferred };
  const expired: NotificationExpired = {
    notificationId: planned.notificationId,
    sendBy: planned.sendBy!,
    reason: 'deferred-past-deadline',
    attempts: 0,
    expiredAt: planned.plannedAt,
  };
  return { kind: 'planned', event, deferred, expired };
}
