import type { Transaction } from 'kysely';
import { NOTIFICATION_EVENT_TYPES as T } from '../domain/notification-events.ts';
import { categoryOf, idOf } from '../domain/stream-name.ts';
import type { RecordedEvent } from '../ledger/event-store.ts';
import { foldNotificationEvent, type FoldedNotification } from './notification-row-fold.ts';
import { insertNotificationRows, lockNotificationRows, updateNotificationRows } from './notification-rows.queries.ts';
import type { Projection } from './projection-runner.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

const HANDLED_TYPES = new Set<string>(Object.values(T));

/** One applied event of a notification's stream, in ledger order. */
export interface DeliveryChange {
  notificationId: string;
  type: string;
  data: unknown;
  recordedAt: Date;
}

export interface DeliveriesProjectionOptions {
  /** Told after each commit which notifications changed: the dispatcher's and subscriptions' wake-up. */
  onChanged?: (changes: readonly DeliveryChange[]) => void;
}

/** The notifications read model: one row per notification, its status, attempts and provider ids. */
export function deliveriesProjection(options: DeliveriesProjectionOptions = {}): Projection {
  return {
    name: 'deliveries',
    handles: (e) => HANDLED_TYPES.has(e.type) && categoryOf(e.stream) === 'notification',
    applyAll: applyDeliveries,
    afterCommit: (events) =>
      options.onChanged?.(events.map((e) => ({ notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt: e.recordedAt }))),
  };
}

/**
 * A batch's events folded per notification onto its row as it stands (locked), then written back:
 * new rows in one insert, moved rows in one update, whatever the number of events.
 */
async function applyDeliveries(trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]): Promise<void> {
  const byNotification = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const id = idOf(event.stream)!;
    const list = byNotification.get(id);
    if (list) list.push(event);
    else byNotification.set(id, [event]);
  }
  const fold = (id: string, start: FoldedNotification | null) =>
    byNotification.get(id)!.reduce<FoldedNotification | null>((row, event) => foldNotificationEvent(row, id, event), start);

  const rows = await lockNotificationRows(trx, [...byNotification.keys()]);
  const created: FoldedNotification[] = [];
  const moved: FoldedNotification[] = [];
  for (const id of byNotification.keys()) {
    const before = rows.get(id) ?? null;
    const after = fold(id, before);
    if (after === null || after === before) continue;
    (before ? moved : created).push(after);
  }
  const inserted = await insertNotificationRows(trx, created);
  // Another instance created some of them first: fold this batch onto the rows it wrote.
  const lost = created.filter((n) => !inserted.has(n.notification_id)).map((n) => n.notification_id);
  if (lost.length > 0) {
    const current = await lockNotificationRows(trx, lost);
    for (const id of lost) {
      const before = current.get(id) ?? null;
      const after = fold(id, before);
      if (before && after && after !== before) moved.push(after);
    }
  }
  await updateNotificationRows(trx, moved);
}
