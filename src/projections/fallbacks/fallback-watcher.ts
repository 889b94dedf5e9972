import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.ts';
import type { FallbackPlanned } from '../../domain/notifications/notification-events.ts';
import type { EventStore } from '../../ledger/event-store.ts';
import { WakeableLoop } from '../../ledger/wakeable-loop.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { openFallback } from './fallback-reaction.ts';
import { dueFallbackWatches, endFallbackWatches, nextFallbackWatchDue } from './fallback-sources.queries.ts';

export interface FallbackWatcherOptions {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  clock: Clock;
  logger: Logger;
  pollIntervalMs?: number;
  batch?: number;
}

/**
 * "Not delivered in time": a sent message whose provider reports receipts, with no `delivered` (or
 * `read`) when its time is up, falls back. The planner sets a watch at `sent` and ends it at the
 * receipt; this loop opens the fallback's stream for each watch past due. The append is at
 * no-stream, so every instance may run it: one FallbackPlanned stands, whoever wrote it.
 */
export class FallbackWatcher {
  readonly #o: Required<FallbackWatcherOptions>;
  readonly #loop = new WakeableLoop({ work: (signal) => this.#work(signal), sleepMs: () => this.#sleepMs() });

  constructor(options: FallbackWatcherOptions) {
    this.#o = { pollIntervalMs: 1000, batch: 100, ...options };
  }

  start(): void {
    this.#loop.start();
  }

  /** A watch may be due (a moved clock): look now instead of at the next poll. */
  poke(): void {
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** Opens the fallback of every watch due now; answers how many. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const opened = await this.#openDue();
      total += opened;
      if (opened < this.#o.batch) return total;
    }
  }

  async #work(signal: AbortSignal): Promise<boolean> {
    try {
      return (await this.#openDue()) >= this.#o.batch;
    } catch (error) {
      if (!signal.aborted) this.#o.logger.error({ err: error }, 'opening fallbacks of undelivered messages failed');
      return false;
    }
  }

  async #openDue(): Promise<number> {
    const { db, store, clock } = this.#o;
    const now = clock.now();
    const due = await dueFallbackWatches(db, now, this.#o.batch);
    if (due.length === 0) return 0;
    for (const watch of due) {
      const next: FallbackPlanned = {
        notificationId: watch.fallbackId,
        fallbackOf: watch.notificationId,
        channel: watch.channel as FallbackPlanned['channel'],
        reason: 'not-delivered',
        detail: `not delivered ${watch.minutes} min after it was sent`,
        policyVersion: watch.policyVersion,
        plannedAt: now.toISOString(),
      };
      const append = openFallback(next, null);
      const result = await store.append(append.stream, append.events, append.expected);
      if (result.ok) this.#o.logger.info({ notificationId: watch.notificationId, fallbackId: watch.fallbackId, channel: watch.channel }, 'not delivered in time: fallback planned');
    }
    await endFallbackWatches(db, due.map((w) => w.notificationId));
    return due.length;
  }

  async #sleepMs(): Promise<number> {
    const now = this.#o.clock.now();
    const next = await nextFallbackWatchDue(this.#o.db).catch(() => null);
    let waitMs = this.#o.pollIntervalMs;
    if (next) waitMs = Math.min(waitMs, next.getTime() - now.getTime());
    return waitMs <= 0 ? 50 : waitMs;
  }
}
