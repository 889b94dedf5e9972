import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import { NOTIFICATION_EVENT_TYPES as T, type AttemptFailed, type NotificationStatus, type StatusReported } from '../domain/notifications/notification-events.ts';
import type { DeliveryChange } from '../projections/deliveries/deliveries-projection.ts';
import { statusAfterReport } from '../domain/notifications/notification-status.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import type { Logger } from '../telemetry/logger.ts';
import { FeedSubscription } from './feed-subscription.ts';
import { findNotificationsByIds, type NotificationRow } from './queries/notifications.queries.ts';

const RETRY_READ_MS = 250;

export interface DeliveryFilter {
  eventType?: string | null;
  channel?: string | null;
  status?: string | null;
  centreId?: string | null;
}

export interface DeliveryUpdate {
  /** The notification as it stands when the update is sent (it may have moved on since `status`). */
  notification: NotificationRow;
  /** The status this change moved it to. */
  status: NotificationStatus;
  /** The status this instance last saw, or null the first time it sees the notification. */
  previousStatus: NotificationStatus | null;
  at: Date;
}

export interface DeliveryFeedOptions {
  db: Kysely<ReadModelDatabase>;
  logger: Logger;
  /** Updates a subscriber may fall behind by before it is cut off (it can resubscribe and query). */
  maxQueuedPerSubscriber?: number;
  /** Notifications whose last status is remembered, to tell a status change from a repeat. */
  rememberedStatuses?: number;
  /** Where to report the number of live subscriptions. */
  metrics?: Registry;
}

/**
 * Live status changes for this instance's subscribers. The deliveries projection hands it each
 * applied event after commit, in ledger order; the status each event moved its notification to
 * comes from the event itself, so every step (planned, sending, sent) is told even when the
 * dispatcher is quicker than the readers. Rows are read once per batch for the rest of the fields.
 * Every instance runs the projection, so a change written by any instance reaches the subscribers
 * of all of them.
 */
export class DeliveryFeed {
  readonly #options: Required<Omit<DeliveryFeedOptions, 'metrics'>>;
  readonly #subscribers = new Set<FeedSubscription>();
  readonly #lastStatus = new Map<string, NotificationStatus>();
  #pending: DeliveryChange[] = [];
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(options: DeliveryFeedOptions) {
    this.#options = { maxQueuedPerSubscriber: 1000, rememberedStatuses: 100_000, ...options };
    if (options.metrics) {
      const gauge: Gauge = new Gauge({
        name: 'graphql_delivery_subscriptions',
        help: 'Live deliveryUpdated subscriptions on this instance (SSE and WebSocket).',
        registers: [options.metrics],
        collect: () => gauge.set(this.subscriberCount),
      });
    }
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The projection's afterCommit: these events were applied. Reads are coalesced and kept in order. */
  notifyChanged(changes: readonly DeliveryChange[]): void {
    if (this.#closed || changes.length === 0) return;
    this.#pending.push(...changes);
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
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
    while (this.#pending.length > 0 && !this.#closed) {
      const changes = this.#pending;
      this.#pending = [];
      if (this.#subscribers.size === 0) {
        // Nobody listens: skip the read, and forget what is now out of date rather than report it later.
        for (const c of changes) this.#lastStatus.delete(c.notificationId);
        continue;
      }
      const ids = [...new Set(changes.map((c) => c.notificationId))];
      let rows: Map<string, NotificationRow>;
      try {
        rows = new Map((await findNotificationsByIds(this.#options.db, ids)).map((r) => [r.notification_id, r]));
      } catch (error) {
        // Subscribers are told every step or they show a wrong story: keep the changes, read again.
        this.#options.logger.error({ err: error, notifications: ids.length }, 'reading changed notifications for subscribers failed; retrying');
        this.#pending = [...changes, ...this.#pending];
        await delay(RETRY_READ_MS);
        continue;
      }
      for (const change of changes) {
        const row = rows.get(change.notificationId);
        if (row) this.#publish(change, row);
      }
    }
  }

  #publish(change: DeliveryChange, row: NotificationRow): void {
    const previousStatus = this.#lastStatus.get(row.notification_id) ?? null;
    const status = statusAfter(change, row, previousStatus);
    if (!status) return;
    if (previousStatus === status) return;
    this.#remember(row.notification_id, status);
    const update: DeliveryUpdate = { notification: row, status, previousStatus, at: change.recordedAt };
    for (const s of this.#subscribers) if (matches(s.filter, update)) s.push(update);
  }

  #remember(notificationId: string, status: NotificationStatus): void {
    this.#lastStatus.delete(notificationId);
    this.#lastStatus.set(notificationId, status);
    if (this.#lastStatus.size > this.#options.rememberedStatuses) {
      const oldest = this.#lastStatus.keys().next();
      if (!oldest.done) this.#lastStatus.delete(oldest.value);
    }
  }
}

export function matches(filter: DeliveryFilter, update: DeliveryUpdate): boolean {
  const row = update.notification;
  return (
    (!filter.eventType || filter.eventType === row.event_type) &&
    (!filter.channel || filter.channel === row.channel) &&
    (!filter.status || filter.status === update.status) &&
    (!filter.centreId || filter.centreId === row.centre_id)
  );
}

/**
 * The status one event moved its notification to, as the deliveries projection applies it; null
 * when it moved nothing. A provider report moves it only forwards from the status before it, as
 * the projection does; when that is unknown here, the row tells where it stands.
 */
function statusAfter(change: DeliveryChange, row: NotificationRow, previous: NotificationStatus | null): NotificationStatus | null {
  switch (change.type) {
    case T.planned:
    case T.retryRequested:
      return 'planned';
    case T.suppressed:
      return 'suppressed';
    case T.attemptStarted:
      return 'sending';
    case T.sent:
      return 'sent';
    case T.failed:
      return 'failed';
    case T.expired:
      return 'expired';
    case T.deferred:
      return 'deferred';
    case T.attemptFailed: {
      const failed = change.data as AttemptFailed;
      return failed.retryAt !== null ? 'planned' : null;
    }
    case T.statusReported:
      return previous ? statusAfterReport(previous, (change.data as StatusReported).status) : (row.status as NotificationStatus);
    default:
      return null;
  }
}
