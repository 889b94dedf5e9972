import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import type { Logger } from '../telemetry/logger.ts';
import { findNotificationsByIds, type NotificationRow } from './queries/notifications.queries.ts';

export interface DeliveryFilter {
  eventType?: string | null;
  channel?: string | null;
  status?: string | null;
  centreId?: string | null;
}

export interface DeliveryUpdate {
  notification: NotificationRow;
  /** The status this instance last saw, or null the first time it sees the notification. */
  previousStatus: string | null;
}

export interface DeliveryFeedOptions {
  db: Kysely<ReadModelDatabase>;
  logger: Logger;
  /** Updates a subscriber may fall behind by before it is cut off (it can resubscribe and query). */
  maxQueuedPerSubscriber?: number;
  /** Notifications whose last status is remembered, to tell a status change from a repeat. */
  rememberedStatuses?: number;
}

/**
 * Live status changes for this instance's subscribers. The deliveries projection tells it which
 * notifications changed after each commit; it reads their rows once per batch and hands each
 * status change to the subscribers whose filter matches. Every instance runs the projection, so a
 * change written by any instance reaches the subscribers of all of them.
 */
export class DeliveryFeed {
  readonly #options: Required<DeliveryFeedOptions>;
  readonly #subscribers = new Set<FeedSubscription>();
  readonly #lastStatus = new Map<string, string>();
  #pending = new Set<string>();
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(options: DeliveryFeedOptions) {
    this.#options = { maxQueuedPerSubscriber: 1000, rememberedStatuses: 100_000, ...options };
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The projection's afterCommit: these notifications changed. Reads are coalesced and kept in order. */
  notifyChanged(changes: readonly { notificationId: string }[]): void {
    if (this.#closed || changes.length === 0) return;
    for (const c of changes) this.#pending.add(c.notificationId);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = null;
    });
  }

  subscribe(filter: DeliveryFilter): AsyncIterableIterator<DeliveryUpdate> {
    const subscription = new FeedSubscription(filter, this.#options.maxQueuedPerSubscriber, () => this.#subscribers.delete(subscription));
    if (this.#closed) subscription.end();
    else this.#subscribers.add(subscription);
    return subscription;
  }

  /** Ends every subscription (the service is stopping). */
  close(): void {
    this.#closed = true;
    for (const s of this.#subscribers) s.end();
    this.#subscribers.clear();
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const ids = [...this.#pending];
      this.#pending = new Set();
      let rows: NotificationRow[];
      try {
        rows = await findNotificationsByIds(this.#options.db, ids);
      } catch (error) {
        this.#options.logger.error({ err: error, notifications: ids.length }, 'reading changed notifications for subscribers failed');
        continue;
      }
      for (const row of rows) this.#publish(row);
    }
  }

  #publish(row: NotificationRow): void {
    const previousStatus = this.#lastStatus.get(row.notification_id) ?? null;
    if (previousStatus === row.status) return;
    this.#remember(row.notification_id, row.status);
    const update: DeliveryUpdate = { notification: row, previousStatus };
    for (const s of this.#subscribers) if (matches(s.filter, row)) s.push(update);
  }

  #remember(notificationId: string, status: string): void {
    this.#lastStatus.delete(notificationId);
    this.#lastStatus.set(notificationId, status);
    if (this.#lastStatus.size > this.#options.rememberedStatuses) {
      const oldest = this.#lastStatus.keys().next();
      if (!oldest.done) this.#lastStatus.delete(oldest.value);
    }
  }
}

export function matches(filter: DeliveryFilter, row: NotificationRow): boolean {
  return (
    (!filter.eventType || filter.eventType === row.event_type) &&
    (!filter.channel || filter.channel === row.channel) &&
    (!filter.status || filter.status === row.status) &&
    (!filter.centreId || filter.centreId === row.centre_id)
  );
}

/** One subscriber's queue: an async iterator that ends when the client goes or falls too far behind. */
class FeedSubscription implements AsyncIterableIterator<DeliveryUpdate> {
  readonly #queue: DeliveryUpdate[] = [];
  #waiting: ((result: IteratorResult<DeliveryUpdate>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #ended = false;
  #overflowed = false;

  constructor(
    readonly filter: DeliveryFilter,
    private readonly maxQueued: number,
    private readonly onEnd: () => void,
  ) {}

  push(update: DeliveryUpdate): void {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = null;
      resolve({ value: update, done: false });
      return;
    }
    if (this.#queue.length >= this.maxQueued) {
      this.#overflowed = true;
      this.end();
      return;
    }
    this.#queue.push(update);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onEnd();
    if (this.#waiting) {
      const resolve = this.#waiting;
      const fail = this.#failWaiting!;
      this.#waiting = this.#failWaiting = null;
      if (this.#overflowed) fail(new SubscriberTooSlow());
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<DeliveryUpdate>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#ended) return this.#overflowed ? Promise.reject(new SubscriberTooSlow()) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<DeliveryUpdate>> {
    this.#queue.length = 0;
    this.#overflowed = false;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DeliveryUpdate> {
    return this;
  }
}

/** A subscriber fell more than the allowed number of updates behind and was cut off. */
export class SubscriberTooSlow extends Error {
  override readonly name = 'SubscriberTooSlow';
  constructor() {
    super('The subscriber fell too far behind and was disconnected; subscribe again and query what was missed.');
  }
}
