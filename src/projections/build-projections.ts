import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import { renderRecordedVersion } from '../domain/templates/recorded-content.ts';
import type { EventStore } from '../ledger/event-store.ts';
import type { SealedCells } from '../ledger/sealed-cells.ts';
import type { Logger } from '../telemetry/logger.ts';
import { deliveriesProjection, InlineDeliveries, type DeliveryChange, type DeliveryHandoff } from './deliveries/deliveries-projection.ts';
import { patientPlanningReaction } from './deliveries/patient-planning-reaction.ts';
import { preferenceReaction } from './deliveries/preference-reaction.ts';
import { inboundMessagesProjection } from './inbound/inbound-messages-projection.ts';
import { inboxProjection } from './inbound/inbox-projection.ts';
import { plannerProcessor } from './planner-processor.ts';
import type { Projection } from './projection-runner.ts';
import { providerCallbackProcessor } from './provider-callbacks/provider-callback-reaction.ts';
import { reminderFiringReaction } from './reminders/reminder-firing-reaction.ts';
import { reminderScheduleReaction } from './reminders/reminder-schedule-reaction.ts';
import { remindersProjection } from './reminders/reminders-projection.ts';
import { staffAlertsProjection } from './staff/staff-alerts-projection.ts';
import { staffRoutingReaction } from './staff/staff-routing-reaction.ts';
import { templateReaction } from './templates/template-reaction.ts';
import { deadlineRuleReaction } from './deadlines/deadline-rules-state.ts';
import { channelPolicyReaction } from './channel-policies/channel-policies-state.ts';
import { fallbackReaction } from './fallbacks/fallback-reaction.ts';
import { quietHoursReaction } from './quiet-hours/quiet-hours-state.ts';
import { unroutedStaffEventsProjection } from './staff/unrouted-staff-events-projection.ts';
import { walkinReaction } from './walk-in/walkin-reaction.ts';
import { webhookEndpointsProjection } from './webhooks/webhook-endpoints-projection.ts';
import { conversationsProjection } from './conversations/conversations-projection.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { scrubConversations, scrubInboundMessages, scrubNotifications, scrubStaffAlerts } from './erasure/read-model-scrubs.ts';
import { scrubOnErasure } from './erasure/scrub-on-erasure.ts';
import { webhookOutboxProjection } from './webhooks/webhook-outbox-projection.ts';

export interface ProjectionDeps {
  store: EventStore;
  /** Keyed hashes name conversations: a rebuild needs the same master key as the live service. */
  keys: Pick<LedgerKeys, 'contactHash' | 'payloadHash'>;
  /** Opens what the read models keep sealed, for the reactions that decide from it (routing, reminders). */
  cells: Pick<SealedCells, 'open'>;
  clock: Clock;
  logger: Logger;
  metrics?: Registry;
  onDeliveriesChanged?: (changes: readonly DeliveryChange[]) => void;
  onRemindersChanged?: () => void;
  onConversationsChanged?: (conversationIds: readonly string[]) => void;
  /** Told after a commit that queued webhook messages or moved some on: the webhook sender's wake-up. */
  onWebhooksQueued?: () => void;
  /** Building read models for a replay: only what keeps state runs. */
  rebuild?: boolean;
  /** Whether an SMS route takes a number (`SMS_ROUTES`); default: every number. */
  smsReachable?(phone: string): boolean;
  /** Whether a provider reports receipts, which arms "not delivered in time"; default: none does. */
  reportsReceipts?(provider: string): boolean;
  /**
   * The planner writes the notification rows its plans start in the plans' own append statement, where
   * the store can (`appendEachWith`: a PostgreSQL or PGlite ledger); default true. Never in a rebuild.
   */
  inlineDeliveries?: boolean;
  /** This process's dispatcher: plans due now are written claimed for it and handed to it (with `inlineDeliveries`). */
  handoff?: DeliveryHandoff;
}

/** Every projection, and the rows the planner writes with its plans, when it does (the service lets the lane linger then). */
export interface BuiltProjections {
  projections: Projection[];
  inline: InlineDeliveries | null;
}

/**
 * Every projection and reaction of the service, in one list: the live service runs them, and a
 * replay runs the same list into a fresh schema (with a ledger that takes no appends) to compare.
 */
export function buildProjections(deps: ProjectionDeps): Projection[] {
  return buildProjectionSet(deps).projections;
}

export function buildProjectionSet(deps: ProjectionDeps): BuiltProjections {
  const { store, clock, logger } = deps;
  const planning = deps.smsReachable ? { smsReachable: deps.smsReachable } : {};
  const inline = !deps.rebuild && deps.inlineDeliveries !== false && store.appendEachWith
    ? new InlineDeliveries({ keys: deps.keys, onChanged: deps.onDeliveriesChanged, metrics: deps.metrics })
    : null;
  if (inline && deps.handoff) inline.handTo(deps.handoff);
  const projections: Projection[] = [
    inboxProjection,
    // Before the deliveries read model, in the same transaction (both commit first, before the lane's
    // others): it reads each notification's status as of the batch's start, to tell the status an
    // event moves it from.
    webhookOutboxProjection({ keys: deps.keys, logger: logger.child({ component: 'webhook-outbox' }), onQueued: deps.onWebhooksQueued }),
    scrubOnErasure(deliveriesProjection({ keys: deps.keys, onChanged: deps.onDeliveriesChanged, ...(inline ? { inline } : {}) }), scrubNotifications),
    remindersProjection({ onChanged: deps.onRemindersChanged }),
    plannerProcessor({
      store,
      clock,
      keys: deps.keys,
      logger: logger.child({ component: 'planner' }),
      ...(inline ? { inline } : {}),
      // A rebuild takes no appends, so the reactions that keep no state and only decide appends
      // (planning patient messages, firing reminders) would be work thrown away: leave them out.
      reactions: [
        templateReaction,
        deadlineRuleReaction,
        channelPolicyReaction,
        quietHoursReaction,
        preferenceReaction(deps.keys),
        ...(deps.rebuild ? [] : [patientPlanningReaction(planning)]),
        reminderScheduleReaction,
        ...(deps.rebuild ? [] : [reminderFiringReaction(logger.child({ component: 'reminders' }), { ...planning, cells: deps.cells })]),
        walkinReaction(planning),
        fallbackReaction({
          ...planning,
          store,
          logger: logger.child({ component: 'fallbacks' }),
          reportsReceipts: deps.reportsReceipts ?? (() => false),
          ...(deps.rebuild ? { rebuild: true } : {}),
        }),
        staffRoutingReaction({ cells: deps.cells }),
      ],
    }),
    scrubOnErasure(staffAlertsProjection({ render: renderRecordedVersion }), scrubStaffAlerts),
    unroutedStaffEventsProjection({ metrics: deps.metrics }),
    scrubOnErasure(inboundMessagesProjection(deps.keys), scrubInboundMessages(deps.keys)),
    webhookEndpointsProjection,
    scrubOnErasure(conversationsProjection({ keys: deps.keys, onChanged: deps.onConversationsChanged }), scrubConversations),
    providerCallbackProcessor({ store, clock, keys: deps.keys, cells: deps.cells, logger: logger.child({ component: 'provider-callbacks' }), rebuild: deps.rebuild }),
  ];
  return { projections, inline };
}
