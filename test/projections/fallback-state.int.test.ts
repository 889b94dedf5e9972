import { randomUUID } from 'node:crypto';
import type { Kysely, KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FallbackSource } from '../../src/domain/notifications/fallback.ts';
import { FallbackState } from '../../src/projections/fallbacks/fallback-state.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';

// The planner keeps fallback sources from batch to batch, a notification known to have none
// included: a notification's first event says whether it has one, so its sends and receipts need no
// read. What it keeps is written before the checkpoint, and what it forgets is read again.

let ledger: LedgerDatabase;
let db: Kysely<ReadModelDatabase>;
/** Statements on fallback_sources, as the driver is given them. */
const reads: string[] = [];
const counting: KyselyPlugin = {
  transformQuery(args) {
    if (args.node.kind === 'SelectQueryNode' && JSON.stringify(args.node.from).includes('fallback_sources')) reads.push('select');
    return args.node;
  },
  transformResult: async (args) => args.result,
};

beforeAll(async () => {
  ledger = await openLedgerDatabase();
  db = ledger.db.withPlugin(counting);
});
afterAll(async () => ledger?.close());

const sourceOf = (notificationId: string): FallbackSource => ({
  notificationId,
  fallbackOf: null,
  eventType: 'appointment.confirmed',
  centreId: 'blr-01',
  arm: { chain: ['sms'], policyVersion: 1, undeliveredAfterMinutes: 10, targetIndex: 0, root: 'whatsapp', tried: ['whatsapp'], reachable: ['whatsapp', 'sms'] },
  sendBy: null,
  revision: 0,
  delivered: false,
  fallbackId: null,
});

describe('the planner\'s fallback sources', () => {
  it('knows from a notification\'s first event that it has none, and reads nothing for its later events', async () => {
    const state = new FallbackState(db);
    const plain = randomUUID();
    state.begin(plain, null);
    reads.length = 0;
    expect(await state.get(plain)).toBeNull();
    await state.load([plain]);
    expect(reads).toEqual([]);
  });

  it('writes a source its first event made, which another planner (or this one, having forgotten it) reads back', async () => {
    const state = new FallbackState(db);
    const chained = randomUUID();
    state.begin(chained, sourceOf(chained));
    state.put({ ...sourceOf(chained), delivered: true, revision: 3 });
    await state.flush();

    reads.length = 0;
    expect(await new FallbackState(db).get(chained)).toEqual({ ...sourceOf(chained), delivered: true, revision: 3 });
    expect(reads).toEqual(['select']);
  });

  it('does not take a first event\'s "none" over a source it already holds (a batch repeated)', async () => {
    const state = new FallbackState(db);
    const id = randomUUID();
    state.put({ ...sourceOf(id), fallbackId: 'fb-1' });
    state.begin(id, null);
    expect(await state.get(id)).toMatchObject({ fallbackId: 'fb-1' });
  });

  it('forgets what it holds beyond its bound once written, and reads it again when needed', async () => {
    const state = new FallbackState(db);
    const kept = randomUUID();
    state.begin(kept, sourceOf(kept));
    for (let i = 0; i < 20_000; i++) state.begin(randomUUID(), null);
    await state.flush();

    reads.length = 0;
    expect(await state.get(kept)).toEqual(sourceOf(kept));
    expect(reads).toEqual(['select']);
  });
});
