import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import { comparePositions, formatPosition, type EventStore, type LedgerPosition, type RecordedEvent } from '../ledger/event-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { loadCheckpoint, saveCheckpoint, saveCheckpoints } from './checkpoints.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

/**
 * A consumer of the ledger's global order: a read model, which writes its tables, or a processor,
 * which appends to the ledger. Each says which it is (`kind`), so one without a way to take its
 * events does not compile.
 */
export type Projection = ReadModelProjection | ProcessorProjection;

interface ProjectionBase {
  readonly name: string;
  /** Cheap filter: events it does not handle still move the checkpoint. */
  handles(event: RecordedEvent): boolean;
  /** Called once per committed batch that applied at least one event. */
  afterCommit?(events: readonly RecordedEvent[]): void;
}

/**
 * A read model applies in the transaction that also saves the checkpoint (`trx`), so a batch is
 * applied and remembered together; after a crash the batch is applied again, so it must be
 * idempotent (upserts, revision guards).
 */
export type ReadModelProjection = ProjectionBase & {
  readonly kind: 'read-model';
  /**
   * Applied and committed in a transaction of its own, before the rest of its lane's read models
   * (theirs follows, and sees what it wrote), whenever both have events in a batch: what waits on
   * its rows (the dispatcher, on the deliveries read model) hears of them before the others are done.
   * Whatever its `afterCommit` wakes must read only tables of read models that commit first too.
   */
  readonly commitsFirst?: boolean;
} & (
  | {
      /** One event at a time. */
      apply(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<void>;
      applyAll?: never;
    }
  | {
      /**
       * The batch's events it handles at once, in ledger order, so a read model can fold them per
       * row and write each table in a statement or two instead of one per event.
       */
      applyAll(trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]): Promise<void>;
      apply?: never;
    }
);

/**
 * A processor that appends to the ledger takes the whole batch outside any transaction (a
 * transaction must not stay open across ledger appends, and embedded PGlite has one connection);
 * its checkpoint is saved after the batch, at most `idleCheckpointMs` later, so a crash repeats
 * what it applied since (a second at most, or the batches until the stop) and its appends must be
 * idempotent.
 */
export interface ProcessorProjection extends ProjectionBase {
  readonly kind: 'processor';
  applyBatch(db: Kysely<ReadModelDatabase>, events: readonly RecordedEvent[]): Promise<void>;
}

export interface ProjectionRunnerOptions {
  store: EventStore;
  db: Kysely<ReadModelDatabase>;
  projections: readonly Projection[];
  clock: Clock;
  logger: Logger;
  metrics?: Registry;
  /** Events per transaction at most. */
  batchSize?: number;
  /**
   * How long the read models' lane waits, after the first event of a batch, for more to share its
   * transaction while fewer than `batchSize` are at hand; default 0 (none). A quiet service otherwise
   * applies each append of an event's way (its receipt, plans, attempts, sends) in a transaction of
   * its own. Processors never wait: the planner is on the way to every send.
   */
  readModelLingerMs?: number;
  /** Told after each batch how many events it covered: progress for long rebuilds. */
  onBatch?: (projection: string, events: number) => void;
  /**
   * One reader for every lane, the lanes taking its batches side by side, a few batches apart at
   * most: a rebuild reads and decodes the ledger once instead of once per lane. Lanes then wait for
   * the slowest, so a live service keeps them apart.
   */
  sharedReader?: boolean;
  /**
   * Longest a checkpoint not saved with a transaction waits to be saved; default one second: that
   * of batches a projection had nothing in, and a processor's. Such a batch costs no statement now;
   * a crash reads it again, and applies nothing new (a processor's appends are idempotent).
   */
  idleCheckpointMs?: number;
}

/** A projection of a lane and the events of a batch it has yet to apply. */
interface Work {
  projection: Projection;
  handled: readonly RecordedEvent[];
}

interface Waiter {
  position: LedgerPosition;
  resolve: () => void;
}

/** Runs each projection in its own loop from its own checkpoint; `whenProcessed` awaits them. */
export class ProjectionRunner {
  readonly #options: ProjectionRunnerOptions;
  readonly #controller = new AbortController();
  readonly #positions = new Map<string, LedgerPosition | null>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #loops: Promise<void>[] = [];
  readonly #lag: Gauge | undefined;
  /**
   * Checkpoints not saved yet (moved over batches a projection had nothing in, or a processor's):
   * a read model's is saved with its next batch that applies anything; any is saved once
   * `idleCheckpointMs` have passed (at the next batch, or by a timer when none comes), or at stop.
   */
  readonly #unsaved = new Map<string, LedgerPosition>();
  #lastIdleSave = 0;
  #saveTimer: NodeJS.Timeout | null = null;
  #timedSave: Promise<void> = Promise.resolve();

  constructor(options: ProjectionRunnerOptions) {
    this.#options = options;
    this.#lag = options.metrics
      ? new Gauge({
          name: 'projection_lag_seconds',
          help: 'Age of the newest event a projection has applied, at the time it applied it.',
          labelNames: ['projection'],
          registers: [options.metrics],
        })
      : undefined;
  }

  /**
   * Read models share one reader and one transaction per batch (each keeps its own checkpoint);
   * a processor that appends to the ledger runs on its own, so its appends never hold that
   * transaction open.
   */
  async start(): Promise<void> {
    this.#lastIdleSave = performance.now();
    for (const projection of this.#options.projections) {
      this.#positions.set(projection.name, await loadCheckpoint(this.#options.db, projection.name));
    }
    const readModels = this.#options.projections.filter((p) => p.kind === 'read-model');
    const lanes = [...(readModels.length > 0 ? [readModels] : []), ...this.#options.projections.filter((p) => p.kind === 'processor').map((p) => [p])];
    if (this.#options.sharedReader) this.#loops.push(this.#run(lanes));
    else for (const lane of lanes) this.#loops.push(this.#run([lane]));
  }

  /** Resolves when every projection (or the one named) has applied the ledger up to `position`. */
  async whenProcessed(position: LedgerPosition, options: { projection?: string; timeoutMs?: number } = {}): Promise<void> {
    const names = options.projection ? [options.projection] : this.#options.projections.map((p) => p.name);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const waits = names.map((name) => this.#waitFor(name, position));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Projections ${names.join(', ')} did not reach ${formatPosition(position)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(waits), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await Promise.allSettled(this.#loops);
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    await this.#timedSave;
    await this.#saveUnsaved().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'saving idle checkpoints at stop failed; they are read again at the next start'));
  }

  /**
   * Saves what `lane` has unsaved now when `idleCheckpointMs` have passed since the last save, else
   * soon after by a timer, which saves every lane's. A lane saves only its own: another lane's
   * checkpoint row may be locked by that lane's transaction, which this one must not wait for.
   */
  async #saveUnsavedInTime(lane: readonly Projection[]): Promise<void> {
    const interval = this.#options.idleCheckpointMs ?? IDLE_CHECKPOINT_MS;
    if (performance.now() - this.#lastIdleSave >= interval) {
      await this.#saveUnsaved(lane);
      if (this.#unsaved.size === 0) return;
    }
    // A quiet service may see no next batch for hours: what waits is saved within the interval still.
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = null;
      if (this.#controller.signal.aborted || this.#unsaved.size === 0) return;
      this.#timedSave = this.#saveUnsaved().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'saving checkpoints failed; they are read again at the next start'));
    }, Math.max(0, interval - (performance.now() - this.#lastIdleSave))).unref();
  }

  /** Saves the unsaved checkpoints of `lane`, or of every lane. */
  async #saveUnsaved(lane?: readonly Projection[]): Promise<void> {
    const { db, clock } = this.#options;
    const unsaved = [...this.#unsaved].filter(([name]) => !lane || lane.some((p) => p.name === name));
    for (const [name] of unsaved) this.#unsaved.delete(name);
    this.#lastIdleSave = performance.now();
    for (const [name, position] of unsaved) await saveCheckpoint(db, name, position, clock.now());
  }

  #waitFor(name: string, position: LedgerPosition): Promise<void> {
    const current = this.#positions.get(name);
    if (current && comparePositions(current, position) >= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#waiters.get(name) ?? [];
      list.push({ position, resolve });
      this.#waiters.set(name, list);
    });
  }

  #advance(name: string, position: LedgerPosition): void {
    this.#positions.set(name, position);
    const list = this.#waiters.get(name);
    if (!list) return;
    const still = list.filter((w) => {
      if (comparePositions(position, w.position) >= 0) {
        w.resolve();
        return false;
      }
      return true;
    });
    this.#waiters.set(name, still);
  }

  async #run(lanes: readonly (readonly Projection[])[]): Promise<void> {
    const signal = this.#controller.signal;
    const { logger } = this.#options;
    while (!signal.aborted) {
      try {
        await this.#consume(lanes, signal);
      } catch (error) {
        if (signal.aborted) return;
        // Resume from what this instance committed, not from the stored checkpoint: another instance
        // sharing the database may have moved that past events whose afterCommit (live
        // subscriptions, alerts) this instance has not told yet. Repeating a batch is harmless.
        logger.error({ err: error, projections: lanes.flat().map((p) => p.name) }, 'projection failed; retrying from where it last committed');
        await delay(1000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Lanes read from their least advanced member; each member skips what it already applied. */
  #startOf(projections: readonly Projection[]): LedgerPosition | null {
    let start: LedgerPosition | null | undefined;
    for (const projection of projections) {
      const position = this.#positions.get(projection.name) ?? null;
      if (position === null) return null;
      if (start === undefined || comparePositions(position, start!) < 0) start = position;
    }
    return start ?? null;
  }

  async #consume(lanes: readonly (readonly Projection[])[], signal: AbortSignal): Promise<void> {
    const batchSize = this.#options.batchSize ?? 500;
    const linger = lanes.length === 1 && lanes[0]!.every((p) => p.kind === 'read-model') ? (this.#options.readModelLingerMs ?? 0) : 0;
    // The subscription ends with this call, not only with the runner: after a failed batch, closing
    // an iterator that is waiting for new events would otherwise wait until one arrives.
    const reading = new AbortController();
    const iterator = this.#options.store.subscribeToAll(this.#startOf(lanes.flat()), AbortSignal.any([signal, reading.signal]))[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | null = null;
    // Lanes sharing the reader each take the batches in order at their own pace, at most
    // LANES_AHEAD batches apart: one lane's slow batch does not hold the others at every step.
    let chains: Promise<void>[] = lanes.map(() => Promise.resolve());
    const unfinished: Promise<unknown>[] = [];
    try {
      while (!signal.aborted) {
        // Take what is already at hand, up to a batch, without waiting for more.
        const batch: RecordedEvent[] = [];
        pending ??= iterator.next();
        const first = await pending;
        pending = null;
        if (first.done) break;
        batch.push(first.value);
        // What arrives before the event loop's next turn is at hand; one turn for the whole batch,
        // or the linger, for a lane that waits.
        const lingerUntil = performance.now() + linger;
        let turn = setImmediatePromise();
        while (batch.length < batchSize) {
          pending ??= iterator.next();
          const next = await Promise.race([pending, turn]);
          if (next === IMMEDIATE) {
            const left = lingerUntil - performance.now();
            if (left < 1) break;
            turn = timerPromise(left);
            continue;
          }
          pending = null;
          if (next.done) break;
          batch.push(next.value);
        }
        // The next read runs while this batch is applied.
        pending ??= iterator.next();
        if (lanes.length === 1) {
          await this.#applyBatch(lanes[0]!, batch);
          continue;
        }
        // A lane that failed rejects its chain, so it applies nothing after the failed batch.
        chains = chains.map((chain, i) => chain.then(() => this.#applyBatch(lanes[i]!, batch)));
        const applied = Promise.all(chains);
        // A failure ends the reading at once (a caught-up reader would otherwise wait for the next
        // event to notice it) and surfaces below.
        applied.catch(() => reading.abort());
        unfinished.push(applied);
        if (unfinished.length >= LANES_AHEAD) await unfinished.shift();
      }
      await Promise.all(unfinished);
    } finally {
      reading.abort();
      // Nothing of this reader may still be applying when the next one starts from the positions.
      await Promise.allSettled(chains);
      await iterator.return?.();
    }
  }

  async #applyBatch(lane: readonly Projection[], batch: readonly RecordedEvent[]): Promise<void> {
    const { db } = this.#options;
    const last = batch.at(-1)!.position;
    const work: Work[] = lane.map((projection) => {
      const done = this.#positions.get(projection.name) ?? null;
      return { projection, handled: batch.filter((e) => (done === null || comparePositions(e.position, done) > 0) && projection.handles(e)) };
    });
    const [single] = lane;
    if (work.every((w) => w.handled.length === 0)) {
      // Nothing to apply: no statement at all now. Most batches of a quiet service are one event
      // that most lanes pass over, and a checkpoint each would be most of their statements.
      for (const projection of lane) this.#unsaved.set(projection.name, last);
      await this.#saveUnsavedInTime(lane);
    } else if (lane.length === 1 && single!.kind === 'processor') {
      await single!.applyBatch(db, work[0]!.handled);
      // Its appends are idempotent (a crash repeats the batch in any case): its checkpoint waits as
      // an idle one does, instead of a statement after every batch on the way to the next.
      this.#unsaved.set(single!.name, last);
      await this.#saveUnsavedInTime(lane);
    } else {
      // Read models that commit first go in a transaction of their own when the others have work
      // too; otherwise the lane's batch is one transaction, every checkpoint saved in it.
      const first = work.filter(({ projection }) => projection.kind === 'read-model' && projection.commitsFirst);
      const rest = work.filter((w) => !first.includes(w));
      const splits = first.some((w) => w.handled.length > 0) && rest.some((w) => w.handled.length > 0);
      for (const group of splits ? [first, rest] : [work]) {
        await this.#commitReadModels(group, last);
        this.#applied(group, last, batch.length);
      }
      return;
    }
    this.#applied(work, last, batch.length);
  }

  /** One transaction: each read model's events and the checkpoint of each of `work`, at `last`. */
  async #commitReadModels(work: readonly Work[], last: LedgerPosition): Promise<void> {
    const { db, clock } = this.#options;
    await db.transaction().execute(async (trx) => {
      for (const { projection, handled } of work) {
        if (handled.length === 0 || projection.kind !== 'read-model') continue;
        if (projection.applyAll) await projection.applyAll(trx, handled);
        else for (const event of handled) await projection.apply(trx, event);
      }
      await saveCheckpoints(trx, work.map((w) => w.projection.name), last, clock.now());
    });
    for (const { projection } of work) this.#unsaved.delete(projection.name);
  }

  /** After `work` is applied and its checkpoints saved or kept: listeners told, lag and positions moved. */
  #applied(work: readonly Work[], last: LedgerPosition, batchLength: number): void {
    const { clock } = this.#options;
    for (const { projection, handled } of work) {
      if (handled.length > 0) {
        projection.afterCommit?.(handled);
        this.#lag?.set({ projection: projection.name }, Math.max(0, (clock.now().getTime() - handled.at(-1)!.recordedAt.getTime()) / 1000));
      }
      this.#advance(projection.name, last);
      this.#options.onBatch?.(projection.name, batchLength);
    }
  }
}

const IMMEDIATE = Symbol('immediate');
const LANES_AHEAD = 3;
const IDLE_CHECKPOINT_MS = 1_000;
const setImmediatePromise = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(() => resolve(IMMEDIATE)));
const timerPromise = (ms: number) => new Promise<typeof IMMEDIATE>((resolve) => setTimeout(() => resolve(IMMEDIATE), ms));
