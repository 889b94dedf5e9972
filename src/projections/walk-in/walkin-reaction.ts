import type { Envelope } from '../../domain/intake/envelope.ts';
import type { PayloadOf } from '../../domain/event-catalogue.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { planApproachingTurn, tokensReachingTurn, type QueueToken } from '../../domain/walk-in/plan-approaching-turn.ts';
import { localDateAt } from '../../domain/slot-instant.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import { DEFAULT_WALKIN_THRESHOLD, WALKIN_EVENT_TYPES, type WalkInThresholdSet } from '../../domain/walk-in/walkin-events.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { walkinQueues } from './walkin-batch-state.ts';
import { deadlineRules } from '../deadlines/deadline-rules-state.ts';
import { channelPolicies } from '../channel-policies/channel-policies-state.ts';
import { quietHours } from '../quiet-hours/quiet-hours-state.ts';
import { notApprovedAlerts } from '../templates/template-reaction.ts';
import { planningTemplatesAt } from '../templates/templates-at.ts';
import { loadBlocks, toAppend, type PlanningDeps } from '../deliveries/patient-planning-reaction.ts';
import { notifiedAt, saveThreshold, type QueueKey } from './walkin-state.queries.ts';

const WALKIN_TYPES = new Set(['walkin.queue_updated', 'walkin.token_called']);

/**
 * Walk-in turns: each queue update tells the tokens at or within the queue's threshold (as of this
 * event's position) that their turn is near, once per token per day, never a token already
 * called; an update older (occurredAt) than the last applied one is ignored.
 */
export function walkinReaction(deps: PlanningDeps = {}): LedgerReaction {
  return {
    name: 'walkin-turns',
    handles: (e) =>
      (e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound' && WALKIN_TYPES.has((e.data as InboundEventReceived).type))
      || (e.type === WALKIN_EVENT_TYPES.thresholdSet && categoryOf(e.stream) === 'walkin-queue'),
    async prefetch(events, { state }) {
      const updates = events
        .filter((e) => e.type === INBOUND_RECEIVED && (e.data as InboundEventReceived).type === 'walkin.queue_updated')
        .map((e) => e.data as InboundEventReceived);
      await state.of(walkinQueues).load(
        updates.map((r) => keyOf(r.data as PayloadOf<'walkin.queue_updated'>)),
        updates.flatMap((r) => {
          const update = r.data as PayloadOf<'walkin.queue_updated'>;
          const localDate = localDateAt(new Date(r.occurredAt), update.centre.timeZone);
          return update.tokens.map((t) => ({ key: keyOf(update), localDate, token: t.number }));
        }),
      );
    },
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      if (event.type === WALKIN_EVENT_TYPES.thresholdSet) {
        const set = event.data as WalkInThresholdSet;
        await saveThreshold(context.db, set, event.position);
        context.state.of(walkinQueues).thresholdChanged({ centreId: set.centreId, queueId: set.queueId });
        return [];
      }
      const received = event.data as InboundEventReceived;
      if (received.type === 'walkin.token_called') {
        const called = received.data as PayloadOf<'walkin.token_called'>;
        const localDate = localDateAt(new Date(received.occurredAt), called.centre.timeZone);
        context.state.of(walkinQueues).called({ centreId: called.centre.id, queueId: called.queue.id }, localDate, called.token.number);
        return [];
      }
      return queueUpdated(event, received, context, deps);
    },
  };
}

const keyOf = (update: { centre: { id: string }; queue: { id: string } }): QueueKey => ({ centreId: update.centre.id, queueId: update.queue.id });

async function queueUpdated(event: RecordedEvent, received: InboundEventReceived, context: ReactionContext, deps: PlanningDeps): Promise<PendingAppend[]> {
  const update = received.data as PayloadOf<'walkin.queue_updated'>;
  const key = keyOf(update);
  const walkin = context.state.of(walkinQueues);
  const before = await walkin.queue(key);
  const occurredAt = Date.parse(received.occurredAt);
  if (!(await walkin.advance(key, occurredAt, event.position))) {
    // Seen before (a repeated batch, or another instance): plan again what it told; ids make it once.
    const told = await notifiedAt(context.db, key, event.position);
    const byNumber = new Map(update.tokens.map((t) => [t.number, t]));
    const again = told.flatMap((t) => {
      const token = byNumber.get(t.token_number);
      return token ? [{ token, threshold: t.notified_threshold ?? token.position, localDate: t.local_date }] : [];
    });
    return planAll(event, received, update, again, context, deps);
  }
  if (before && occurredAt < before.lastOccurredAt) return [];

  const threshold = (await walkin.threshold(key)) ?? DEFAULT_WALKIN_THRESHOLD;
  const localDate = localDateAt(new Date(received.occurredAt), update.centre.timeZone);
  const within = update.tokens.filter((t) => t.position <= threshold).map((t) => t.number);
  const known = await walkin.tokenStates(key, localDate, within);
  const reaching = tokensReachingTurn(update.tokens, threshold, (n) => known.get(n));
  walkin.told(reaching.map((t) => ({ key, localDate, token: t.number, queuePosition: t.position, threshold, position: event.position })));
  const told = reaching.map((token) => ({ token, threshold, localDate }));
  return planAll(event, received, update, told, context, deps);
}

async function planAll(
  event: RecordedEvent,
  received: InboundEventReceived,
  update: PayloadOf<'walkin.queue_updated'>,
  told: readonly { token: QueueToken; threshold: number; localDate: string }[],
  context: ReactionContext,
  deps: PlanningDeps,
): Promise<PendingAppend[]> {
  const appends: PendingAppend[] = [];
  if (told.length === 0) return appends;
  const templates = await planningTemplatesAt(context, event.position);
  for (const { token, threshold, localDate } of told) {
    const envelope: Envelope = { eventId: received.eventId, type: 'walkin.approaching_turn', occurredAt: received.occurredAt, data: { patient: token.patient } };
    const blockFor = await loadBlocks(context, envelope);
    const decisions = planApproachingTurn({
      eventId: received.eventId,
      occurredAt: received.occurredAt,
      centre: update.centre,
      queue: { id: update.queue.id, name: update.queue.name },
      token,
      threshold,
      localDate,
      now: context.clock.now(),
      receivedAt: new Date(received.receivedAt),
      deadlineRules: await context.state.of(deadlineRules).rules(),
      channelPolicies: await context.state.of(channelPolicies).policies(),
      ...(deps.smsReachable ? { smsReachable: deps.smsReachable } : {}),
      quietHours: await context.state.of(quietHours).lookup(),
      templates,
      blockFor,
    });
    appends.push(...decisions.map((d) => toAppend(d, event)), ...(await notApprovedAlerts(decisions, event, context)));
  }
  return appends;
}
