import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import { appendEach, readStreamToArray } from '../../src/ledger/event-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPglite, connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const event = (n: number) => ({ id: randomUUID(), type: 'ReminderFired', data: { n }, metadata: { actor: 'test' } });

describe.each(['postgres', 'pglite'] as const)('appending to several streams at once (%s)', (kind) => {
  let database: TestDatabase | undefined;
  let connection: SqlConnection;
  let store: PostgresEventStore;

  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase();
      connection = connectPostgres(database.url);
    } else {
      connection = await connectPglite();
    }
    store = await PostgresEventStore.open(connection);
  });
  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  it('lands every append whose expected revision holds and answers a lost race for the others, in order', async () => {
    const taken = streamName.reminder(randomUUID());
    await store.append(taken, [event(0)], 'no-stream');
    const fresh = [streamName.reminder(randomUUID()), streamName.reminder(randomUUID())];
    const results = await appendEach(store, [
      { stream: fresh[0]!, events: [event(1)], expected: 'no-stream' },
      { stream: taken, events: [event(2)], expected: 'no-stream' },
      { stream: fresh[1]!, events: [event(3), event(4)], expected: 'no-stream' },
    ]);
    expect(results.map((r) => (r.ok ? `ok ${r.nextRevision}` : `lost at ${r.error.actual}`))).toEqual(['ok 0', 'lost at 0', 'ok 1']);
    expect((await readStreamToArray(store, fresh[1]!)).map((e) => (e.data as { n: number }).n)).toEqual([3, 4]);
    expect((await readStreamToArray(store, taken)).map((e) => (e.data as { n: number }).n)).toEqual([0]);
  });

  it('commits the batch as one transaction: one commit position, in the order given', async () => {
    const streams = Array.from({ length: 5 }, () => streamName.reminder(randomUUID()));
    const results = await appendEach(store, streams.map((stream, i) => ({ stream, events: [event(i)], expected: 'no-stream' as const })));
    const positions = results.map((r) => (r.ok ? r.position : null));
    expect(new Set(positions.map((p) => p?.commit)).size).toBe(1);
    expect(positions.map((p) => p!.prepare)).toEqual([...positions.map((p) => p!.prepare)].sort((a, b) => (a < b ? -1 : 1)));
  });
});
