import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import type { LedgerPosition, RecordedEvent } from '../../src/ledger/event-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { until } from '../support/until.ts';

// The projection lanes of one process subscribe to the ledger side by side, and one append wakes
// them all at once: they read it once between them. A lane joins a read already in flight only if
// no append was announced since it started, so it never misses the append it was woken for; the
// poll (ten minutes here) would be its only other way to find it.

let database: TestDatabase;
let connection: SqlConnection;
let store: PostgresEventStore;
/**
 * Ledger reads by subscribers that found the ledger settled, counted on their way back from the
 * database. A read that found newer events held back behind a transaction still running anywhere
 * on the server (another test's, in another database) is looked at again soon by design, and how
 * often that happens is the server's load, not this process's sharing: those are counted apart.
 */
let reads = 0;
let heldBack = 0;
/** Run once a subscriber's read has its rows, before they are handed back (which `held` delays). */
let afterRead: (() => Promise<void>) | null = null;
let heldMs = 0;
const stopping = new AbortController();

beforeAll(async () => {
  database = await createTestDatabase();
  const real = connectPostgres(database.url);
  connection = {
    ...real,
    run: async <Row>(statement: Parameters<SqlConnection['run']>[0]) => {
      if (statement.name !== 'ledger_read') return real.run<Row>(statement);
      const rows = await real.run<Row>(statement);
      if (rows.some((row) => (row as { waiting?: boolean | null }).waiting === true)) heldBack++;
      else reads++;
      const hook = afterRead;
      afterRead = null;
      await hook?.();
      if (heldMs > 0) await new Promise((resolve) => setTimeout(resolve, heldMs));
      return rows;
    },
  };
  store = await PostgresEventStore.open(connection, { pollIntervalMs: 600_000 });
});

afterAll(async () => {
  stopping.abort();
  await connection?.close();
  await database?.drop();
});

/** `count` subscribers from `after`, each collecting what it is given; `slow` ones take a moment over some events, as lanes do. */
function subscribe(count: number, after: LedgerPosition | null, options: { slow?: boolean } = {}): RecordedEvent[][] {
  return Array.from({ length: count }, () => {
    const seen: RecordedEvent[] = [];
    void (async () => {
      for await (const event of store.subscribeToAll(after, stopping.signal)) {
        seen.push(event);
        if (options.slow && Math.random() < 0.2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
    })();
    return seen;
  });
}

const appendOne = async (stream: string, n: number) => {
  const result = await store.append(streamName.reminder(stream), [{ id: randomUUID(), type: 'Counted', data: { n }, metadata: {} }], 'any');
  if (!result.ok) throw result.error;
  return result.position;
};

describe('subscribers of one process', () => {
  it('woken by the same append read it once between them', async () => {
    const stream = randomUUID();
    const subscribers = subscribe(4, await lastCommitted(connection.db));
    // Each reads once on its own to start; after the first append they wait side by side.
    await appendOne(stream, 0);
    await until(() => subscribers.every((s) => s.length === 1), { what: 'every subscriber to have the first event' });
    reads = 0;
    heldBack = 0;
    const rounds = 10;
    for (let n = 1; n <= rounds; n++) {
      await appendOne(stream, n);
      await until(() => subscribers.every((s) => s.length === n + 1), { what: `every subscriber to have event ${n}` });
    }
    expect(subscribers.map((s) => s.map((e) => (e.data as { n: number }).n))).toEqual(Array.from({ length: 4 }, () => Array.from({ length: rounds + 1 }, (_, i) => i)));
    // One settled read a round between the four; one each would be 40. (Reads that found the newest
    // events held back by a transaction elsewhere on the server are looked at again: not counted.)
    expect(reads, `${reads} settled reads, ${heldBack} held back`).toBeLessThan((rounds * 4) / 2);
  });

  it('join no read that started before an append they were woken for', async () => {
    const stream = randomUUID();
    const start = await lastCommitted(connection.db);
    const quick: number[] = [];
    const slow: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consume = async (into: number[], busyOnFirst: boolean) => {
      for await (const event of store.subscribeToAll(start, stopping.signal)) {
        into.push((event.data as { n: number }).n);
        if (busyOnFirst && into.length === 1) await gate;
      }
    };
    void consume(quick, false);
    void consume(slow, true);
    await appendOne(stream, 0);
    await until(() => quick.length === 1 && slow.length === 1, { what: 'both to have the first event' });
    // The quick one is woken by event 1 and reads it; once that read has its rows (without event 2)
    // and while they are held back, event 2 is appended and the slow one comes to read from the
    // same position: it must read again, not join a read that cannot have event 2.
    heldMs = 50;
    afterRead = async () => {
      await appendOne(stream, 2);
      release();
    };
    await appendOne(stream, 1);
    try {
      await until(() => quick.length === 3 && slow.length === 3, { what: 'both to have events 1 and 2, woken by the appends alone' });
    } finally {
      heldMs = 0;
    }
    expect(quick).toEqual([0, 1, 2]);
    expect(slow).toEqual([0, 1, 2]);
  });

  it('never miss an append made while a read they could join was in flight', async () => {
    const streams = Array.from({ length: 6 }, () => randomUUID());
    const subscribers = subscribe(5, await lastCommitted(connection.db), { slow: true });
    const total = 1_000;
    let n = 0;
    // Appends from six writers at once, in bursts and pauses, so reads and appends overlap every way;
    // after each burst every subscriber must have it all, woken by the appends alone.
    while (n < total) {
      await Promise.all(streams.map(async (stream) => {
        for (let i = Math.floor(Math.random() * 4); i >= 0 && n < total; i--) {
          await appendOne(stream, n++);
          if (Math.random() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        }
      }));
      await until(() => subscribers.every((s) => s.length >= n), { what: `every subscriber to have all ${n} events` });
    }
    const orders = subscribers.map((s) => s.map((e) => e.id));
    for (const order of orders) expect(order).toEqual(orders[0]);
    expect(new Set(orders[0]).size).toBe(n);
  });
});
