import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../../domain/clock.ts';
import { decideReminderFate, fateEvent, type FateEvent } from '../../domain/reminders/decide-reminder-fate.ts';
import { REMINDER_STATUS_OF, isReminderFateType, reminderEventId, type ReminderRef } from '../../domain/reminders/reminder-events.ts';
import { streamName } from '../../domain/stream-name.ts';
import { appendEach, readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import { WakeableLoop } from '../../ledger/wakeable-loop.ts';
import { fateColumns, type FateColumns } from './reminders-projection.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { claimDueReminders, completeReminders, dueSiblings, nextReminderDueAt, type ClaimedReminder } from './reminder-queue.queries.ts';

export interface ReminderSchedulerOptions {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  clock: Clock;
  logger: Logger;
  metrics?: Registry;
  worker?: string;
  /** Longest idle sleep: the fallback when no wake-up arrives (a clock moved by a test, another instance's lease ran out). */
  pollIntervalMs?: number;
  /** Reminders claimed at once. */
  claimBatch?: number;
  /** A claim nobody finished within this long is taken to have died with its worker. */
  leaseMs?: number;
  /** Fates appended per ledger transaction. */
  appendBatch?: number;
  /** Ledger transactions in flight at once. */
  concurrency?: number;
}

export type FateCounts = Record<FateColumns['status'], number>;

/**
 * Fires reminders at their due time. One reminder's life in the due-time table:
 *
 *   scheduled --claim (FOR UPDATE SKIP LOCKED, lease)--> held --fate appended at 'no-stream'--> fired | superseded | dropped
 *                                                            \--append refused: its fate is already in the ledger (cancelled,
 *                                                               moved, or another instance's) --> that fate
 *   held --lease runs out (its worker died)--> claimable again; the ledger still lets only one fate in.
 *
 * Firing appends ReminderFired; the planner turns it into appointment.reminder notifications, which
 * the dispatcher sends. Every instance runs a scheduler; they share the work through the claim.
 */
export class ReminderScheduler {
  readonly #o: Required<Omit<ReminderSchedulerOptions, 'metrics'>>;
  readonly #fates: Counter | undefined;
  readonly #lateness: Histogram | undefined;
  readonly #loop = new WakeableLoop({ work: (signal) => this.#work(signal), sleepMs: () => this.#sleepMs() });

  constructor(options: ReminderSchedulerOptions) {
    this.#o = {
      pollIntervalMs: 1000,
      claimBatch: 500,
      leaseMs: 30_000,
      appendBatch: 50,
      concurrency: 8,
      ...options,
      worker: options.worker ?? `reminders-${randomUUID().slice(0, 8)}`,
    };
    if (options.metrics) {
      this.#fates = new Counter({ name: 'reminders_fates_total', help: 'Reminder fates recorded by the scheduler.', labelNames: ['fate'], registers: [options.metrics] });
      this.#lateness = new Histogram({
        name: 'reminder_fire_lateness_seconds',
        help: 'How long after its due time a reminder fired.',
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300],
        registers: [options.metrics],
      });
    }
  }

  get worker(): string {
    return this.#o.worker;
  }

  start(): void {
    this.#loop.start();
  }

  /** Something may be due (a new schedule, a moved clock): look now instead of at the next poll. */
  poke(): void {
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** Records the fate of everything due now that nobody holds, until none is left. */
  async drain(): Promise<FateCounts> {
    const counts: FateCounts = { scheduled: 0, skipped: 0, fired: 0, superseded: 0, dropped: 0, cancelled: 0, moved: 0 };
    for (;;) {
      const fates = await this.#claimAndDecide();
      if (fates.length === 0) return counts;
      for (const f of fates) counts[f.status] += 1;
    }
  }

  /** One round: true when it recorded fates, as more may be due behind them. */
  async #work(signal: AbortSignal): Promise<boolean> {
    try {
      return (await this.#claimAndDecide()).length > 0;
    } catch (error) {
      if (!signal.aborted) this.#o.logger.error({ err: error }, 'firing due reminders failed');
      return false;
    }
  }

  async #claimAndDecide(): Promise<({ reminderId: string } & FateColumns)[]> {
    const { db, clock, worker } = this.#o;
    const now = clock.now();
    const claimed = await claimDueReminders(db, { worker, now, leaseMs: this.#o.leaseMs, limit: this.#o.claimBatch });
    if (claimed.length === 0) return [];
    const siblings = await dueSiblings(db, [...new Set(claimed.map((r) => r.appointment_id))], now);
    const decided = claimed.map((row) => {
      const others = siblings
        .filter((s) => s.appointment_id === row.appointment_id && s.reminder_id !== row.reminder_id)
        .map((s) => ({ reminderId: s.reminder_id, offset: s.reminder_offset, dueAt: s.due_at }));
      return { row, event: fateEvent(refOf(row), decideReminderFate({ dueAt: row.due_at, slotAt: row.slot_at }, others, now), clock.now(), worker) };
    });
    // In stream-name order, as the ledger's own batches take their locks: two batches never wait on each other in a cycle.
    decided.sort((a, b) => (a.row.reminder_id < b.row.reminder_id ? -1 : a.row.reminder_id > b.row.reminder_id ? 1 : 0));
    const chunks: (typeof decided)[] = [];
    for (let i = 0; i < decided.length; i += this.#o.appendBatch) chunks.push(decided.slice(i, i + this.#o.appendBatch));
    const fates: ({ reminderId: string } & FateColumns)[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, chunks.length) }, async () => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) fates.push(...(await this.#record(chunk)));
    }));
    await completeReminders(db, worker, fates);
    return fates;
  }

  /**
   * Appends each fate as its reminder stream's first event, a batch per ledger transaction; where a
   * fate is there already (cancelled, moved, or another instance's), that one stands.
   */
  async #record(decided: readonly { row: ClaimedReminder; event: FateEvent }[]): Promise<({ reminderId: string } & FateColumns)[]> {
    const { store, worker } = this.#o;
    const appends = decided.map(({ row, event }) => ({
      stream: streamName.reminder(row.reminder_id),
      expected: 'no-stream' as const,
      events: [{ id: reminderEventId(row.reminder_id, event.type), type: event.type, data: event.data, metadata: { correlationId: row.scheduled_by, actor: worker } }],
    }));
    // A deadlock with another writer fails the whole statement; one by one, each append stands alone.
    const results = await appendEach(store, appends).catch(() => Promise.all(appends.map((a) => store.append(a.stream, a.events, a.expected))));
    return Promise.all(decided.map(async ({ row, event }, i) => {
      if (results[i]!.ok) {
        this.#fates?.inc({ fate: REMINDER_STATUS_OF[event.type] });
        if (event.type === 'ReminderFired') this.#lateness?.observe(event.data.lateMs / 1000);
        return { reminderId: row.reminder_id, ...fateColumns(event.type, event.data) };
      }
      const [first] = await readStreamToArray(store, appends[i]!.stream);
      if (!first || !isReminderFateType(first.type)) throw new Error(`reminder ${row.reminder_id} refused its fate but its stream holds no fate`);
      return { reminderId: row.reminder_id, ...fateColumns(first.type, first.data) };
    }));
  }

  async #sleepMs(): Promise<number> {
    const now = this.#o.clock.now();
    const next = await nextReminderDueAt(this.#o.db, now).catch(() => null);
    let waitMs = this.#o.pollIntervalMs;
    if (next) waitMs = Math.min(waitMs, next.getTime() - now.getTime());
    // Due but not claimable: another instance is claiming it right now.
    return waitMs <= 0 ? 5 : waitMs;
  }
}

const refOf = (row: ClaimedReminder): ReminderRef => ({
  reminderId: row.reminder_id,
  appointmentId: row.appointment_id,
  centreId: row.centre_id,
  offset: row.reminder_offset,
  scheduledBy: row.scheduled_by,
  dueAt: row.due_at.toISOString(),
  slotAt: row.slot_at.toISOString(),
});
