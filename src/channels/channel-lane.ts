import type { Channel } from '../domain/event-catalogue.ts';
import { Semaphore, SendRateLimiter } from './send-rate-limiter.ts';

export interface ChannelLimits {
  /** Sends at once on this channel. */
  concurrency: number;
  /** Sends per second at most (per instance). */
  perSecond: number;
}

export const DEFAULT_CHANNEL_LIMITS: Record<Channel, ChannelLimits> = {
  whatsapp: { concurrency: 16, perSecond: 80 },
  email: { concurrency: 16, perSecond: 14 },
  sms: { concurrency: 8, perSecond: 30 },
  push: { concurrency: 16, perSecond: 500 },
  in_app: { concurrency: 32, perSecond: 10_000 },
};

/**
 * How many notifications a channel may hold claimed at once: what it can send within `horizonMs` at
 * its rate limit, at most `claimBatch`. A claimed row holds a lease while it waits for its turn, so a
 * channel must not claim more than it will send soon; and what one channel holds is never a slot
 * another channel lacks.
 */
export function laneCapacity(limits: ChannelLimits, options: { claimBatch: number; horizonMs: number }): number {
  return Math.max(1, Math.min(options.claimBatch, Math.ceil((limits.perSecond * options.horizonMs) / 1000)));
}

/**
 * One channel's share of the dispatcher: its claimed notifications in flight, its send slots and its
 * rate limit, kept apart from every other channel's so that each reaches its own limit whatever the
 * others do (emails waiting on their 14/s must not keep WhatsApp from its 80/s).
 *
 * A lane is, for the dispatcher's loop:
 *   - wanting a claim: it may have more due and has room for a batch (or holds nothing at all);
 *   - full: every place is taken; a finished send frees one, and wakes the loop once a batch fits;
 *   - caught up: its last claim found less than it asked for; it waits for a poke (new work, a
 *     retry released) or the poll, and the loop sleeps no longer than its next due time.
 */
export class ChannelLane {
  readonly capacity: number;
  readonly #batch: number;
  readonly #rate: SendRateLimiter;
  readonly #slots: Semaphore;
  #inFlight = 0;
  /** The last claim filled what it asked for (or failed, or new work was announced since). */
  #mayHaveMoreDue = true;
  /** New work was announced while a claim was running: that claim may have read the table before it. */
  #announcedSinceClaim = false;

  constructor(
    readonly channel: Channel,
    limits: ChannelLimits,
    options: { claimBatch: number; horizonMs: number; now?: () => number },
  ) {
    this.capacity = laneCapacity(limits, options);
    // Claim in batches: a claim per finished send would cost a query per message.
    this.#batch = Math.max(1, Math.floor(this.capacity / 4));
    this.#rate = new SendRateLimiter(limits.perSecond, options.now);
    this.#slots = new Semaphore(limits.concurrency);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** How many more it may claim now; 0 when full or caught up. */
  get room(): number {
    return this.#mayHaveMoreDue ? this.capacity - this.#inFlight : 0;
  }

  /** Worth a claim of its own. A lane with less room joins a claim that runs for another. */
  get wantsClaim(): boolean {
    const room = this.room;
    return room > 0 && (room >= this.#batch || this.#inFlight === 0);
  }

  /** Has room and found nothing more due: the loop asks when its next notification falls due. */
  get isCaughtUp(): boolean {
    return !this.#mayHaveMoreDue && this.#inFlight < this.capacity;
  }

  /** New work, a released retry or a lapsed lease may be due. */
  mayHaveMore(): void {
    this.#mayHaveMoreDue = true;
    this.#announcedSinceClaim = true;
  }

  /** A claim for this lane begins. */
  claiming(): void {
    this.#announcedSinceClaim = false;
  }

  /**
   * A claim asked for `asked` and found `got`; work announced while it ran keeps the lane looking.
   * Plans handed while it ran may have taken places meanwhile (the claim holds none, so a busy loop
   * never keeps plans from being handed): answers how many it keeps, never beyond the capacity.
   * The rest go back to the queue, still due.
   */
  claimed(asked: number, got: number): number {
    const kept = Math.max(0, Math.min(got, this.capacity - this.#inFlight));
    this.#inFlight += kept;
    this.#mayHaveMoreDue = got >= asked || kept < got || this.#announcedSinceClaim;
    return kept;
  }

  /**
   * Takes up to `count` notifications handed over without a claim (written claimed for this
   * worker): as many as fit, whether or not more is due. Answers how many it took.
   */
  reserve(count: number): number {
    const taken = Math.max(0, Math.min(count, this.capacity - this.#inFlight));
    this.#inFlight += taken;
    return taken;
  }

  /** Reserved places not used after all (the rows were not made): freed without a send. */
  unreserve(count: number): void {
    this.#inFlight -= count;
  }

  /** A claimed notification is done with. Answers whether a claim for this lane should run now. */
  finished(): boolean {
    this.#inFlight--;
    return this.room === this.#batch || (this.#inFlight === 0 && this.#mayHaveMoreDue);
  }

  /** Sends within the channel's concurrency and rate limit. */
  send<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#slots.run(() => this.#rate.run(work, signal));
  }
}
