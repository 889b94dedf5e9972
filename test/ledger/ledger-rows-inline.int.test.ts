import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPglite, connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { createTestDatabase } from '../support/databases.ts';

// A planned notification's event holds its words and recipient sealed: ~2.5 KB of base64 that does
// not compress. Past ~2 KB PostgreSQL would try to compress it, fail, and move it out to the TOAST
// table, where every reader of the ledger fetched it back from. Such rows stay on their page.
const sealedLike = (bytes: number) => ({ content: { $sealed: randomBytes(bytes).toString('base64url') } });

const kinds: [string, () => Promise<{ connection: SqlConnection; drop: () => Promise<void> }>][] = [
  ['PostgreSQL', async () => {
    const database = await createTestDatabase();
    return { connection: connectPostgres(database.url), drop: () => database.drop() };
  }],
  ['PGlite (embedded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnl-inline-'));
    return { connection: await connectPglite(dir), drop: () => rm(dir, { recursive: true, force: true }) };
  }],
];

describe.each(kinds)('ledger rows on %s', (_, open) => {
  let connection: SqlConnection;
  let drop: () => Promise<void>;
  let store: PostgresEventStore;

  beforeAll(async () => {
    ({ connection, drop } = await open());
    store = await PostgresEventStore.open(connection);
  }, 60_000);

  afterAll(async () => {
    await connection?.close();
    await drop?.();
  });

  const toastBytes = async () => {
    const { rows } = await sql<{ bytes: string }>`
      select pg_relation_size(reltoastrelid)::text as bytes from pg_class where relname = 'ledger_events'
    `.execute(connection.db);
    return Number(rows[0]!.bytes);
  };

  async function appendAndRead(data: object) {
    const stream = streamName.notification(randomUUID());
    const appended = await store.append(stream, [{ id: randomUUID(), type: 'NotificationPlanned', data, metadata: {} }], 'no-stream');
    expect(appended.ok).toBe(true);
    const [read] = await readStreamToArray(store, stream);
    return read!.data;
  }

  it('keeps an event of a few kilobytes that does not compress whole on its page', async () => {
    const events = Array.from({ length: 50 }, () => sealedLike(3_000));
    for (const data of events) expect(await appendAndRead(data)).toEqual(data);
    expect(await toastBytes()).toBe(0);
  });

  it('still moves out an event larger than a page holds, and reads it back whole', async () => {
    const data = sealedLike(12_000);
    expect(await appendAndRead(data)).toEqual(data);
    expect(await toastBytes()).toBeGreaterThan(0);
  });
});
