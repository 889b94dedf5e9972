import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import type { EventStore, RecordedEvent } from '../../src/ledger/event-store.ts';
import type { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { loadCheckpoint, saveCheckpoint, saveCheckpoints } from '../../src/projections/checkpoints.ts';
import { ProjectionRunner, type Projection } from '../../src/projections/projection-runner.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';
import { until } from '../support/until.ts';

// Two service instances share one database and each runs every projection, with one stored
// checkpoint per projection between them. What each instance tells its own listeners (live
// subscriptions) must not depend on how far the other one got.

const clock = fixedClock();
let ledger: LedgerDatabase;
let store: PostgresEventStore;
let db: Kysely<ReadModelDatabase>;

beforeAll(async () => {
  ledger = await openLedgerDatabase({ pollIntervalMs: 50 });
  ({ store, db } = ledger);
});
afterAll(async () => ledger?.close());

/** A read model that only remembers, per instance, the events it was told of after commit. */
function tellingProjection(name: string, stream: string, options: { failOnce?: (e: RecordedEvent) => boolean } = {}) {
  const told: number[] = [];
  let failed = false;
  const projection: Projection = {
    kind: 'read-model',
    name,
    handles: (e) => e.stream === stream,
    async apply(_trx, event) {
      if (!failed && options.failOnce?.(event)) {
        failed = true;
        throw new Error('the database went away for a moment');
      }
    },
    afterCommit: (events) => told.push(...events.map((e) => (e.data as { n: number }).n)),
  };
  return { projection, told, hasFailed: () => failed };
}

/** A processor that only remembers the events it applied, in order. */
function recordingProcessor(name: string, stream: string) {
  const processed: number[] = [];
  const processor: Projection = {
    kind: 'processor',
    name,
    handles: (e) => e.stream === stream,
    async applyBatch(_db, events) {
      processed.push(...events.map((e) => (e.data as { n: number }).n));
    },
  };
  return { processor, processed };
}

const append = async (stream: string, n: number) => {
  const result = await store.append(streamName.reminder(stream.slice('reminder-'.length)), [{ id: randomUUID(), type: 'Counted', data: { n }, metadata: {} }], 'any');
  if (!result.ok) throw result.error;
  return result.position;
};

describe('a projection run by two instances on one database', () => {
  it('tells its listeners every event after a failed batch, even when the other instance moved the stored checkpoint past it', async () => {
    const name = `counting-${randomUUID()}`;
    const stream = streamName.reminder(randomUUID());
    const ahead = tellingProjection(name, stream);
    const behind = tellingProjection(name, stream, { failOnce: (e) => (e.data as { n: number }).n === 3 });
    const runners = [ahead, behind].map(
      ({ projection }) => new ProjectionRunner({ store, db, projections: [projection], clock, logger: silentLogger() }),
    );
    // Every event is in the ledger before either starts: the failed batch is the last there is, so
    // nothing new arrives to wake a subscription that failed to close.
    let last = await append(stream, 1);
    for (let n = 2; n <= 6; n++) last = await append(stream, n);
    try {
      // The one behind reads its start first: had the one ahead committed all six before that read,
      // the one behind would start past event 3 and never fail. Its failing batch commits nothing,
      // and it waits a second before trying again, so the one ahead still starts from the beginning.
      await runners[1]!.start();
      await runners[0]!.start();
      await until(() => behind.hasFailed(), { what: 'the second instance to fail once' });
      await runners[0]!.whenProcessed(last);
      // It waits a second before it tries again.
      await runners[1]!.whenProcessed(last, { timeoutMs: 10_000 });

      expect(ahead.told).toEqual([1, 2, 3, 4, 5, 6]);
      expect(behind.told.filter((n) => n >= 3)).toEqual([3, 4, 5, 6]);
      expect(new Set(behind.told)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  });

  it('never moves the stored checkpoint back when the instance behind commits after the one ahead', async () => {
    const names = [`counting-${randomUUID()}`, `counting-${randomUUID()}`];
    const stream = streamName.reminder(randomUUID());
    const earlier = await append(stream, 1);
    const later = await append(stream, 2);
    const newest = await append(stream, 3);

    await saveCheckpoints(db, names, later, clock.now());
    await saveCheckpoints(db, names, earlier, clock.now());
    await saveCheckpoint(db, names[0]!, earlier, clock.now());
    expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([later, later]);

    await saveCheckpoint(db, names[0]!, newest, clock.now());
    await saveCheckpoints(db, names, newest, clock.now());
    expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([newest, newest]);
  });
});

describe('a rebuild reading the ledger once for every lane', () => {
  it('hands each batch to the read models and to a processor from one subscription, and repeats only what failed', async () => {
    const stream = streamName.reminder(randomUUID());
    const first = await append(stream, 1);
    let last = first;
    for (let n = 2; n <= 5; n++) last = await append(stream, n);
    const readModel = tellingProjection(`read-model-${randomUUID()}`, stream);
    const applied: number[] = [];
    let failed = false;
    const processor: Projection = {
      kind: 'processor',
      name: `processor-${randomUUID()}`,
      handles: (e) => e.stream === stream,
      async applyBatch(_db, events) {
        if (!failed) {
          failed = true;
          throw new Error('the ledger went away for a moment');
        }
        applied.push(...events.map((e) => (e.data as { n: number }).n));
      },
    };
    let subscriptions = 0;
    const counting: EventStore = {
      append: (target, events, expected) => store.append(target, events, expected),
      readStream: (target, from) => store.readStream(target, from),
      readAll: (after, limit) => store.readAll(after, limit),
      headPosition: () => store.headPosition(),
      close: async () => undefined,
      subscribeToAll: (after, signal) => {
        subscriptions++;
        return store.subscribeToAll(after, signal);
      },
    };
    // Both start from the first event, as a rebuild into a fresh schema does.
    await saveCheckpoints(db, [readModel.projection.name, processor.name], first, clock.now());
    const runner = new ProjectionRunner({ store: counting, db, projections: [readModel.projection, processor], clock, logger: silentLogger(), sharedReader: true });
    await runner.start();
    try {
      await runner.whenProcessed(last, { timeoutMs: 10_000 });
    } finally {
      await runner.stop();
    }
    expect(failed).toBe(true);
    // The processor's failed batch is read again (a second subscription), the read model's is not applied twice.
    expect(subscriptions).toBe(2);
    expect(readModel.told).toEqual([2, 3, 4, 5]);
    expect(applied).toEqual([2, 3, 4, 5]);
  });
});


describe('checkpoints not saved with a transaction', () => {
  it('cost no statement: a read model\'s waits for the next batch it applies, a processor\'s for the interval or the stop', async () => {
    const stream = streamName.reminder(randomUUID());
    const other = streamName.reminder(randomUUID());
    const readModel = tellingProjection(`idle-read-model-${randomUUID()}`, stream);
    const { processor, processed } = recordingProcessor(`idle-processor-${randomUUID()}`, stream);
    const names = [readModel.projection.name, processor.name];
    const runner = new ProjectionRunner({ store, db, projections: [readModel.projection, processor], clock, logger: silentLogger(), idleCheckpointMs: 600_000 });
    await runner.start();
    // Another stream's events: neither has anything in them, and neither saves a checkpoint.
    let last = await append(other, 1);
    try {
      await runner.whenProcessed(last);
      last = await append(other, 2);
      await runner.whenProcessed(last);
      expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([null, null]);

      // One they apply: the read model's saved with it (one transaction), the processor's not yet
      // (its appends are idempotent: a crash now would repeat its batch, as it always could).
      const applied = await append(stream, 3);
      await runner.whenProcessed(applied);
      expect(readModel.told).toEqual([3]);
      expect(processed).toEqual([3]);
      expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([applied, null]);

      // Past it, idle again: kept in memory (a wait for the position returns) and saved at the stop.
      last = await append(other, 4);
      await runner.whenProcessed(last);
      expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([applied, null]);
    } finally {
      await runner.stop();
    }
    expect(await Promise.all(names.map((n) => loadCheckpoint(db, n)))).toEqual([last, last]);
  });

  it('are saved within the interval on a service that then goes quiet, and a restart repeats only what came after', async () => {
    const stream = streamName.reminder(randomUUID());
    const { processor, processed } = recordingProcessor(`quiet-processor-${randomUUID()}`, stream);
    const run = () => new ProjectionRunner({ store, db, projections: [processor], clock, logger: silentLogger(), idleCheckpointMs: 200 });
    const runner = run();
    await runner.start();
    const first = await append(stream, 1);
    try {
      await runner.whenProcessed(first);
      // No batch comes after it: the timer saves it.
      await until(async () => (await loadCheckpoint(db, processor.name)) !== null, { what: 'the quiet processor\'s checkpoint to be saved' });
      expect(await loadCheckpoint(db, processor.name)).toEqual(first);
      await runner.whenProcessed(await append(stream, 2));
    } finally {
      await runner.stop();
    }
    expect(processed).toEqual([1, 2]);

    // A crash after the timer saved the first and before the second was saved: the checkpoint is put
    // back where it stood then, and a new runner repeats the second only.
    await db.deleteFrom('projection_checkpoints').where('projection', '=', processor.name).execute();
    await saveCheckpoint(db, processor.name, first, clock.now());
    const restarted = run();
    await restarted.start();
    try {
      await until(async () => processed.length === 3, { what: 'the restarted processor to repeat the event after its checkpoint' });
    } finally {
      await restarted.stop();
    }
    expect(processed).toEqual([1, 2, 2]);
  });
});

describe('a read model that commits first', () => {
  it("is committed and told before the lane's other read models finish, and not applied again when they fail", async () => {
    const stream = streamName.reminder(randomUUID());
    const appliedFirst: number[] = [];
    const toldFirst: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let restTries = 0;
    const first: Projection = {
      kind: 'read-model',
      name: `first-${randomUUID()}`,
      commitsFirst: true,
      handles: (e) => e.stream === stream,
      async apply(_trx, event) {
        appliedFirst.push((event.data as { n: number }).n);
      },
      afterCommit: (events) => toldFirst.push(...events.map((e) => (e.data as { n: number }).n)),
    };
    const rest: Projection = {
      kind: 'read-model',
      name: `rest-${randomUUID()}`,
      handles: (e) => e.stream === stream,
      async apply() {
        // Held until the test has looked, then failing once: its batch is applied again, the first's not.
        await gate;
        if (restTries++ === 0) throw new Error('the database went away for a moment');
      },
    };
    // `rest` is listed first: commitsFirst, not the list's order, puts `first` ahead.
    const runner = new ProjectionRunner({ store, db, projections: [rest, first], clock, logger: silentLogger() });
    await runner.start();
    try {
      const position = await append(stream, 1);
      await runner.whenProcessed(position, { projection: first.name, timeoutMs: 5_000 });
      // Committed while the other's transaction is still open: another connection reads its checkpoint.
      expect(toldFirst).toEqual([1]);
      expect(await loadCheckpoint(db, first.name)).toEqual(position);
      expect(await loadCheckpoint(db, rest.name)).toBeNull();
      release();
      await runner.whenProcessed(position);
      expect(restTries).toBe(2);
      expect(await loadCheckpoint(db, rest.name)).toEqual(position);
      expect(appliedFirst).toEqual([1]);
    } finally {
      release();
      await runner.stop();
    }
  });
});

describe('a read-model lane that lingers', () => {
  it('applies the events appended within its wait in one batch, while a processor takes each as it comes', async () => {
    const stream = streamName.reminder(randomUUID());
    const batches: number[][] = [];
    const readModel: Projection = {
      kind: 'read-model',
      name: `lingering-${randomUUID()}`,
      handles: (e) => e.stream === stream,
      async applyAll() {},
      afterCommit: (events) => batches.push(events.map((e) => (e.data as { n: number }).n)),
    };
    const { processor, processed } = recordingProcessor(`eager-${randomUUID()}`, stream);
    const processorBatches: number[] = [];
    const counting: Projection = { ...processor, applyBatch: async (trx, events) => {
      processorBatches.push(events.length);
      await (processor as Extract<Projection, { kind: 'processor' }>).applyBatch(trx, events);
    } };
    // Long enough that three appends 100 ms apart fall within it on a loaded machine.
    const runner = new ProjectionRunner({ store, db, projections: [readModel, counting], clock, logger: silentLogger(), readModelLingerMs: 1_500 });
    await runner.start();
    try {
      let last = await append(stream, 1);
      for (const n of [2, 3]) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        last = await append(stream, n);
      }
      await runner.whenProcessed(last, { timeoutMs: 10_000 });
      expect(batches).toEqual([[1, 2, 3]]);
      expect(processed).toEqual([1, 2, 3]);
      // The processor did not wait for the others: it had the first before the second was appended.
      expect(processorBatches.length).toBeGreaterThan(1);
    } finally {
      await runner.stop();
    }
  });
});
