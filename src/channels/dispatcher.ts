import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { CHANNELS, type Channel } from '../domain/event-catalogue.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamsToMap, type RecordedEvent } from '../ledger/event-store.ts';
import { WakeableLoop } from '../ledger/wakeable-loop.ts';
import { claimDue, nextDueAt, releaseDeliveries, type ClaimedDelivery } from './delivery-queue.queries.ts';
import { ChannelPauses } from './channel-pauses.ts';
import { ChannelLane, DEFAULT_CHANNEL_LIMITS, type ChannelLimits } from './channel-lane.ts';
import { deliverNotification, type DeliveryDeps } from './deliver-notification.ts';
import type { DeliveryHandoff, HandedDelivery } from '../projections/deliveries/deliveries-projection.ts';

export interface DispatcherOptions extends Pick<DeliveryDeps, 'store' | 'db' | 'clock' | 'logger' | 'keys' | 'transports' | 'render' | 'reportsReceipts'> {
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
  /**
   * Whether a handed event's sealed data is still as the planner had it (no erasure heard since it
   * was sealed): where not, or not known, its stream is read again before the send, as a claim's.
   */
  sealedStillLive?: (eventId: string) => boolean;
}

/**
 * Claims due notifications (FOR UPDATE SKIP LOCKED) and hands each to deliverNotification, which
 * takes ownership in the ledger, sends and records the outcome. Each channel claims, holds and
 * waits in its own lane (channel-lane.ts), so a channel at its rate limit never holds another back.
 * The claim runs in a WakeableLoop: woken by new work, a retry released or a send that freed room.
 *
 * Plans due now also come to it without a claim (DeliveryHandoff): their rows written claimed for it
 * in the plans' own statement, with their streams, while it has room on their channel.
 */
export class Dispatcher implements DeliveryHandoff {
  readonly #o: Required<Omit<DispatcherOptions, 'metrics' | 'limits' | 'worker' | 'rateClock' | 'reportsReceipts' | 'sealedStillLive'>> & { worker: string };
  readonly #lanes = new Map<Channel, ChannelLane>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pauses: ChannelPauses;
  readonly #loop: WakeableLoop;
  readonly #delivery: DeliveryDeps;
  /** Sent since the last claim, which takes them off the queue. */
  #sent: string[] = [];
  #accepting = false;
  #readingPauses = false;
  readonly #handedCount: Counter | undefined;
  readonly #sealedStillLive: (eventId: string) => boolean;
  /** What the last round saw, for the sleep that follows it. */
  #round: { lanes: ChannelLane[]; claimed: boolean } = { lanes: [], claimed: false };

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
    this.#sealedStillLive = options.sealedStillLive ?? (() => false);
    this.#pauses = new ChannelPauses(this.#o.store, this.#o.clock);
    for (const channel of CHANNELS) {
      const limits: ChannelLimits = { ...DEFAULT_CHANNEL_LIMITS[channel], ...options.limits?.[channel] };
      this.#lanes.set(channel, new ChannelLane(channel, limits, { claimBatch: this.#o.claimBatch, horizonMs: this.#o.claimHorizonMs, now: options.rateClock }));
    }
    this.#loop = new WakeableLoop({
      work: () => this.#work(),
      sleepMs: () => this.#sleepMs(),
      // The poll: a lease may have lapsed or a retry come due with nobody to say so.
      polled: () => {
        for (const lane of this.#lanes.values()) lane.mayHaveMore();
      },
    });
    const o = this.#o;
    this.#handedCount = options.metrics
      ? new Counter({ name: 'notifications_handed_total', help: 'Notifications handed to the dispatcher with their plans, sent without a claim or a read.', registers: [options.metrics] })
      : undefined;
    this.#delivery = {
      store: o.store,
      db: o.db,
      clock: o.clock,
      logger: o.logger,
      keys: o.keys,
      ...(options.reportsReceipts ? { reportsReceipts: options.reportsReceipts } : {}),
      transports: o.transports,
      render: o.render,
      worker: o.worker,
      policy: { maxAttempts: o.maxAttempts, attemptTimeoutMs: o.attemptTimeoutMs },
      backoff: { baseMs: o.backoffBaseMs, maxMs: o.backoffMaxMs, random: o.random },
      lanes: this.#lanes,
      pauses: this.#pauses,
      sends: options.metrics
        ? new Counter({ name: 'notifications_sends_total', help: 'Send attempts by channel and outcome.', labelNames: ['channel', 'outcome'], registers: [options.metrics] })
        : undefined,
      signal: this.#loop.signal,
      sentAway: (notificationId) => {
        // Handed sends come with no claim to take them off the queue: the read model does then.
        if (this.#sent.length < SENT_KEPT) this.#sent.push(notificationId);
      },
      dueAgain: () => this.poke(),
    };
  }

  get worker(): string {
    return this.#o.worker;
  }

  get leaseMs(): number {
    return this.#o.attemptTimeoutMs;
  }

  now(): Date {
    return this.#o.clock.now();
  }

  /**
   * Reads the channels' pauses first, so that plans made from the first moment are handed on a
   * channel known open (unread, nothing would be handed until the first round had read them).
   */
  async start(): Promise<void> {
    await this.#pauses.paused().catch((error: unknown) => {
      this.#o.logger.error({ err: error }, 'reading channel pauses failed');
    });
    this.#accepting = true;
    this.#loop.start();
  }

  /** Places for handed notifications: while running, on a channel known open, as many as its lane has. */
  offer(channel: string, count: number): number {
    const lane = this.#lanes.get(channel as Channel);
    if (!this.#accepting || !lane) return 0;
    if (!this.#pauses.knownOpen(lane.channel)) {
      // Not read lately (a long poll interval): read now, for the plans that come next.
      if (!this.#readingPauses) {
        this.#readingPauses = true;
        void this.#pauses.paused().catch(() => undefined).finally(() => {
          this.#readingPauses = false;
        });
      }
      return 0;
    }
    return lane.reserve(count);
  }

  decline(channel: string, count: number): void {
    this.#lanes.get(channel as Channel)?.unreserve(count);
  }

  /** Notifications written claimed for this worker with their plans: delivered as a claim's are. */
  take(handed: readonly HandedDelivery[]): void {
    if (!this.#accepting) {
      // Stopping: handed back to the queue at once, not left held until the lease runs out.
      for (const { channel } of handed) this.decline(channel, 1);
      void releaseDeliveries(this.#o.db, { notificationIds: handed.map((h) => h.notificationId), worker: this.#o.worker, dueAt: this.#o.clock.now() }).catch((error: unknown) => {
        this.#o.logger.warn({ err: error }, 'handing back notifications failed; they are due again when their lease runs out');
      });
      return;
    }
    this.#handedCount?.inc(handed.length);
    // A person erased since their plan was sealed: the stream is read again, opens `[erased]`, and
    // the plan is suppressed as a claim's would be, not sent from the data the planner had.
    const stillLive = (event: RecordedEvent) => event.sealed === undefined || this.#sealedStillLive(event.id);
    this.#deliver(
      handed.map(({ notificationId, channel }) => ({ notification_id: notificationId, channel })),
      new Map(handed.filter(({ history }) => history.every(stillLive)).map(({ notificationId, history }) => [streamName.notification(notificationId), history])),
    );
  }

  /** Work may be due: look now instead of at the next poll. */
  poke(): void {
    for (const lane of this.#lanes.values()) lane.mayHaveMore();
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    this.poke();
    await this.#loop.stop();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** One round: claim for the open lanes and start their deliveries. The sleep decides when to look again. */
  async #work(): Promise<boolean> {
    const lanes = await this.#openLanes();
    // One claim for every lane with room once any lane has room for a batch: a statement per
    // channel (or per finished send) would multiply the queries per message.
    const claimed = lanes.some((lane) => lane.wantsClaim) ? await this.#claim(lanes.filter((lane) => lane.room > 0)) : [];
    if (claimed.length > 0) await this.#startDeliveries(claimed);
    this.#round = { lanes, claimed: claimed.length > 0 };
    return false;
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
    for (const lane of lanes) lane.claiming();
    // Lost with a failed claim, they leave the queue when the read model applies their sends.
    const sent = this.#sent;
    this.#sent = [];
    try {
      const claimed = await claimDue(this.#o.db, {
        worker: this.#o.worker,
        now: this.#o.clock.now(),
        leaseMs: this.#o.attemptTimeoutMs,
        limits: Object.fromEntries(asked),
        sent,
      });
      const kept: ClaimedDelivery[] = [];
      const over: string[] = [];
      for (const lane of lanes) {
        const rows = claimed.filter((row) => row.channel === lane.channel);
        const keep = lane.claimed(asked.get(lane.channel)!, rows.length);
        kept.push(...rows.slice(0, keep));
        over.push(...rows.slice(keep).map((row) => row.notification_id));
      }
      // Places taken meanwhile by handed plans: what no longer fits goes back, due as it was, not held.
      await releaseDeliveries(this.#o.db, { notificationIds: over, worker: this.#o.worker }).catch((error: unknown) => {
        this.#o.logger.warn({ err: error }, 'handing back claimed notifications failed; they are due again when their lease runs out');
      });
      return kept;
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
    this.#deliver(claimed, histories);
  }

  /** Starts each delivery, with its stream where it is at hand (read again where not). */
  #deliver(rows: readonly ClaimedDelivery[], histories: ReadonlyMap<string, RecordedEvent[]>): void {
    for (const row of rows) {
      const lane = this.#lanes.get(row.channel as Channel)!;
      const work = deliverNotification(this.#delivery, row, histories.get(streamName.notification(row.notification_id))).catch((error: unknown) => {
        this.#o.logger.error({ err: error, notificationId: row.notification_id }, 'delivery failed unexpectedly');
      });
      this.#inFlight.add(work);
      void work.finally(() => {
        this.#inFlight.delete(work);
        // A finished send frees a place in its lane; look again only once a batch fits there and due
        // work was left for want of room. New work arrives with the projection's poke, retries with their release.
        if (lane.finished()) this.#loop.wake();
      });
    }
  }

  async #sleepMs(): Promise<number> {
    const { lanes, claimed } = this.#round;
    let waitMs = this.#o.pollIntervalMs;
    // Only lanes that found nothing more due wait for a due time; a full lane is woken by its own sends.
    const caughtUp = lanes.filter((lane) => lane.isCaughtUp).map((lane) => lane.channel);
    if (caughtUp.length > 0) {
      const next = await nextDueAt(this.#o.db, this.#o.clock.now(), caughtUp).catch(() => null);
      if (next) waitMs = Math.max(0, Math.min(waitMs, next.getTime() - this.#o.clock.now().getTime()));
    }
    // Due now yet not claimed (another worker's lease ends this very instant): do not spin on it.
    if (waitMs === 0 && !claimed) waitMs = 5;
    return waitMs;
  }
}

/** Sent rows kept for the next claim to take off the queue; beyond it, the read model does. */
const SENT_KEPT = 10_000;
