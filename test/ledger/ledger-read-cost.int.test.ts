import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { until } from '../support/until.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerPosition } from '../../src/ledger/event-store.ts';
import { ledgerReadStatement, PostgresEventStore, readStreamsStatement } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { analyzedPlan } from '../support/analyzed-plan.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// Every subscription reads the ledger again and again at its tail. A read must cost a few index
// pages whatever the ledger holds: a plan that scans the whole ledger works in a test and takes a
// live service down once the ledger holds a few million events.
const EVENTS = 20_000;
const CHUNK = 500;

let database: TestDatabase;
let connection: SqlConnection;
let store: PostgresEventStore;
const positions: LedgerPosition[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  connection = connectPostgres(database.url);
  store = await PostgresEventStore.open(connection);
  for (let i = 0; i < EVENTS; i += CHUNK) {
    const results = await store.appendEach(
      Array.from({ length: CHUNK }, (_, j) => ({
        stream: streamName.inbound(`read-cost-${i + j}`),
        events: [{ id: randomUUID(), type: 'InboundEventReceived', data: { n: i + j, note: 'x'.repeat(200) }, metadata: {} }],
        expected: 'no-stream' as const,
      })),
    );
    for (const r of results) if (r.ok) positions.push(r.position);
  }
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

const explain = (read: { sql: string; parameters: readonly unknown[] }) => analyzedPlan(connection.db, read);

const explainRead = (from: LedgerPosition, limit: number) => explain(ledgerReadStatement(from, limit).compile(connection.db));

// Runs first: the ledger as a service sees it before anything has analyzed it (these machines run
// PostgreSQL with autovacuum off). There, on a ledger of 40k larger events, a list of 200 names in
// one `= any(...)` was planned as a parallel scan of every event and a sort, on every claim; on
// this smaller ledger that statement happens to use the index too, so the first check is a guard.
describe('reading a claim\'s worth of streams by name', () => {
  const names = Array.from({ length: 200 }, (_, i) => streamName.inbound(`read-cost-${i * 97}`));

  it(`probes the index per stream among ${EVENTS} events, with no statistics to go by`, async () => {
    const { pages, scans } = await explain(readStreamsStatement(names).compile(connection.db));
    expect(scans.filter((s) => s.startsWith('Seq Scan'))).toEqual([]);
    // Three or four index pages and a heap page per stream.
    expect(pages).toBeLessThan(200 * 6);
  });

  it('answers every event of each stream, stream by stream in revision order', async () => {
    const found = await store.readStreams([names[3]!, streamName.inbound('never-written'), names[1]!]);
    expect([...found.keys()]).toEqual([names[3], streamName.inbound('never-written'), names[1]]);
    expect(found.get(names[3]!)!.map((e) => (e.data as { n: number }).n)).toEqual([3 * 97]);
    expect(found.get(streamName.inbound('never-written'))).toEqual([]);
  });
});

describe('reading the PostgreSQL ledger', () => {
  // Planner statistics as a live database has them.
  beforeAll(async () => {
    await connection.db.executeQuery(CompiledQuery.raw('analyze ledger_events'));
  });

  it(`costs a few index pages at the tail of ${EVENTS} events, not a scan of the ledger`, async () => {
    expect(positions).toHaveLength(EVENTS);
    const { pages, scans } = await explainRead(positions.at(-1)!, 2000);
    expect(scans.filter((s) => s.startsWith('Seq Scan'))).toEqual([]);
    expect(pages).toBeLessThan(30);
  });

  it('costs pages in proportion to what it returns in the middle of the ledger', async () => {
    const { pages, scans } = await explainRead(positions[EVENTS / 2]!, 100);
    expect(scans.filter((s) => s.startsWith('Seq Scan'))).toEqual([]);
    // 100 rows of ~300 bytes: a few heap pages and the index path to them.
    expect(pages).toBeLessThan(60);
  });

  it('still answers the read: the next events in order, and nothing waiting behind a running transaction', async () => {
    // The horizon is the server's oldest running transaction, any database's: files running beside
    // this one may hold it back for a moment, so the read is asked again until it passes.
    const rows = await until(async () => {
      const read = (await ledgerReadStatement(positions[EVENTS - 3]!, 10).execute(connection.db)).rows;
      return read.some((r) => r.waiting === null) ? read : null;
    }, { what: 'the read to pass the running transactions of other files' });
    const events = rows.filter((r) => r.waiting === null);
    expect(events.map((e) => BigInt(e.global_position))).toEqual(positions.slice(EVENTS - 2).map((p) => p.prepare));
    expect(rows.filter((r) => r.waiting !== null).map((r) => r.waiting)).toEqual([false]);
  });
});
