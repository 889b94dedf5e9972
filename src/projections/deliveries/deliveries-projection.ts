import type { Transaction } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { NOTIFICATION_EVENT_TYPES as T } from '../../domain/notifications/notification-events.ts';
import { categoryOf, idOf } from '../../domain/stream-name.ts';
import type { AppendedWith, PendingEvent, RecordedEvent, StreamAppend, WriteAlongside } from '../../ledger/event-store.ts';
import { applyFolded } from '../fold-rows.ts';
import type { LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { addressHashUnder, foldNotificationEvent, type AddressHash, type FoldedNotification } from './notification-row-fold.ts';
import { insertNotificationRows, insertRowsWithAppends, lockNotificationRows, updateNotificationRows } from './notification-rows.queries.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

const HANDLED_TYPES = new Set<string>(Object.values(T));

/** One applied event of a notification's stream, in ledger order. */
export interface DeliveryChange {
  notificationId: string;
  type: string;
  data: unknown;
  recordedAt: Date;
  /** Written claimed for this process's dispatcher and handed to it: nobody need be woken for it. */
  handed?: true;
}

/**
 * This process's dispatcher, as the rows written with their plans see it: a plan due now, on a
 * channel it has room on, is written claimed for it (its lease) and handed to it with its stream,
 * so it sends with no claim and no read of the ledger. The rest are left to its claims.
 */
export interface DeliveryHandoff {
  /** The worker the rows are claimed for, and for how long: as a claim would. */
  readonly worker: string;
  readonly leaseMs: number;
  now(): Date;
  /** Places for `count` of `channel`'s notifications; answers how many it takes (0: leave them to a claim). */
  offer(channel: string, count: number): number;
  /** The rows made, claimed, each with its stream as appended. */
  take(handed: readonly HandedDelivery[]): void;
  /** Places taken for rows that were not made after all. */
  decline(channel: string, count: number): void;
}

export interface HandedDelivery {
  notificationId: string;
  channel: string;
  history: RecordedEvent[];
}

/**
 * The events that can leave a row due for the dispatcher (planned, a retry, a deferral's new time,
 * a retry asked for, a fallback opened). The rest (an attempt started, a send, a provider's report,
 * an expiry) only take a row off the queue or leave it held, and wake nobody.
 */
const MAKES_DUE = new Set<string>([T.planned, T.attemptFailed, T.deferred, T.retryRequested, T.fallbackPlanned]);

export const mayHaveComeDue = (change: DeliveryChange): boolean => !change.handed && MAKES_DUE.has(change.type);

export interface DeliveriesProjectionOptions {
  /** For the keyed hash each row's address is looked up by: a rebuild needs the live service's master key. */
  keys: Pick<LedgerKeys, 'contactHash'>;
  /** Told after each commit which notifications changed: the dispatcher's and subscriptions' wake-up. */
  onChanged?: (changes: readonly DeliveryChange[]) => void;
  /** The rows the planner writes in its plans' own append statement: the lane passes over those. */
  inline?: InlineDeliveries;
}

const changesOf = (events: readonly RecordedEvent[]): DeliveryChange[] =>
  events.map((e) => ({ notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt: e.recordedAt }));

/**
 * The notification rows the planner's plans start, written in the plans' own append statement
 * (`appendEachWith`): a planned row is there, and the dispatcher told, the moment the plan commits,
 * not once the read-model lane has read and applied it, and at no statement of its own.
 *
 * The lane still reads every event: it passes over those written here by this process, and applies
 * the rest as ever, another instance's included, whose rows it then finds there (a row's first event
 * never changes a row already made). A rebuild has no appends and applies everything in the lane:
 * the two are held to the same rows.
 */
export class InlineDeliveries {
  readonly #hashOf: AddressHash;
  readonly #onChanged: ((changes: readonly DeliveryChange[]) => void) | undefined;
  /** Event ids written here and not yet passed by the lane. */
  readonly #applied = new Set<string>();
  readonly #written: Counter | undefined;
  #handoff: DeliveryHandoff | null = null;

  constructor(options: Pick<DeliveriesProjectionOptions, 'keys' | 'onChanged'> & { metrics?: Registry | undefined }) {
    this.#hashOf = addressHashUnder(options.keys);
    this.#onChanged = options.onChanged;
    this.#written = options.metrics
      ? new Counter({
          name: 'deliveries_applied_with_append_total',
          help: 'Notification events applied to their rows in the statement that appended them, not by the read-model lane.',
          registers: [options.metrics],
        })
      : undefined;
  }

  /** Plans due now are written claimed for `handoff` and handed to it (see DeliveryHandoff). */
  handTo(handoff: DeliveryHandoff): void {
    this.#handoff = handoff;
  }

  /** Whether a stream's appends start its row here: a notification's, made in one append from its first event. */
  static takes(appends: readonly StreamAppend[]): boolean {
    return appends.length === 1 && appends[0]!.expected === 'no-stream' && categoryOf(appends[0]!.stream) === 'notification';
  }

  /**
   * The write to make with the appends, and what to tell once they answered, or that they failed
   * (places the dispatcher gave for the rows are given back).
   */
  prepare(): { alongside: WriteAlongside; answered(appended: AppendedWith): void; failed(): void } {
    let events: PendingEvent[] = [];
    // The plans written claimed, by their append: the dispatcher gave each a place.
    const offered = new Map<number, { event: PendingEvent; channel: string }>();
    const handoff = this.#handoff;
    const giveBack = (appends: Iterable<number>) => {
      for (const append of appends) handoff!.decline(offered.get(append)!.channel, 1);
    };
    return {
      alongside: (pending) => {
        events = pending.filter(handlesDelivery);
        // Each append's events folded as the lane folds them; the statement stamps the times
        // (`recordedAt` here is none). An append is one notification's stream (`takes`).
        const folded = new Map<number, FoldedNotification | null>();
        const byAppend = new Map<number, PendingEvent[]>();
        for (const e of events) {
          const row = foldNotificationEvent(folded.get(e.append) ?? null, idOf(e.stream)!, { ...e, position: NOWHERE, recordedAt: UNSTAMPED }, this.#hashOf);
          folded.set(e.append, row);
          const appended = byAppend.get(e.append);
          if (appended) appended.push(e);
          else byAppend.set(e.append, [e]);
        }
        if (handoff) this.#offer(handoff, folded, byAppend, offered);
        const rows = [...folded].flatMap(([append, row]) => (row ? [{ ord: append + 1, row }] : []));
        const claim = handoff ? { worker: handoff.worker, until: new Date(handoff.now().getTime() + handoff.leaseMs), ords: new Set([...offered.keys()].map((a) => a + 1)) } : null;
        return rows.length > 0 ? insertRowsWithAppends(rows, claim) : null;
      },
      answered: ({ results, recordedAt }) => {
        // Only what was made now: an event made before (a batch repeated) may be one the lane has yet to apply.
        const made = events.filter((e) => results[e.append]?.ok);
        giveBack([...offered.keys()].filter((append) => !results[append]?.ok));
        if (made.length === 0) return;
        // The lane meets each after it is marked (the statement's answer comes before any read of
        // it can); should one be missed, the mark would stay: bounded, what is dropped is applied again.
        if (this.#applied.size > MARKS_KEPT) this.#applied.clear();
        for (const event of made) this.#applied.add(event.id);
        this.#written?.inc(made.length);
        const handed: HandedDelivery[] = [];
        for (const [append, { event, channel }] of offered) {
          const result = results[append];
          if (!result?.ok) continue;
          const { append: _, ...recorded } = event;
          handed.push({ notificationId: idOf(event.stream)!, channel, history: [{ ...recorded, position: result.position, recordedAt }] });
        }
        if (handed.length > 0) handoff!.take(handed);
        this.#onChanged?.(made.map((e) => ({
          notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt, ...(offered.has(e.append) ? { handed: true as const } : {}),
        })));
      },
      failed: () => giveBack(offered.keys()),
    };
  }

  /**
   * Places for the plans due now, channel by channel, as many as the dispatcher has: a plan whose
   * append is that one event (its stream whole in hand), its row planned and due.
   */
  #offer(
    handoff: DeliveryHandoff,
    folded: ReadonlyMap<number, FoldedNotification | null>,
    byAppend: ReadonlyMap<number, readonly PendingEvent[]>,
    offered: Map<number, { event: PendingEvent; channel: string }>,
  ): void {
    const now = handoff.now().getTime();
    const byChannel = new Map<string, { append: number; event: PendingEvent }[]>();
    for (const [append, row] of folded) {
      const [event, ...more] = byAppend.get(append) ?? [];
      const channel = row?.identity?.channel;
      if (!event || more.length > 0 || !channel || row.status !== 'planned' || row.due_at === null || Date.parse(row.due_at) > now) continue;
      const plans = byChannel.get(channel);
      if (plans) plans.push({ append, event });
      else byChannel.set(channel, [{ append, event }]);
    }
    for (const [channel, plans] of byChannel) {
      const taken = handoff.offer(channel, plans.length);
      for (const { append, event } of plans.slice(0, taken)) offered.set(append, { event, channel });
    }
  }

  /** Whether the lane passes over `event`, written here; it meets each once, so it is forgotten then. */
  passes(event: RecordedEvent): boolean {
    return this.#applied.delete(event.id);
  }
}

const NOWHERE = { commit: 0n, prepare: 0n };
const MARKS_KEPT = 100_000;
const UNSTAMPED = new Date(0);

const handlesDelivery = (e: Pick<RecordedEvent, 'type' | 'stream'>): boolean => HANDLED_TYPES.has(e.type) && categoryOf(e.stream) === 'notification';

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
