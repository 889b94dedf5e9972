import { sql } from 'kysely';
import type { Envelope } from '../domain/envelope.ts';
import type { Channel } from '../domain/event-catalogue.ts';
import { deterministicUuid } from '../domain/ids.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../domain/inbound-receipt.ts';
import { NOTIFICATION_EVENT_TYPES } from '../domain/notification-events.ts';
import { planPatientNotifications, targetsOf, type PlanDecision, type PlanningTemplates } from '../domain/plan-notifications.ts';
import type { ContactBlock } from '../domain/preference-events.ts';
import { categoryOf, streamName } from '../domain/stream-name.ts';
import type { RecordedEvent } from '../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from './ledger-reaction.ts';
import { emergencyLeaveOf } from './reminder-state.queries.ts';

/** Patient events -> one NotificationPlanned or NotificationSuppressed per (person, channel). */
export function patientPlanningReaction(templates: PlanningTemplates): LedgerReaction {
  return {
    name: 'patient-planning',
    handles: (e) => e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound',
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      const received = event.data as InboundEventReceived;
      const envelope = { eventId: received.eventId, type: received.type, occurredAt: received.occurredAt, data: received.data } as Envelope;
      const blocks = await loadBlocks(context, envelope);
      const cancelled = envelope.type === 'appointment.cancelled' ? (envelope.data as { appointment: { id: string } }).appointment.id : null;
      const leave = cancelled ? await emergencyLeaveOf(context.db, cancelled) : null;
      const decisions = planPatientNotifications({
        envelope,
        now: context.clock.now(),
        templates,
        blockFor: blockLookup(blocks),
        emergencyLeaveFor: (appointmentId) => (appointmentId === cancelled ? leave : null),
      });
      return decisions.map((d) => toAppend(d, event));
    },
  };
}

export function toAppend(decision: PlanDecision, cause: RecordedEvent): PendingAppend {
  const id = decision.event.notificationId;
  return {
    stream: streamName.notification(id),
    expected: 'no-stream',
    events: [{
      id: deterministicUuid('notification-event', id, 0),
      type: decision.kind === 'planned' ? NOTIFICATION_EVENT_TYPES.planned : NOTIFICATION_EVENT_TYPES.suppressed,
      data: decision.event,
      metadata: { correlationId: decision.event.eventId, causationId: cause.id },
    }],
  };
}

export const blockLookup = (blocks: Map<string, ContactBlock>) => (channel: Channel, address: string, personId: string): ContactBlock =>
  blocks.get(`a:${channel}:${address}`) ?? blocks.get(`p:${channel}:${personId}`) ?? null;

/** Opt-outs and bounces of everyone the event concerns, keyed for the planner's look-ups. */
export async function loadBlocks(context: ReactionContext, envelope: Envelope): Promise<Map<string, ContactBlock>> {
  const targets = targetsOf(envelope);
  const blocks = new Map<string, ContactBlock>();
  if (targets.length === 0) return blocks;
  const addresses = [...new Set(targets.flatMap((t) => [t.patient.phone, t.patient.email]).filter((a): a is string => !!a))];
  const people = [...new Set(targets.map((t) => t.patient.id))];
  // One round trip for both kinds: by address, and by person.
  const rows = await context.db
    .selectFrom('contact_blocks')
    .select([sql<string>`'a'`.as('kind'), 'channel', 'address as key', 'block'])
    .where('address', 'in', addresses.length ? addresses : [''])
    .unionAll((eb) => eb.selectFrom('person_blocks').select([sql<string>`'p'`.as('kind'), 'channel', 'person_id as key', 'block']).where('person_id', 'in', people))
    .execute();
  for (const row of rows) blocks.set(`${row.kind}:${row.channel as Channel}:${row.key}`, row.block);
  return blocks;
}
