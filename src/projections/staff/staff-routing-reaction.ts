import type { Envelope } from '../../domain/intake/envelope.ts';
import { isStaffEventType, type StaffEventType } from '../../domain/event-catalogue.ts';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../domain/erasure/person-erased.ts';
import { evaluateStaffRouting, type RoutedRecipient } from '../../domain/staff-routing/evaluate-staff-routing.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { planStaffNotifications } from '../../domain/staff-routing/plan-staff-notifications.ts';
import { ROUTING_RULE_EVENT_TYPES, type RoutingRuleCreated, type RoutingRuleDeleted } from '../../domain/staff-routing/routing-rule.ts';
import { STAFF_MEMBER_EVENT_TYPES, evolveStaffMember, staffAddressFor, type StaffMember, type StaffMemberDeactivated, type StaffMemberUpserted } from '../../domain/staff-routing/staff-directory.ts';
import { SERVICE_WIDE_CENTRE, STAFF_ROUTING_EVENT_TYPES, unroutedFor } from '../../domain/staff-routing/staff-routing-events.ts';
import { categoryOf, streamName } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { contactBlocks } from '../deliveries/contact-blocks.ts';
import { staffRoutingState } from './staff-routing-batch-state.ts';
import { deadlineRules } from '../deadlines/deadline-rules-state.ts';
import { quietHours } from '../quiet-hours/quiet-hours-state.ts';
import { notApprovedAlerts } from '../templates/template-reaction.ts';
import { staffPlanningTemplatesAt } from '../templates/templates-at.ts';
import { toAppend } from '../deliveries/patient-planning-reaction.ts';
import { positionKey } from '../reminders/reminder-state.queries.ts';
import { recordRoutingRuleVersion, routingRuleVersion } from './routing-rules.queries.ts';
import { recordStaffMemberVersion, scrubStaffMemberVersions, staffMemberBefore, storedStaffMember, type StoredStaffMember } from './staff-directory.queries.ts';

const RULE_TYPES: readonly string[] = Object.values(ROUTING_RULE_EVENT_TYPES);
const STAFF_TYPES: readonly string[] = Object.values(STAFF_MEMBER_EVENT_TYPES);
const isStaffErased = (e: RecordedEvent): boolean => e.type === ERASURE_EVENT_TYPES.personErased && (e.data as PersonErased).kind === 'staff';

/**
 * Staff events -> NotificationPlanned / NotificationSuppressed per routed (staff member, channel),
 * or StaffEventUnrouted. It folds the staff directory and the routing rules itself, in ledger
 * order, keeping every version with its position, so an event is routed by exactly the rules and
 * records recorded before it: a rule changed between two events routes the first by the old
 * version and the second by the new, on replay too.
 *
 * The directory keeps names and contacts sealed, as the ledger does; routing opens the candidates
 * it judges (with `cells`) and plans with their real contacts.
 *
 * A staff member erased: their versions recorded so far read as a rebuild reads them (name and
 * contacts `[erased]`), so staff events after the erasure route to them as a replay would, and
 * planning suppresses those as `erased`.
 */
export function staffRoutingReaction(deps: { cells: Pick<SealedCells, 'open'> }): LedgerReaction {
  // The batch state keeps each candidate list for as long as the directory does not change: each is opened once.
  const opened = new WeakMap<readonly StoredStaffMember[], Promise<StaffMember[]>>();
  const open = (members: readonly StoredStaffMember[]): Promise<StaffMember[]> => {
    let found = opened.get(members);
    if (!found) {
      found = deps.cells.open([...members]);
      opened.set(members, found);
    }
    return found;
  };
  return {
    name: 'staff-routing',
    handles: (e) =>
      (STAFF_TYPES.includes(e.type) && categoryOf(e.stream) === 'staff-member')
      || (RULE_TYPES.includes(e.type) && categoryOf(e.stream) === 'routing-rule')
      || (e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound' && isStaffEventType((e.data as InboundEventReceived).type))
      || isStaffErased(e),
    async prefetch(events, { state }) {
      await state.of(staffRoutingState).loadRouted(events.filter((e) => e.type === INBOUND_RECEIVED).map((e) => (e.data as InboundEventReceived).eventId));
    },
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      if (isStaffErased(event)) {
        await scrubStaffMemberVersions(context.db, (event.data as PersonErased).id, event.position);
        context.state.of(staffRoutingState).directoryChanged();
      } else if (STAFF_TYPES.includes(event.type)) {
        await applyStaffMember(event, context);
        context.state.of(staffRoutingState).directoryChanged();
      } else if (RULE_TYPES.includes(event.type)) {
        await applyRoutingRule(event, context);
        context.state.of(staffRoutingState).rulesChanged();
      } else return route(event, context, open);
      return [];
    },
  };
}

async function applyStaffMember(event: RecordedEvent, { db }: ReactionContext): Promise<void> {
  if (event.type === STAFF_MEMBER_EVENT_TYPES.upserted) {
    const e = event.data as StaffMemberUpserted;
    const member = storedStaffMember(event);
    await recordStaffMemberVersion(db, { member, revision: event.revision, position: event.position, actor: e.actor, at: e.at });
    return;
  }
  const e = event.data as StaffMemberDeactivated;
  const previous = await staffMemberBefore(db, e.staffId, event.revision);
  const member = evolveStaffMember(previous, event);
  if (member) await recordStaffMemberVersion(db, { member, revision: event.revision, position: event.position, actor: e.actor, at: e.at });
}

async function applyRoutingRule(event: RecordedEvent, { db }: ReactionContext): Promise<void> {
  const position = event.position;
  if (event.type === ROUTING_RULE_EVENT_TYPES.deleted) {
    const e = event.data as RoutingRuleDeleted;
    const last = await routingRuleVersion(db, e.ruleId, e.version - 1);
    if (!last) throw new Error(`routing rule ${e.ruleId} deleted at version ${e.version} without a version ${e.version - 1}`);
    await recordRoutingRuleVersion(db, { ruleId: e.ruleId, version: e.version, rule: last, deleted: true, position, actor: e.actor, at: e.at });
    return;
  }
  const e = event.data as RoutingRuleCreated;
  await recordRoutingRuleVersion(db, { ruleId: e.ruleId, version: e.version, rule: e.rule, deleted: false, position, actor: e.actor, at: e.at });
}

const SERVICE_WIDE = SERVICE_WIDE_CENTRE;

async function route(event: RecordedEvent, context: ReactionContext, open: (members: readonly StoredStaffMember[]) => Promise<StaffMember[]>): Promise<PendingAppend[]> {
  const { clock, state } = context;
  const received = event.data as InboundEventReceived;
  const type = received.type as StaffEventType;
  const centreId = (received.data.centre as { id: string } | undefined)?.id ?? null;

  // A later receipt of the same eventId (after the dedup window) is not routed again: the first
  // receipt's routing stands, even if the rules changed since.
  const earlier = await state.of(staffRoutingState).routedAt(received.eventId);
  if (earlier !== null && earlier !== positionKey(event.position)) return [];

  const rules = await state.of(staffRoutingState).rulesAsOf(event.position);
  const named = [...new Set(rules.flatMap((r) => r.targets.staffIds))];
  const staff = await open(await state.of(staffRoutingState).candidatesAsOf(event.position, centreId, named));
  const outcome = evaluateStaffRouting({ type, centreId, data: received.data }, rules, staff);
  const now = clock.now();

  const envelope: Envelope = { eventId: received.eventId, type, occurredAt: received.occurredAt, data: received.data };
  await loadBlocks(context, outcome.recipients);
  const templates = await staffPlanningTemplatesAt(context, event.position);
  const decisions = planStaffNotifications({
    envelope,
    recipients: outcome.recipients,
    now,
    receivedAt: new Date(received.receivedAt),
    deadlineRules: await context.state.of(deadlineRules).rules(),
    quietHours: await context.state.of(quietHours).lookup(),
    templates,
    blockFor: (channel, address, staffId) => context.state.of(contactBlocks).lookup(channel, address, staffId),
  });

  state.of(staffRoutingState).routed({
    event_id: received.eventId,
    commit_position: event.position.commit.toString(),
    prepare_position: event.position.prepare.toString(),
    event_type: type,
    centre_id: centreId ?? SERVICE_WIDE,
    recipients: outcome.recipients.length,
    // The receipt's time, not the clock's: a rebuild by replay must write the same row.
    decided_at: event.recordedAt,
  });

  const appends = decisions.map((d) => toAppend(d, event));
  // An alert about an alert's own template would loop: system alerts raise none.
  if (type !== 'system.alert') appends.push(...(await notApprovedAlerts(decisions, event, context)));
  const unrouted = unroutedFor({ eventId: received.eventId, eventType: type, centreId: centreId ?? SERVICE_WIDE }, outcome, now);
  if (unrouted) {
    appends.push({
      stream: streamName.staffRouting(received.eventId),
      expected: 'no-stream',
      events: [{
        id: deterministicUuid('staff-event-unrouted', received.eventId),
        type: STAFF_ROUTING_EVENT_TYPES.unrouted,
        data: unrouted,
        metadata: { correlationId: received.eventId, causationId: event.id },
      }],
    });
  }
  return appends;
}

/** Opt-outs and bounces against the routed members' addresses and ids, as of this event in the batch. */
async function loadBlocks({ state }: ReactionContext, recipients: readonly RoutedRecipient[]): Promise<void> {
  if (recipients.length === 0) return;
  // Every push token: planning picks the newest one the provider has not refused.
  const addresses = recipients.flatMap((r) => (r.channel === 'push' ? r.member.contacts.pushTokens ?? [] : r.channel === 'in_app' ? [] : [staffAddressFor(r.member, r.channel)]))
    .filter((a): a is string => a !== null);
  await state.of(contactBlocks).load(addresses, recipients.map((r) => r.member.id));
}
