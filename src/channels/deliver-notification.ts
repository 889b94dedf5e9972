import { erasedSuppression, isErasedRecipient } from '../domain/erasure/erased-suppression.ts';
import type { Kysely } from 'kysely';
import type { Counter } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import type { Channel } from '../domain/event-catalogue.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { maskAddress } from '../domain/mask-contact.ts';
import { NOTIFICATION_EVENT_TYPES as T } from '../domain/notifications/notification-events.ts';
import {
  decideDispatch,
  evolveNotification,
  hasAttemptsLeft,
  initialNotificationState,
  retryDelayMs,
  type DispatchPolicy,
} from '../domain/notifications/notification-state.ts';
import { abandonedEvents, deliveryEvent, expiredEvents, outcomeEvents, type DeliveryContext, type NotificationDeliveryEvent } from '../domain/notifications/outcome-events.ts';
import { wordsOf, type RenderRecordedVersion } from '../domain/templates/recorded-content.ts';
import { isWhatsAppTemplate } from '../domain/templates/rendered-message.ts';
import { templateRefusalOf } from '../domain/templates/whatsapp-template-refusal.ts';
import type { NotificationPlanned } from '../domain/notifications/notification-events.ts';
import { recordWhatsAppTemplateRefused } from '../commands/templates/record-whatsapp-template-state.ts';
import { streamName, type StreamName } from '../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type RecordedEvent } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { ChannelPauses } from './channel-pauses.ts';
import type { ChannelTransport, SendOutcome } from './channel-port.ts';
import type { ChannelLane } from './channel-lane.ts';
import { releaseDeliveries, type ClaimedDelivery } from './delivery-queue.queries.ts';
import { applySendEffect } from './send-effects.ts';
import { sendBudgetMs, sendWithinAttempt } from './send-within-attempt.ts';

export interface DeliveryDeps {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  clock: Clock;
  logger: Logger;
  /** For the keyed hash that names an address's preference stream (an opt-out, a dead token). */
  keys: Pick<LedgerKeys, 'contactHash'>;
  /** Whether a provider reports delivery back (recorded with each send); unknown when absent. */
  reportsReceipts?: (provider: string) => boolean;
  transports: Partial<Record<Channel, ChannelTransport>>;
  /** Only for notifications planned before their words were recorded; the rest are sent as recorded. */
  render: RenderRecordedVersion;
  worker: string;
  policy: DispatchPolicy;
  backoff: { baseMs: number; maxMs: number; random: () => number };
  lanes: ReadonlyMap<Channel, ChannelLane>;
  pauses: ChannelPauses;
  sends: Counter | undefined;
  /** Aborted when the dispatcher stops: a send in flight gives up its wait. */
  signal: AbortSignal;
  /** A notification was sent: its row leaves the queue with the next claim. */
  sentAway: (notificationId: string) => void;
  /** A delivery came due again later: the loop works out its sleep again, so the retry is not late. */
  dueAgain: () => void;
}

/**
 * Delivers one claimed notification: decides from its stream what is to be done, takes ownership
 * in the ledger by appending AttemptStarted at the revision it read (a conflict means another
 * worker owns it: no send), sends through the channel's transport and records the outcome.
 */
export async function deliverNotification(deps: DeliveryDeps, row: ClaimedDelivery, read: RecordedEvent[] | undefined): Promise<void> {
  const { store, clock, logger } = deps;
  const stream = streamName.notification(row.notification_id);
  const history = read ?? (await readStreamToArray(store, stream));
  const state = history.reduce(evolveNotification, initialNotificationState);
  const now = clock.now();
  const decision = decideDispatch(state, now, deps.policy);
  const context: DeliveryContext = { notificationId: row.notification_id, correlationId: state.planned?.eventId ?? row.notification_id, actor: deps.worker };
  const release = async (dueAt: Date | null) => {
    await releaseDeliveries(deps.db, { notificationIds: [row.notification_id], worker: deps.worker, dueAt });
    if (dueAt !== null) deps.dueAgain();
  };
  const revision = BigInt(history.length - 1);

  if (decision.kind === 'skip') {
    const dueAt = decision.reason === 'not-due' ? new Date(decision.dueAt) : decision.reason === 'owned-by-another' ? undefined : null;
    if (dueAt !== undefined) await release(dueAt);
    return;
  }
  if (decision.kind === 'expire') {
    await appendInTurn(store, stream, expiredEvents(context, revision + 1n, decision, now), revision + 1n);
    logger.info({ notificationId: row.notification_id, channel: state.planned?.channel, sendBy: decision.sendBy }, 'notification expired: past its relevance deadline');
    await release(null);
    return;
  }
  if (decision.kind === 'give-up') {
    await appendInTurn(store, stream, abandonedEvents(context, revision, decision.attempts, state.lastFailure, now), revision);
    await release(null);
    return;
  }

  const planned = state.planned!;
  // Planned before its recipient was erased (the keys went after the read model queued it): never sent.
  if (isErasedRecipient(planned)) {
    // At the revision read: a conflict means another worker moved it, and it meets this same check.
    await store.append(stream, [deliveryEvent(context, revision + 1n, T.suppressed, erasedSuppression(planned, now))], revision);
    await release(null);
    return;
  }
  const started = deliveryEvent(context, revision + 1n, T.attemptStarted, {
    notificationId: row.notification_id,
    attempt: decision.attempt,
    worker: deps.worker,
    startedAt: now.toISOString(),
    possibleDuplicate: decision.possibleDuplicate,
  });
  const owned = await store.append(stream, [started], revision);
  if (!owned.ok) return; // Another worker took it between our read and our append: it sends, not us.

  const channel = planned.channel;
  const outcome = await send(deps, planned, decision.attempt);
  deps.sends?.inc({ channel, outcome: outcome.kind === 'sent' ? 'sent' : outcome.retryable ? 'retryable' : 'failed' });
  const after = revision + 2n;
  const at = clock.now();
  // A failure that pauses the channel is the account's, not the message's: it waits for the resume
  // like every message behind it (and expires at its deadline), rather than failing or falling back.
  const pausing = outcome.kind === 'failed' && (outcome.effect === 'pause-channel' || outcome.effect === 'quota-pause');
  const willRetry = outcome.kind === 'failed' && (outcome.retryable || pausing) && hasAttemptsLeft(state, decision.attempt, deps.policy);
  const backoffUntil = willRetry
    ? at.getTime() + retryDelayMs(decision.attempt, { ...deps.backoff, retryAfterMs: outcome.retryAfterMs, random: deps.backoff.random() })
    : null;
  // Retries stop at the deadline: a retry due after it comes due at it, and is expired then.
  const retryAt = backoffUntil === null ? null : new Date(planned.sendBy ? Math.min(backoffUntil, new Date(planned.sendBy).getTime()) : backoffUntil);
  const receiptsExpected = outcome.kind === 'sent' ? deps.reportsReceipts?.(outcome.provider) : undefined;
  await appendInTurn(store, stream, outcomeEvents(context, after, { attempt: decision.attempt, outcome, at, retryAt, ...(receiptsExpected === undefined ? {} : { receiptsExpected }) }), after);

  if (outcome.kind === 'sent') {
    logger.info({ notificationId: planned.notificationId, channel, to: maskAddress(planned.recipient.address), attempt: decision.attempt }, 'notification sent');
    // No release of its own: the next claim takes it off the queue (one statement for every send
    // since), or the read model does on NotificationSent; until then our lease keeps it ours.
    deps.sentAway(row.notification_id);
    return;
  }
  logger.warn({ notificationId: planned.notificationId, channel, code: outcome.code, attempt: decision.attempt, retryAt }, 'send attempt failed');
  await recordTemplateRefusal(deps, planned, outcome.code, decision.attempt, at);
  const paused = await applySendEffect(store, deps.keys, outcome, { channel, address: planned.recipient.address, personId: planned.recipient.id }, at);
  if (paused) {
    deps.pauses.forget(channel);
    logger.error({ channel, code: paused.code, kind: paused.kind }, 'channel paused');
  }
  await release(retryAt);
}

/** Sends the recorded words within the attempt's time; what cannot be sent at all is a permanent failure. */
async function send(deps: DeliveryDeps, planned: NonNullable<ReturnType<typeof evolveNotification>['planned']>, attempt: number): Promise<SendOutcome> {
  const channel = planned.channel;
  const transport = deps.transports[channel];
  if (!transport) return { kind: 'failed', provider: 'none', retryable: false, code: 'no-transport', message: `no transport is configured for ${channel}` };
  const rendered = wordsOf(planned, deps.render);
  if (!rendered.ok) return { kind: 'failed', provider: transport.provider, retryable: false, code: 'template-error', message: rendered.error.message };
  return sendWithinAttempt(
    deps.lanes.get(channel)!,
    transport,
    { notificationId: planned.notificationId, channel, to: planned.recipient.address, rendered: rendered.value, attempt },
    { timeoutMs: sendBudgetMs(deps.policy.attemptTimeoutMs), signal: deps.signal },
  );
}

/**
 * Each event goes at its own revision, `first` on; 'any' if a provider report slipped in between
 * (its id still names the revision it was meant for, so a repeat is the same event).
 */
async function appendInTurn(store: EventStore, stream: StreamName, events: readonly NotificationDeliveryEvent[], first: bigint): Promise<void> {
  for (const [i, event] of events.entries()) {
    const result = await store.append(stream, [event], first + BigInt(i) - 1n);
    if (!result.ok) await store.append(stream, [event], 'any');
  }
}

/**
 * A send WhatsApp refused for its template (a mismatch, a pause, a disablement) marks that template
 * for planning, which then suppresses its later messages and alerts the admins, instead of failing
 * them at Meta one by one. Recorded after the attempt's outcome; if it is lost, the next sync tells.
 */
async function recordTemplateRefusal(deps: DeliveryDeps, planned: NotificationPlanned, code: string, attempt: number, at: Date): Promise<void> {
  const state = planned.channel === 'whatsapp' ? templateRefusalOf(code) : null;
  const words = state ? wordsOf(planned, deps.render) : null;
  if (!state || !words?.ok || !isWhatsAppTemplate(words.value)) return;
  const { templateName: name, languageCode: language } = words.value;
  await recordWhatsAppTemplateRefused(deps, { name, language, state, code, notificationId: planned.notificationId, refusedAt: at.toISOString() }, attempt);
}

