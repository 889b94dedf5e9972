import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { until } from '../support/until.ts';

// Subscribers wait to be woken when the ledger grows: in the appending process at once, in every
// other process through PostgreSQL's NOTIFY. A process must not be woken a second time by its own
// NOTIFY coming back: each wake makes every subscription read the ledger again.
let database: TestDatabase;
let here: SqlConnection;
let elsewhere: SqlConnection;
let store: PostgresEventStore;
const pokes = { here: 0, elsewhere: 0 };

const BARRIER = 'barrier';
/**
 * The payloads each process's LISTEN connection received, in order, named by application name.
 * Observed on the way past (the client still handles each one): it tells when a barrier arrived,
 * and PostgreSQL delivers notifications in commit order, so whatever came before it has arrived too.
 */
const heard: { listener: string; payload: string | undefined }[] = [];
const emit = pg.Client.prototype.emit;
vi.spyOn(pg.Client.prototype, 'emit').mockImplementation(function (this: pg.Client, event: string | symbol, ...args: unknown[]) {
  if (event === 'notification') {
    const application = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name ?? '';
    heard.push({ listener: application, payload: (args[0] as pg.Notification).payload });
  }
  return emit.call(this, event, ...args);
});
/** Statements sent by this process's connections (application name `wake-here`). */
const sentHere: string[] = [];
const query = pg.Client.prototype.query;
vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
  const application = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name ?? '';
  const config = args[0] as string | { text?: string };
  if (application.startsWith('wake-here')) sentHere.push(typeof config === 'string' ? config : config.text ?? '');
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query);
const heardBarrier = (process: string) => heard.some((h) => h.listener === `${process}:listen` && h.payload === BARRIER);

beforeAll(async () => {
  database = await createTestDatabase();
  here = connectPostgres(database.url, { applicationName: 'wake-here' });
  elsewhere = connectPostgres(database.url, { applicationName: 'wake-elsewhere' });
  here.onPoke(() => pokes.here++);
  elsewhere.onPoke(() => pokes.elsewhere++);
  store = await PostgresEventStore.open(here);
  // Each connection pokes its own subscribers once when its LISTEN is in place.
  await until(() => pokes.here > 0 && pokes.elsewhere > 0, { what: 'both listeners' });
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
    sentHere.length = 0;
    const result = await store.append(streamName.inbound(`wake-${randomUUID()}`), [{ id: randomUUID(), type: 'InboundEventReceived', data: {}, metadata: {} }], 'no-stream');
    expect(result.ok).toBe(true);
    expect(pokes.here).toBe(1);
    // The append's own statement carries the NOTIFY: one statement, no transaction of its own for it.
    expect(sentHere.filter((text) => text.includes('pg_notify'))).toHaveLength(1);
    expect(sentHere.filter((text) => text.includes('pg_notify'))[0]).toContain('ledger_append(');
    await until(() => pokes.elsewhere > 0, { what: 'the other process to be woken' });
    // Our NOTIFY is committed (the other process heard it). A NOTIFY committed after it reaches
    // each listener after it: once both heard the barrier, our own NOTIFY has come back too.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query('select pg_notify($1, $2)', ['ledger_appended', BARRIER]);
    } finally {
      await admin.end();
    }
    await until(() => heardBarrier('wake-here') && heardBarrier('wake-elsewhere'), { what: 'both listeners to hear the barrier' });
    // Each woken once by the append and once by the barrier; the appender not by its own NOTIFY.
    expect(pokes).toEqual({ here: 2, elsewhere: 2 });
  });
});
