import type { Transaction } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { NOTIFICATION_EVENT_TYPES as T } from '../../domain/notifications/notification-events.ts';
import { categoryOf, idOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { applyFolded } from '../fold-rows.ts';
import type { LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { addressHashUnder, foldNotificationEvent, type AddressHash, type FoldedNotification } from './notification-row-fold.ts';
import { insertNotificationRows, lockNotificationRows, updateNotificationRows } from './notification-rows.queries.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

const HANDLED_TYPES = new Set<string>(Object.values(T));

/** One applied event of a notification's stream, in ledger order. */
export interface DeliveryChange {
  notificationId: string;
  type: string;
  data: unknown;
  recordedAt: Date;
}

/**
 * The events that can leave a row due for the dispatcher (planned, a retry, a deferral's new time,
 * a retry asked for, a fallback opened). The rest (an attempt started, a send, a provider's report,
 * an expiry) only take a row off the queue or leave it held, and wake nobody.
 */
const MAKES_DUE = new Set<string>([T.planned, T.attemptFailed, T.deferred, T.retryRequested, T.fallbackPlanned]);

export const mayHaveComeDue = (change: DeliveryChange): boolean => MAKES_DUE.has(change.type);

export interface DeliveriesProjectionOptions {
  /** For the keyed hash each row's address is looked up by: a rebuild needs the live service's master key. */
  keys: Pick<LedgerKeys, 'contactHash'>;
  /** Told after each commit which notifications changed: the dispatcher's and subscriptions' wake-up. */
  onChanged?: (changes: readonly DeliveryChange[]) => void;
  /** The rows the planner writes in its appends' own transaction: the lane passes over what it applied. */
  inline?: InlineDeliveries;
}

const changesOf = (events: readonly RecordedEvent[]): DeliveryChange[] =>
  events.map((e) => ({ notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt: e.recordedAt }));

/**
 * The deliveries read model applied in the transaction of the appends that start notifications
 * (the planner's plans; `appendEachWithin`), so a planned row is there, and the dispatcher told,
 * the moment the plan commits, not once the read-model lane has read and applied it.
 *
 * The lane still reads every event: it passes over those applied here by this process (it is told
 * before they commit, so it cannot meet one first), and applies the rest as ever, another instance's
 * included, whose rows it then finds there (a row's first event never changes a row already made).
 * A rebuild has no appends and applies everything in the lane: the two are held to the same rows.
 */
export class InlineDeliveries {
  readonly #hashOf: AddressHash;
  readonly #onChanged: ((changes: readonly DeliveryChange[]) => void) | undefined;
  /** Event ids applied here and not yet passed by the lane. */
  readonly #applied = new Set<string>();
  readonly #written: Counter | undefined;

  constructor(options: Pick<DeliveriesProjectionOptions, 'keys' | 'onChanged'> & { metrics?: Registry | undefined }) {
    this.#hashOf = addressHashUnder(options.keys);
    this.#onChanged = options.onChanged;
    this.#written = options.metrics
      ? new Counter({
          name: 'deliveries_applied_with_append_total',
          help: 'Notification events applied to their rows in the transaction that appended them, not by the read-model lane.',
          registers: [options.metrics],
        })
      : undefined;
  }

  /** Whether a stream's appends start its row here: a notification's, from its first event. */
  static takes(append: { stream: string; expected: unknown }): boolean {
    return append.expected === 'no-stream' && categoryOf(append.stream) === 'notification';
  }

  /**
   * In the appends' transaction: their notification events folded onto rows as the lane folds them,
   * and marked for the lane to pass over. Answers what `committed` or `rolledBack` is then told.
   */
  async apply(trx: Transaction<ReadModelDatabase>, written: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]> {
    const events = written.filter(handlesDelivery);
    if (events.length === 0) return events;
    await applyDeliveries(trx, events, this.#hashOf);
    for (const event of events) this.#applied.add(event.id);
    return events;
  }

  committed(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    this.#written?.inc(events.length);
    this.#onChanged?.(changesOf(events));
  }

  /** The transaction failed: nothing of it is in the ledger, and the lane will not meet these. */
  rolledBack(events: readonly RecordedEvent[]): void {
    for (const event of events) this.#applied.delete(event.id);
  }

  /** Whether the lane passes over `event`, applied here; it meets each once, so it is forgotten then. */
  passes(event: RecordedEvent): boolean {
    return this.#applied.delete(event.id);
  }
}

const handlesDelivery = (e: RecordedEvent): boolean => HANDLED_TYPES.has(e.type) && categoryOf(e.stream) === 'notification';

/**
 * The notifications read model: one row per notification, its status, attempts and provider ids;
 * its address sealed as the ledger keeps it, with its keyed hash beside it.
 */
export function deliveriesProjection(options: DeliveriesProjectionOptions): ReadModelProjection {
  const hashOf = addressHashUnder(options.keys);
  const { inline } = options;
  return {
    name: 'deliveries',
    kind: 'read-model',
    // The dispatcher claims these rows: committed before the lane's other read models are done.
    commitsFirst: true,
    handles: inline ? (e) => handlesDelivery(e) && !inline.passes(e) : handlesDelivery,
    applyAll: (trx, events) => applyDeliveries(trx, events, hashOf),
    afterCommit: (events) => options.onChanged?.(changesOf(events)),
  };
}

/** The batch's events of each notification folded onto its row (locked), then one insert and one update. */
const applyDeliveries = (trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[], hashOf: AddressHash) =>
  applyFolded<FoldedNotification>(trx, events, {
    rowOf: (event) => idOf(event.stream)!,
    // A notification's stream begins with its plan or its suppression, which makes its row.
    creates: (event) => event.revision === 0n,
    fold: (row, id, event) => foldNotificationEvent(row, id, event, hashOf),
    lock: lockNotificationRows,
    insert: insertNotificationRows,
    update: updateNotificationRows,
  });
