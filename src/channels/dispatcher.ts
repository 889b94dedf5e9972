import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import { CHANNELS, type Channel } from '../domain/event-catalogue.ts';
import { deterministicUuid } from '../domain/ids.ts';
import { maskAddress } from '../domain/mask-contact.ts';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type AttemptFailed,
  type AttemptStarted,
  type NotificationFailed,
  type NotificationSent,
} from '../domain/notification-events.ts';
import {
  decideDispatch,
  evolveNotification,
  hasAttemptsLeft,
  initialNotificationState,
  retryDelayMs,
  type DispatchDecision,
  type DispatchPolicy,
  type NotificationState,
} from '../domain/notification-state.ts';
import type { PlanningTemplates } from '../domain/plan-notifications.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamsToMap, readStreamToArray, type EventStore, type NewEvent, type RecordedEvent } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { ChannelTransport, SendOutcome } from './channel-port.ts';
import { claimDue, nextDueAt, releaseDelivery, type ClaimedDelivery } from './delivery-queue.queries.ts';
import { ChannelPauses } from './channel-pauses.ts';
import { applySendEffect } from './send-effects.ts';
import { ChannelLane, DEFAULT_CHANNEL_LIMITS, type ChannelLimits } from './channel-lane.ts';
import { sendBudgetMs, sendWithinAttempt } from './send-within-attempt.ts';

export interface DispatcherOptions {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  clock: Clock;
  logger: Logger;
  transports: Partial<Record<Channel, ChannelTransport>>;
  render: PlanningTemplates['render'];
  metrics?: Registry;
  worker?: string;
  limits?: Partial<Record<Channel, Partial<ChannelLimits>>>;
  maxAttempts?: number;
  /** An attempt nobody finished within this long is retried (and marked a possible duplicate). */
  attemptTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest idle sleep: the fallback when no wake-up arrives (another instance planned work). */
  pollIntervalMs?: number;
  /** Most notifications one channel holds claimed at once. */
  claimBatch?: number;
  /** A channel claims no more than it can send within this long at its rate limit (see laneCapacity). */
  claimHorizonMs?: number;
  random?: () => number;
  /** Monotonic milliseconds for the rate limits; a test freezes it to hold a channel at its limit. */
  rateClock?: () => number;
}

/**
 * Claims due notifications (FOR UPDATE SKIP LOCKED), takes ownership in the ledger by appending
 * AttemptStarted at the revision it read (a conflict means another worker owns it: no send), sends
 * through the channel's transport and records the outcome. Each channel claims, holds and waits in
 * its own lane (channel-lane.ts), so a channel at its rate limit never holds another back.
 */
export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'metrics' | 'limits' | 'worker' | 'rateClock'>> & { worker: string };
  readonly #policy: DispatchPolicy;
  readonly #lanes = new Map<Channel, ChannelLane>();
  readonly #controller = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pauses: ChannelPauses;
  readonly #sends: Counter | undefined;
  /** The inbound eventId behind each notification in flight, for the metadata of what we append. */
  readonly #correlation = new Map<string, string>();
  #wake: (() => void) | null = null;
  #woken = false;
  #loop: Promise<void> | null = null;

  constructor(options: DispatcherOptions) {
    this.#o = {
      maxAttempts: 5,
      attemptTimeoutMs: 60_000,
      backoffBaseMs: 2_000,
      backoffMaxMs: 15 * 60_000,
      pollIntervalMs: 250,
      claimBatch: 50,
      claimHorizonMs: 1_000,
      random: Math.random,
      ...options,
      worker: options.worker ?? `dispatcher-${randomUUID().slice(0, 8)}`,
    };
    this.#policy = { maxAttempts: this.#o.maxAttempts, attemptTimeoutMs: this.#o.attemptTimeoutMs };
    this.#pauses = new ChannelPauses(this.#o.store, this.#o.clock);
    // Every send in flight listens for the stop (and stops listening when it ends): as many
    // listeners as sends at once, which is no leak.
    setMaxListeners(0, this.#controller.signal);
    for (const channel of CHANNELS) {
      const limits: ChannelLimits = { ...DEFAULT_CHANNEL_LIMITS[channel], ...options.limits?.[channel] };
      this.#lanes.set(channel, new ChannelLane(channel, limits, { claimBatch: this.#o.claimBatch, horizonMs: this.#o.claimHorizonMs, now: options.rateClock }));
    }
    this.#sends = options.metrics
      ? new Counter({ name: 'notifications_sends_total', help: 'Send attempts by channel and outcome.', labelNames: ['channel', 'outcome'], registers: [options.metrics] })
      : undefined;
  }

  get worker(): string {
    return this.#o.worker;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Work may be due: look now instead of at the next poll. */
  poke(): void {
    for (const lane of this.#lanes.values()) lane.mayHaveMore();
    this.#wakeLoop();
  }

  #wakeLoop(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    this.poke();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      this.#woken = false;
      const lanes = await this.#openLanes();
      // One claim for every lane with room once any lane has room for a batch: a statement per
      // channel (or per finished send) would multiply the queries per message.
      const claimed = lanes.some((lane) => lane.wantsClaim) ? await this.#claim(lanes.filter((lane) => lane.room > 0)) : [];
      if (claimed.length > 0) await this.#startDeliveries(claimed);
      if (this.#woken) continue;
      await this.#sleep(lanes, signal, claimed.length > 0);
    }
  }

  /** Lanes whose channel is not paused. */
  async #openLanes(): Promise<ChannelLane[]> {
    const paused = await this.#pauses.paused().catch((error: unknown) => {
      this.#o.logger.error({ err: error }, 'reading channel pauses failed');
      return new Set(CHANNELS);
    });
    return [...this.#lanes.values()].filter((lane) => !paused.has(lane.channel));
  }

  async #claim(lanes: ChannelLane[]): Promise<ClaimedDelivery[]> {
    const asked = new Map(lanes.map((lane) => [lane.channel, lane.room]));
    try {
      const claimed = await claimDue(this.#o.db, {
        worker: this.#o.worker,
        now: this.#o.clock.now(),
        leaseMs: this.#o.attemptTimeoutMs,
        limits: Object.fromEntries(asked),
      });
      for (const lane of lanes) lane.claimed(asked.get(lane.channel)!, claimed.filter((row) => row.channel === lane.channel).length);
      return claimed;
    } catch (error) {
      this.#o.logger.error({ err: error }, 'claiming due notifications failed');
      return [];
    }
  }

  async #startDeliveries(claimed: ClaimedDelivery[]): Promise<void> {
    // One read for the streams of the whole claim, not one per notification.
    const histories = await readStreamsToMap(this.#o.store, claimed.map((row) => streamName.notification(row.notification_id))).catch((error: unknown) => {
      this.#o.logger.error({ err: error }, 'reading claimed notifications failed');
      return new Map<string, RecordedEvent[]>();
    });
    for (const row of claimed) {
      const lane = this.#lanes.get(row.channel as Channel)!;
      const work = this.#deliver(row, histories.get(streamName.notification(row.notification_id))).catch((error: unknown) => {
        this.#o.logger.error({ err: error, notificationId: row.notification_id }, 'delivery failed unexpectedly');
      });
      this.#inFlight.add(work);
      void work.finally(() => {
        this.#inFlight.delete(work);
        // A finished send frees a place in its lane; look again only once a batch fits there and due
        // work was left for want of room. New work arrives with the projection's poke, retries with their release.
        if (lane.finished()) this.#wakeLoop();
      });
    }
  }

  async #sleep(lanes: ChannelLane[], signal: AbortSignal, claimedNow: boolean): Promise<void> {
    let waitMs = this.#o.pollIntervalMs;
    // Only lanes that found nothing more due wait for a due time; a full lane is woken by its own sends.
    const caughtUp = lanes.filter((lane) => lane.isCaughtUp).map((lane) => lane.channel);
    if (caughtUp.length > 0) {
      const next = await nextDueAt(this.#o.db, this.#o.clock.now(), caughtUp).catch(() => null);
      if (next) waitMs = Math.max(0, Math.min(waitMs, next.getTime() - this.#o.clock.now().getTime()));
    }
    // Due now yet not claimed (another worker's lease ends this very instant): do not spin on it.
    if (waitMs === 0 && !claimedNow) waitMs = 5;
    const woken = await new Promise<boolean>((resolve) => {
      const done = (byWake: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        this.#wake = null;
        resolve(byWake);
      };
      const abort = () => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      signal.addEventListener('abort', abort, { once: true });
      this.#wake = () => done(true);
      if (this.#woken) done(true);
    });
    // The poll: a lease may have lapsed or a retry come due with nobody to say so.
    if (!woken) for (const lane of this.#lanes.values()) lane.mayHaveMore();
  }

  async #deliver(row: ClaimedDelivery, read: RecordedEvent[] | undefined): Promise<void> {
    const { store, clock } = this.#o;
    const stream = streamName.notification(row.notification_id);
    const history = read ?? (await readStreamToArray(store, stream));
    const state = history.reduce(evolveNotification, initialNotificationState);
    const now = clock.now();
    const decision = decideDispatch(state, now, this.#policy);
    if (state.planned) this.#correlation.set(row.notification_id, state.planned.eventId);
    try {
      await this.#act(row, stream, state, decision, history.length, now);
    } finally {
      this.#correlation.delete(row.notification_id);
    }
  }

  async #act(
    row: ClaimedDelivery,
    stream: ReturnType<typeof streamName.notification>,
    state: NotificationState,
    decision: DispatchDecision,
    length: number,
    now: Date,
  ): Promise<void> {
    const { store, clock, logger } = this.#o;
    const release = async (dueAt: Date | null) => {
      await releaseDelivery(this.#o.db, { notificationId: row.notification_id, worker: this.#o.worker, dueAt });
      // Due again later: an idle loop works out its sleep again, so the retry is not late.
      if (dueAt !== null) this.poke();
    };
    const revision = BigInt(length - 1);

    if (decision.kind === 'skip') {
      const dueAt = decision.reason === 'not-due' ? new Date(state.lastFailure!.retryAt!) : decision.reason === 'owned-by-another' ? undefined : null;
      if (dueAt !== undefined) await release(dueAt);
      return;
    }
    if (decision.kind === 'give-up') {
      const failure = state.lastFailure;
      await this.#append(stream, T.failed, {
        notificationId: row.notification_id,
        attempts: decision.attempts,
        code: failure?.code ?? 'attempt-abandoned',
        message: failure?.message ?? 'no attempt finished within the attempt timeout',
        failedAt: now.toISOString(),
      } satisfies NotificationFailed, revision);
      await release(null);
      return;
    }

    const planned = state.planned!;
    const started: AttemptStarted = {
      notificationId: row.notification_id,
      attempt: decision.attempt,
      worker: this.#o.worker,
      startedAt: now.toISOString(),
      possibleDuplicate: decision.possibleDuplicate,
    };
    const owned = await store.append(stream, [this.#event(stream, T.attemptStarted, started, revision + 1n)], revision);
    if (!owned.ok) return; // Another worker took it between our read and our append: it sends, not us.

    const channel = planned.channel;
    const transport = this.#o.transports[channel];
    const rendered = this.#o.render({ eventType: planned.eventType as never, channel, locale: planned.template.locale, variables: planned.variables });
    let outcome: SendOutcome;
    if (!transport) {
      outcome = { kind: 'failed', provider: 'none', retryable: false, code: 'no-transport', message: `no transport is configured for ${channel}` };
    } else if (!rendered.ok) {
      outcome = { kind: 'failed', provider: transport.provider, retryable: false, code: 'template-error', message: rendered.error.message };
    } else {
      outcome = await sendWithinAttempt(
        this.#lanes.get(channel)!,
        transport,
        { notificationId: planned.notificationId, channel, to: planned.recipient.address, rendered: rendered.value, attempt: decision.attempt },
        { timeoutMs: sendBudgetMs(this.#o.attemptTimeoutMs), signal: this.#controller.signal },
      );
    }
    this.#sends?.inc({ channel, outcome: outcome.kind === 'sent' ? 'sent' : outcome.retryable ? 'retryable' : 'failed' });
    const after = revision + 2n;
    const at = clock.now();

    if (outcome.kind === 'sent') {
      await this.#append(stream, T.sent, {
        notificationId: planned.notificationId,
        attempt: decision.attempt,
        provider: outcome.provider,
        providerMessageId: outcome.providerMessageId,
        sentAt: at.toISOString(),
      } satisfies NotificationSent, after);
      logger.info({ notificationId: planned.notificationId, channel, to: maskAddress(planned.recipient.address), attempt: decision.attempt }, 'notification sent');
      // No release: the projection of NotificationSent takes the row off the queue (due_at null),
      // and until then our lease keeps others from claiming it. One query less per message.
      return;
    }

    const willRetry = outcome.retryable && hasAttemptsLeft(state, decision.attempt, this.#policy);
    const retryAt = willRetry
      ? new Date(at.getTime() + retryDelayMs(decision.attempt, { baseMs: this.#o.backoffBaseMs, maxMs: this.#o.backoffMaxMs, retryAfterMs: outcome.retryAfterMs, random: this.#o.random() }))
      : null;
    await this.#append(stream, T.attemptFailed, {
      notificationId: planned.notificationId,
      attempt: decision.attempt,
      provider: outcome.provider,
      retryable: outcome.retryable,
      code: outcome.code,
      message: outcome.message,
      failedAt: at.toISOString(),
      retryAt: retryAt?.toISOString() ?? null,
    } satisfies AttemptFailed, after);
    if (!willRetry) {
      await this.#append(stream, T.failed, {
        notificationId: planned.notificationId,
        attempts: decision.attempt,
        code: outcome.code,
        message: outcome.message,
        failedAt: at.toISOString(),
      } satisfies NotificationFailed, after + 1n);
    }
    logger.warn({ notificationId: planned.notificationId, channel, code: outcome.code, attempt: decision.attempt, retryAt }, 'send attempt failed');
    const paused = await applySendEffect(store, outcome, { channel, address: planned.recipient.address, personId: planned.recipient.id }, at);
    if (paused) {
      this.#pauses.forget(channel);
      logger.error({ channel, code: paused.code, kind: paused.kind }, 'channel paused');
    }
    await release(retryAt);
  }

  /** Outcome events go at the next revision; 'any' if a provider report slipped in between. */
  async #append(stream: ReturnType<typeof streamName.notification>, type: string, data: unknown, revision: bigint): Promise<void> {
    const event = this.#event(stream, type, data, revision);
    const result = await this.#o.store.append(stream, [event], revision - 1n);
    if (!result.ok) await this.#o.store.append(stream, [event], 'any');
  }

  #event(stream: string, type: string, data: unknown, revision: bigint): NewEvent {
    const notificationId = stream.slice('notification-'.length);
    return {
      id: deterministicUuid('notification-event', notificationId, revision.toString(), type),
      type,
      data,
      metadata: { correlationId: this.#correlation.get(notificationId) ?? notificationId, actor: this.#o.worker },
    };
  }
}

