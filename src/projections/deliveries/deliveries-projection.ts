import type { Transaction } from 'kysely';
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
}

/**
 * The notifications read model: one row per notification, its status, attempts and provider ids;
 * its address sealed as the ledger keeps it, with its keyed hash beside it.
 */
export function deliveriesProjection(options: DeliveriesProjectionOptions): ReadModelProjection {
  const hashOf = addressHashUnder(options.keys);
  return {
    name: 'deliveries',
    kind: 'read-model',
    // The dispatcher claims these rows: committed before the lane's other read models are done.
    commitsFirst: true,
    handles: (e) => HANDLED_TYPES.has(e.type) && categoryOf(e.stream) === 'notification',
    applyAll: (trx, events) => applyDeliveries(trx, events, hashOf),
    afterCommit: (events) =>
      options.onChanged?.(events.map((e) => ({ notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt: e.recordedAt }))),
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
