import type { Envelope } from '../domain/envelope.ts';
import type { PayloadOf } from '../domain/event-catalogue.ts';
import { INBOUND_RECEIVED, type InboundEventReceived } from '../domain/inbound-receipt.ts';
import { planApproachingTurn, tokensReachingTurn, type QueueToken } from '../domain/plan-approaching-turn.ts';
import type { PlanningTemplates } from '../domain/plan-notifications.ts';
import { localDateAt } from '../domain/slot-instant.ts';
import { categoryOf } from '../domain/stream-name.ts';
import { WALKIN_EVENT_TYPES, type WalkInThresholdSet } from '../domain/walkin-events.ts';
import type { RecordedEvent } from '../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from './ledger-reaction.ts';
import { loadBlocks, toAppend } from './patient-planning-reaction.ts';
import { advanceQueue, markNotified, notifiedAt, queueState, saveThreshold, thresholdOf, tokenStates, type QueueKey } from './walkin-state.queries.ts';

const WALKIN_TYPES = new Set(['walkin.queue_updated', 'walkin.token_called']);

/**
 * Walk-in turns: each queue update tells the tokens at or within the queue's threshold (as of this
 * event's position) that their turn is near, once per token per day, never a token already
 * called; an update older (occurredAt) than the last applied one is ignored.
 */
export function walkinReaction(templates: PlanningTemplates): LedgerReaction {
  return {
    name: 'walkin-turns',
    handles: (e) =>
      (e.type === INBOUND_RECEIVED && categoryOf(e.stream) === 'inbound' && WALKIN_TYPES.has((e.data as InboundEventReceived).type))
      || (e.type === WALKIN_EVENT_TYPES.thresholdSet && categoryOf(e.stream) === 'walkin-queue'),
    async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
      if (event.type === WALKIN_EVENT_TYPES.thresholdSet) {
        await saveThreshold(context.db, event.data as WalkInThresholdSet, event.position);
        return [];
      }
      const received = event.data as InboundEventReceived;
      if (received.type === 'walkin.token_called') {
        const called = received.data as PayloadOf<'walkin.token_called'>;
        const localDate = localDateAt(new Date(received.occurredAt), called.centre.timeZone);
        context.state.calledTokens.add({ centreId: called.centre.id, queueId: called.queue.id, localDate, token: called.token.number });
        return [];
      }
      // Tokens called earlier in this batch are never told their turn is near.
      await context.state.calledTokens.flush();
      return queueUpdated(templates, event, received, context);
    },
  };
}

async function queueUpdated(templates: PlanningTemplates, event: RecordedEvent, received: InboundEventReceived, context: ReactionContext): Promise<PendingAppend[]> {
  const update = received.data as PayloadOf<'walkin.queue_updated'>;
  const key: QueueKey = { centreId: update.centre.id, queueId: update.queue.id };
  const before = await queueState(context.db, key);
  const fresh = await advanceQueue(context.db, key, received.occurredAt, event.position);
  if (!fresh) {
    // Seen before (a repeated batch, or another instance): plan again what it told; ids make it once.
    const told = await notifiedAt(context.db, key, event.position);
    const byNumber = new Map(update.tokens.map((t) => [t.number, t]));
    const again = told.flatMap((t) => {
      const token = byNumber.get(t.token_number);
      return token ? [{ token, threshold: t.notified_threshold ?? token.position, localDate: t.local_date }] : [];
    });
    return planAll(templates, event, received, update, again, context);
  }
  if (before && Date.parse(received.occurredAt) < new Date(before.last_occurred_at).getTime()) return [];

  const threshold = await thresholdOf(context.db, key);
  const localDate = localDateAt(new Date(received.occurredAt), update.centre.timeZone);
  const within = update.tokens.filter((t) => t.position <= threshold).map((t) => t.number);
  const known = await tokenStates(context.db, key, localDate, within);
  const reaching = tokensReachingTurn(update.tokens, threshold, (n) => known.get(n));
  const marked = await markNotified(context.db, key, localDate, reaching, threshold, event.position);
  const told = reaching.filter((t) => marked.has(t.number)).map((token) => ({ token, threshold, localDate }));
  return planAll(templates, event, received, update, told, context);
}

async function planAll(
  templates: PlanningTemplates,
  event: RecordedEvent,
  received: InboundEventReceived,
  update: PayloadOf<'walkin.queue_updated'>,
  told: readonly { token: QueueToken; threshold: number; localDate: string }[],
  context: ReactionContext,
): Promise<PendingAppend[]> {
  const appends: PendingAppend[] = [];
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
      templates,
      blockFor,
    });
    appends.push(...decisions.map((d) => toAppend(d, event)));
  }
  return appends;
}
