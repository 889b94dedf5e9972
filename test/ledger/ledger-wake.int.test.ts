import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// Subscribers wait to be woken when the ledger grows: in the appending process at once, in every
// other process through PostgreSQL's NOTIFY. A process must not be woken a second time by its own
// NOTIFY coming back: each wake makes every subscription read the ledger again.
let database: TestDatabase;
let here: SqlConnection;
let elsewhere: SqlConnection;
let store: PostgresEventStore;
const pokes = { here: 0, elsewhere: 0 };

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  here = connectPostgres(database.url);
  elsewhere = connectPostgres(database.url);
  here.onPoke(() => pokes.here++);
  elsewhere.onPoke(() => pokes.elsewhere++);
  store = await PostgresEventStore.open(here);
  // Each connection pokes its own subscribers once when its LISTEN is in place.
  await until(() => pokes.here > 0 && pokes.elsewhere > 0, 'both listeners');
});

afterAll(async () => {
  await here?.close();
  await elsewhere?.close();
  await database?.drop();
});

describe('waking subscribers when the ledger grows', () => {
  it('wakes the appending process once and another process through NOTIFY', async () => {
    pokes.here = 0;
    pokes.elsewhere = 0;
    const result = await store.append(streamName.inbound(`wake-${randomUUID()}`), [{ id: randomUUID(), type: 'InboundEventReceived', data: {}, metadata: {} }], 'no-stream');
    expect(result.ok).toBe(true);
    expect(pokes.here).toBe(1);
    await until(() => pokes.elsewhere > 0, 'the other process to be woken');
    // Time for our own NOTIFY to come back, had it been heard.
    await delay(300);
    expect(pokes).toEqual({ here: 1, elsewhere: 1 });
  });
});
