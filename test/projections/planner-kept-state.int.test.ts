import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import type { RecordedEvent } from '../../src/ledger/event-store.ts';
import type { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { batchStateKind } from '../../src/projections/batch-state.ts';
import type { LedgerReaction } from '../../src/projections/ledger-reaction.ts';
import { plannerProcessor } from '../../src/projections/planner-processor.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';

// The planner keeps the clinic's settings from batch to batch (a kind made with acrossBatches), and
// a kind without it for one batch only. A batch that fails may have changed a kept part without
// writing the change: the next batch starts every kept part afresh.

let ledger: LedgerDatabase;
let store: PostgresEventStore;
let db: Kysely<ReadModelDatabase>;
beforeAll(async () => {
  ledger = await openLedgerDatabase();
  ({ store, db } = ledger);
});
afterAll(async () => ledger?.close());

/** A part that counts how often it was made, and what it was told since. */
class Counted {
  static made = 0;
  readonly seen: string[] = [];
  constructor() {
    Counted.made++;
  }
}

const event = (type: string): RecordedEvent => ({
  id: randomUUID(), stream: `test-${randomUUID()}`, revision: 0n, position: { commit: 1n, prepare: 1n }, type, data: {}, metadata: {}, recordedAt: new Date(),
});

describe('the planner\'s batch state', () => {
  it('keeps a settings part from batch to batch, makes a per-batch part anew each batch, and drops kept parts after a failed batch', async () => {
    const settings = batchStateKind('test-settings', () => new Counted(), { acrossBatches: true });
    const perBatch = batchStateKind('test-per-batch', () => new Counted());
    const seenBySettings: string[][] = [];
    let perBatchMade = 0;
    const reaction: LedgerReaction = {
      name: 'test',
      handles: () => true,
      async react(e, { state }) {
        const kept = state.of(settings);
        kept.seen.push(e.type);
        seenBySettings.push([...kept.seen]);
        const before = Counted.made;
        state.of(perBatch);
        perBatchMade += Counted.made - before;
        if (e.type === 'Fails') throw new Error('the database went away for a moment');
        return [];
      },
    };
    const planner = plannerProcessor({ store, clock: fixedClock(), logger: silentLogger(), keys: deriveLedgerKeys(Buffer.alloc(32, 7)), reactions: [reaction] });

    await planner.applyBatch(db, [event('A'), event('B')]);
    await planner.applyBatch(db, [event('C')]);
    // One settings part across both batches; a per-batch part in each.
    expect(seenBySettings.at(-1)).toEqual(['A', 'B', 'C']);
    expect(perBatchMade).toBe(2);

    await expect(planner.applyBatch(db, [event('Fails')])).rejects.toThrow(/went away/);
    await planner.applyBatch(db, [event('D')]);
    // The failed batch's change to the kept part is gone with it.
    expect(seenBySettings.at(-1)).toEqual(['D']);
  });
});
